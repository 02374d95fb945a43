/**
 * GET /search — "search the index": upload a photo, see the ranked results (id, inliers, score,
 * metadata). Each result's picture shows the query photo and, when the item's metadata names an image
 * (`metadata.url` or `metadata.image`), that image with the query's outline mapped into it by the
 * verified transform: where the geometric re-rank placed the query.
 */
import { Hono } from "hono";
import { LIMITS } from "../../service/limits";

const PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>delf-edge — search the index</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
  form { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; }
  label { display: flex; flex-direction: column; gap: .3rem; }
  [hidden] { display: none !important; }
  button { font-size: 1rem; padding: .5rem 1.4rem; cursor: pointer; }
  #status { margin: 1rem 0; min-height: 1.4em; }
  #status.error { color: #b00020; }
  .result { display: grid; grid-template-columns: 3rem 1fr; gap: .5rem; border-top: 1px solid #ddd; padding: .6rem 0; }
  .rank { font-size: 1.3rem; font-weight: 600; }
  .result svg { width: 100%; max-height: 260px; border: 1px solid #eee; }
  .meta { font-family: ui-monospace, monospace; font-size: 12px; color: #555; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>delf-edge: search the index</h1>
<p><a href="/">match two photos</a> · <span id="stats"></span></p>
<form id="form">
  <label>Photo <input id="image" type="file" accept="image/jpeg,image/png,image/webp" required></label>
  <label>results <input id="topK" type="number" min="1" max="100" value="10"></label>
  <label id="key-label" hidden>API key <input id="key" type="password" autocomplete="off"></label>
  <button id="search" type="submit">Search</button>
</form>
<div id="status" aria-live="polite"></div>
<div id="results"></div>
<script type="module">
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const MAX_PIXELS = ${LIMITS.maxImagePixels};
const authHeaders = () => ($("key").value ? { authorization: "Bearer " + $("key").value } : {});

async function uploadable(file) {
  const bitmap = await createImageBitmap(file);
  const { width, height } = bitmap;
  if (width * height <= MAX_PIXELS) { bitmap.close(); return { blob: file, width, height }; }
  const k = Math.sqrt(MAX_PIXELS / (width * height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.floor(width * k));
  canvas.height = Math.max(1, Math.floor(height * k));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob((blob) => resolve({ blob, width: canvas.width, height: canvas.height }), "image/jpeg", 0.92));
}

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text) e.textContent = text;
  return e;
}

function project(m, x, y) {
  const w = m[2] ? m[2][0] * x + m[2][1] * y + m[2][2] : 1;
  return [(m[0][0] * x + m[0][1] * y + m[0][2]) / w, (m[1][0] * x + m[1][1] * y + m[1][2]) / w];
}

async function imageSize(url) {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => resolve(null);
    img.src = url;
  });
}

async function picture(result, query) {
  const meta = result.metadata || {};
  const other = typeof meta.url === "string" ? meta.url : typeof meta.image === "string" ? meta.image : null;
  const size = other ? await imageSize(other) : null;
  const w2 = size ? size.width : 0, h2 = size ? size.height : 0;
  const svg = el("svg", { viewBox: "0 0 " + (query.width + w2) + " " + Math.max(query.height, h2), role: "img",
    "aria-label": result.id + ": " + result.numInliers + " inliers" });
  svg.appendChild(el("image", { href: query.url, x: 0, y: 0, width: query.width, height: query.height }));
  if (size) {
    svg.appendChild(el("image", { href: other, x: query.width, y: 0, width: w2, height: h2 }));
    if (result.transform) {
      const corners = [[0, 0], [query.width, 0], [query.width, query.height], [0, query.height]].map(([x, y]) => project(result.transform.matrix, x, y));
      const points = corners.map(([x, y]) => (x + query.width) + "," + y).join(" ");
      svg.appendChild(el("polygon", { points, fill: "none", stroke: "#1f3fff", "stroke-width": Math.max(2, (query.width + w2) / 300) }));
    }
  } else {
    svg.appendChild(el("text", { x: 8, y: 24, fill: "#fff", stroke: "#000", "stroke-width": 0.5, "font-size": 20 },
      result.transform ? "verified: " + result.numInliers + " inliers (give items a metadata.url to see them)" : "no geometric verification"));
  }
  return svg;
}

function refreshStats() {
  fetch("/v1/index", { headers: authHeaders() }).then(async (r) => {
    if (r.status === 401) { $("key-label").hidden = false; return; }
    const s = await r.json();
    $("stats").textContent = r.ok ? s.items + " items indexed" : (s.error ? s.error.code + ": " + s.error.message : "");
  }).catch(() => {});
}
refreshStats();

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("image").files[0];
  if (!file) return;
  $("search").disabled = true;
  $("status").className = "";
  $("status").textContent = "Extracting DELF features, searching, re-ranking…";
  try {
    const up = await uploadable(file);
    const body = new FormData();
    body.append("image", up.blob, "query");
    body.append("options", JSON.stringify({ topK: Number($("topK").value) || 10 }));
    const response = await fetch("/v1/search", { method: "POST", body, headers: authHeaders() });
    const result = await response.json();
    if (response.status === 401) $("key-label").hidden = false;
    if (!response.ok) throw new Error(result.error ? result.error.code + ": " + result.error.message : "HTTP " + response.status);
    const query = { url: URL.createObjectURL(up.blob), width: up.width, height: up.height };
    const rows = [];
    for (const [i, r] of result.results.entries()) {
      const row = document.createElement("div");
      row.className = "result";
      const rank = document.createElement("div");
      rank.className = "rank";
      rank.textContent = String(i + 1);
      const right = document.createElement("div");
      const title = document.createElement("div");
      title.innerHTML = "<b></b> — " + r.numInliers + " inliers, score " + r.score.toFixed(4);
      title.querySelector("b").textContent = r.id;
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = r.metadata === null ? "" : JSON.stringify(r.metadata);
      right.append(title, meta, await picture(r, query));
      row.append(rank, right);
      rows.push(row);
    }
    $("results").replaceChildren(...rows);
    $("status").textContent = result.results.length + " results of " + result.numCandidates + " candidates in " + Math.round(result.timingsMs.total) + " ms.";
  } catch (error) {
    $("status").className = "error";
    $("status").textContent = String(error.message || error);
  } finally {
    $("search").disabled = false;
  }
});
</script>
</body>
</html>`;

export function searchPageRoutes() {
  return new Hono().get("/search", (c) => c.html(PAGE));
}
