/**
 * The tutorial's picture (skimage plot_matches): both images side by side, image 2 offset by
 * image 1's width, every putative keypoint marked, inlier correspondences drawn as blue lines
 * (outliers optionally as faint red lines). Images are embedded as data URIs of their own bytes.
 */
import type { MatchBody } from "../service/match-features";
import { bytesToBase64 } from "../bytes";

export interface SvgImage {
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
}

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

export function renderMatchSvg(image1: SvgImage, image2: SvgImage, body: Pick<MatchBody, "matches" | "numInliers" | "numPutative">, showOutliers = false): string {
  const width = image1.width + image2.width;
  const height = Math.max(image1.height, image2.height);
  const stroke = Math.max(1, Math.round(width / 800));
  const lines: string[] = [];
  const marks: string[] = [];
  for (const m of body.matches) {
    const [x1, y1] = m.p1;
    const x2 = m.p2[0] + image1.width;
    const y2 = m.p2[1];
    marks.push(`<circle cx="${fmt(x1)}" cy="${fmt(y1)}" r="${stroke * 2}"/><circle cx="${fmt(x2)}" cy="${fmt(y2)}" r="${stroke * 2}"/>`);
    if (m.inlier) lines.push(`<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" class="inlier"/>`);
    else if (showOutliers) lines.push(`<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" class="outlier"/>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${body.numInliers} inliers of ${body.numPutative} putative matches</title>`,
    `<style>.inlier{stroke:#1f3fff;stroke-width:${stroke}}.outlier{stroke:#ff4040;stroke-opacity:.25;stroke-width:${stroke}}circle{fill:none;stroke:#ff8c00;stroke-width:${stroke}}</style>`,
    `<image x="0" y="0" width="${image1.width}" height="${image1.height}" href="data:${image1.mime};base64,${bytesToBase64(image1.bytes)}"/>`,
    `<image x="${image1.width}" y="0" width="${image2.width}" height="${image2.height}" href="data:${image2.mime};base64,${bytesToBase64(image2.bytes)}"/>`,
    `<g class="keypoints">${marks.join("")}</g>`,
    `<g class="matches">${lines.join("")}</g>`,
    `</svg>`,
  ].join("\n");
}
