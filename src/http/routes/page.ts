/** GET / — a small page: pick two images, press Match, see the matches and the numbers. */
import { Hono } from "hono";
import { LIMITS } from "../../service/limits";

const PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>delf-edge — match two photos of the same place</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
  #banner { display: none; background: #fff3cd; border: 1px solid #e0b100; padding: .6rem .8rem; border-radius: 6px; margin-bottom: 1rem; }
  #banner.show { display: block; }
  .pick { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; }
  label { display: flex; flex-direction: column; gap: .3rem; }
  [hidden] { display: none !important; }
  button { font-size: 1rem; padding: .5rem 1.4rem; cursor: pointer; }
  button:disabled { cursor: progress; }
  #status { margin: 1rem 0; min-height: 1.4em; }
  #status.error { color: #b00020; }
  #figure svg { width: 100%; height: auto; border: 1px solid #ddd; }
  table { border-collapse: collapse; margin-top: .6rem; }
  td { padding: .15rem .8rem .15rem 0; }
</style>
</head>
<body>
<h1>delf-edge: match two photos of the same place</h1>
<div id="banner" role="alert"></div>
<form id="form" class="pick">
  <label>Image 1 <input id="image1" name="image1" type="file" accept="image/jpeg,image/png,image/webp" required></label>
  <label>Image 2 <input id="image2" name="image2" type="file" accept="image/jpeg,image/png,image/webp" required></label>
  <label id="key-label" hidden>API key <input id="key" type="password" autocomplete="off"></label>
  <label><span><input id="outliers" type="checkbox"> show outliers</span></label>
  <button id="match" type="submit">Match</button>
</form>
<div id="status" aria-live="polite"></div>
<div id="figure"></div>
<table id="numbers" hidden>
  <tr><td>inliers</td><td id="inliers"></td></tr>
  <tr><td>putative matches</td><td id="putative"></td></tr>
  <tr><td>features</td><td id="features"></td></tr>
  <tr><td>timings (ms)</td><td id="timings"></td></tr>
  <tr><td>model</td><td id="model"></td></tr>
</table>
<script type="module">
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

const MAX_PIXELS = ${LIMITS.maxImagePixels};

// The isolate decodes at most MAX_PIXELS (128 MB of memory, shared with the model): larger photos
// are scaled down here, in the browser, before upload. Points come back in the uploaded image's pixels.
async function uploadable(file) {
  const bitmap = await createImageBitmap(file);
  const { width, height } = bitmap;
  if (width * height <= MAX_PIXELS) { bitmap.close(); return file; }
  const k = Math.sqrt(MAX_PIXELS / (width * height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.floor(width * k));
  canvas.height = Math.max(1, Math.floor(height * k));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
}

const authHeaders = () => ($("key").value ? { authorization: "Bearer " + $("key").value } : {});

fetch("/v1/health").then((r) => {
  if (r.status === 401) $("key-label").hidden = false; // the server wants an API key
  return r.json();
}).then((h) => {
  const m = h.model || {};
  if (m.state === "ready" && m.trained === false) {
    $("banner").textContent = "Synthetic weights (" + m.source + "): this server is not running the trained DELF model, so matches are NOT DELF quality.";
    $("banner").classList.add("show");
  } else if (m.state && m.state !== "ready") {
    $("banner").textContent = "Model unavailable: " + (m.reason || m.state);
    $("banner").classList.add("show");
  }
}).catch(() => {});

function el(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function draw(result, url1, url2, showOutliers) {
  const w1 = result.image1.width, h1 = result.image1.height, w2 = result.image2.width, h2 = result.image2.height;
  const svg = el("svg", { viewBox: "0 0 " + (w1 + w2) + " " + Math.max(h1, h2), role: "img", "aria-label": result.numInliers + " inliers" });
  svg.appendChild(el("image", { href: url1, x: 0, y: 0, width: w1, height: h1 }));
  svg.appendChild(el("image", { href: url2, x: w1, y: 0, width: w2, height: h2 }));
  const stroke = Math.max(1, Math.round((w1 + w2) / 800));
  for (const m of result.matches) {
    if (!m.inlier && !showOutliers) continue;
    svg.appendChild(el("line", { x1: m.p1[0], y1: m.p1[1], x2: m.p2[0] + w1, y2: m.p2[1], class: m.inlier ? "inlier" : "outlier",
      stroke: m.inlier ? "#1f3fff" : "#ff4040", "stroke-opacity": m.inlier ? 1 : 0.3, "stroke-width": stroke }));
  }
  $("figure").replaceChildren(svg);
}

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!$("image1").files[0] || !$("image2").files[0]) return;
  $("match").disabled = true;
  $("status").className = "";
  $("status").textContent = "Extracting DELF features and matching…";
  try {
    const [f1, f2] = await Promise.all([uploadable($("image1").files[0]), uploadable($("image2").files[0])]);
    const body = new FormData();
    body.append("options", "{}"); // first: the service then holds one uploaded file at a time
    body.append("image1", f1, "image1");
    body.append("image2", f2, "image2");
    const response = await fetch("/v1/match", { method: "POST", body, headers: authHeaders() });
    const result = await response.json();
    if (response.status === 401) $("key-label").hidden = false;
    if (!response.ok) throw new Error(result.error ? result.error.code + ": " + result.error.message : "HTTP " + response.status);
    draw(result, URL.createObjectURL(f1), URL.createObjectURL(f2), $("outliers").checked);
    $("inliers").textContent = String(result.numInliers);
    $("putative").textContent = String(result.numPutative);
    $("features").textContent = result.image1.numFeatures + " / " + result.image2.numFeatures;
    $("timings").textContent = Object.entries(result.timingsMs).map(([k, v]) => k + " " + Math.round(v)).join(", ");
    $("model").textContent = result.model.source + (result.model.trained ? "" : " (synthetic, trained: false)");
    $("numbers").hidden = false;
    $("status").textContent = result.numInliers + " inliers.";
  } catch (error) {
    $("status").className = "error";
    $("status").textContent = String(error.message || error);
  } finally {
    $("match").disabled = false;
  }
});
</script>
</body>
</html>`;

export function pageRoutes() {
  return new Hono().get("/", (c) => c.html(PAGE));
}
