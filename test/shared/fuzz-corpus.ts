/**
 * A deterministic corpus of malformed requests for /v1/match, /v1/features and /v1/verify: corrupted
 * images (truncated, bit-flipped, overwritten, huge declared dimensions), wrong or missing content
 * types, broken multipart, invalid JSON, out-of-range and mistyped options, base64 garbage, bad URLs,
 * and broken feature sets. Same seeds in → same bytes out, in Node and inside workerd.
 *
 * Every request is plain data (method, path, headers, body bytes), so the corpus can be written to a
 * folder (scripts/fuzz-corpus.ts) or turned into a `Request` (`fuzzRequest`).
 *
 * `expect`:
 *   "error"        — the request is invalid however the server reads it: the answer must be a 4xx.
 *   "error-or-ok"  — a corrupted image that a codec may still decode (e.g. flipped bits in JPEG
 *                    entropy data): a 4xx, or a 200 with a well-formed body. Never a 5xx.
 * Images that may decode are sent with tiny extraction options, so a surviving corruption costs a
 * 64-pixel extraction, not a full pyramid.
 */
import { encodeDelfFeatures } from "../../src/features/delf-protobuf";
import { embeddedBytes } from "../node/image/embedded";
import { mulberry32 } from "./prng";
import { concatBytes } from "../../src/bytes";

export interface FuzzSeeds {
  /** Small valid images (tens of pixels a side) to corrupt. */
  jpeg: Uint8Array;
  png: Uint8Array;
  webp: Uint8Array;
  /** A valid `.delf` file (a few features) to corrupt for /v1/verify. */
  delf: Uint8Array;
}

export type FuzzExpectation = "error" | "error-or-ok";

export interface FuzzCase {
  id: string;
  category: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  expect: FuzzExpectation;
}

/** Extraction options that keep any image that still decodes cheap to extract. */
export const TINY_EXTRACTION = { fit: { maxSide: 64 }, scales: [1], maxFeatures: 50, scoreThreshold: 0 } as const;

export const FUZZ_BOUNDARY = "----delfFuzzBoundary7MA4YWxkTrZu0gW";

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);



export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// ---------------------------------------------------------------------------------------------
// Multipart bodies built byte by byte, so that broken ones can be built too.

export interface Part {
  name?: string;
  value: Uint8Array | string;
  /** A filename makes the part a file; omitted for text fields. */
  filename?: string;
  type?: string;
}

export function multipartBody(parts: Part[], boundary = FUZZ_BOUNDARY, { close = true, eol = "\r\n" } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    let head = `--${boundary}${eol}Content-Disposition: form-data`;
    if (p.name !== undefined) head += `; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += eol;
    if (p.type !== undefined || p.filename !== undefined) head += `Content-Type: ${p.type ?? "application/octet-stream"}${eol}`;
    chunks.push(utf8(head + eol), typeof p.value === "string" ? utf8(p.value) : p.value, utf8(eol));
  }
  if (close) chunks.push(utf8(`--${boundary}--${eol}`));
  return concatBytes(chunks);
}

const MULTIPART = `multipart/form-data; boundary=${FUZZ_BOUNDARY}`;
const JSON_TYPE = "application/json";

function file(name: string, bytes: Uint8Array): Part {
  return { name, value: bytes, filename: `${name}.bin`, type: "application/octet-stream" };
}

function text(name: string, value: string): Part {
  return { name, value };
}

// ---------------------------------------------------------------------------------------------
// Image corruptions.

function truncations(bytes: Uint8Array): Array<[string, Uint8Array]> {
  const lengths = new Set([0, 1, 2, 3, 4, 6, 8, 11, 12, 16, 20, 24, 26, 29, 30, 33, 40, 48, 64]);
  for (const f of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) lengths.add(Math.floor(bytes.length * f));
  lengths.add(bytes.length - 1);
  lengths.add(bytes.length - 2);
  return [...lengths].filter((n) => n < bytes.length).sort((a, b) => a - b).map((n) => [`truncated-${n}`, bytes.slice(0, n)]);
}

function bitFlips(bytes: Uint8Array, rand: () => number, count: number): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  for (let i = 0; i < count; i++) {
    const flips = [1, 1, 2, 4, 16][i % 5];
    const copy = bytes.slice();
    const where: number[] = [];
    for (let k = 0; k < flips; k++) {
      // Half of the flips land in the first 128 bytes (headers, where parsers branch).
      const limit = i % 2 === 0 ? Math.min(128, copy.length) : copy.length;
      const at = Math.floor(rand() * limit);
      copy[at] ^= 1 << Math.floor(rand() * 8);
      where.push(at);
    }
    out.push([`bitflip-${i}-at-${where.join("-")}`, copy]);
  }
  return out;
}

function overwrites(bytes: Uint8Array, rand: () => number): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  for (const fill of [0x00, 0xff, -1]) {
    for (let i = 0; i < 3; i++) {
      const copy = bytes.slice();
      const start = Math.floor(rand() * copy.length);
      const length = 1 + Math.floor(rand() * 32);
      for (let k = start; k < Math.min(copy.length, start + length); k++) copy[k] = fill === -1 ? Math.floor(rand() * 256) : fill;
      out.push([`overwrite-${fill === -1 ? "random" : fill}-${start}+${length}`, copy]);
    }
  }
  // Whole-file garbage that keeps the magic bytes.
  const keepMagic = new Uint8Array(bytes.length);
  keepMagic.set(bytes.subarray(0, 12));
  out.push(["magic-then-zeros", keepMagic]);
  const doubled = concatBytes([bytes, bytes]);
  out.push(["file-twice", doubled]);
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG chunk with a correct CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(utf8(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Same pixels, different bytes: a tEXt chunk inserted after IHDR (for cache-missing re-runs). */
export function pngWithText(png: Uint8Array, keyword: string, value: string): Uint8Array {
  return concatBytes([png.subarray(0, 33), pngChunk("tEXt", utf8(`${keyword}\0${value}`)), png.subarray(33)]);
}

/** A PNG that declares width×height but carries no pixel data worth the name. */
function tinyPng(width: number, height: number, { fixCrc = true, idat = true } = {}): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width >>> 0);
  view.setUint32(4, height >>> 0);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const head = pngChunk("IHDR", ihdr);
  if (!fixCrc) head[head.length - 1] ^= 0xff;
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), head];
  // A zlib stream of a few zero bytes: far too little data for the declared size.
  if (idat) parts.push(pngChunk("IDAT", new Uint8Array([0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])));
  parts.push(pngChunk("IEND", new Uint8Array(0)));
  return concatBytes(parts);
}

/** Offset of the first SOFn marker's payload (after the 2-byte length) in a JPEG, or -1. */
function jpegSofOffset(bytes: Uint8Array): number {
  let at = 2;
  while (at + 4 < bytes.length) {
    if (bytes[at] !== 0xff) return -1;
    const marker = bytes[at + 1];
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return at + 4;
    at += 2 + length;
  }
  return -1;
}

function jpegWithSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const copy = jpeg.slice();
  const sof = jpegSofOffset(copy);
  if (sof < 0) throw new Error("seed JPEG has no SOF marker");
  const view = new DataView(copy.buffer);
  view.setUint16(sof + 1, height);
  view.setUint16(sof + 3, width);
  return copy;
}

/** WebP seed of any kind (VP8 / VP8L / VP8X): rewrites the declared canvas size in its first chunk. */
function webpWithSize(webp: Uint8Array, width: number, height: number): Uint8Array {
  const copy = webp.slice();
  const kind = String.fromCharCode(...copy.subarray(12, 16));
  const view = new DataView(copy.buffer);
  if (kind === "VP8X") {
    const w = width - 1, h = height - 1;
    copy.set([w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff], 24);
  } else if (kind === "VP8 ") {
    view.setUint16(26, width & 0x3fff, true);
    view.setUint16(28, height & 0x3fff, true);
  } else if (kind === "VP8L") {
    const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14) | (view.getUint32(21, true) & 0xf0000000);
    view.setUint32(21, bits >>> 0, true);
  } else throw new Error(`unknown WebP chunk ${kind}`);
  return copy;
}

/** Declared sizes: over the side limit, over the pixel limit, zero, and big-but-allowed. */
const DECLARED_SIZES: Array<[number, number, FuzzExpectation]> = [
  [100_000, 100_000, "error"],
  [65_535, 65_535, "error"],
  [12_001, 1, "error"],
  [1, 12_001, "error"],
  [7_000, 7_000, "error"],
  [0, 0, "error"],
  [0, 10, "error"],
  [4_000, 4_000, "error"],
  [2_000, 1_000, "error"],
  // Large photos (decoded at reduced size since issue 11): a 24 MP and a 12 MP frame with far too
  // little data, a 100 MP header bomb, and one pixel row over the source pixel limit.
  [6_000, 4_000, "error"],
  [4_032, 3_024, "error"],
  [10_000, 10_000, "error"],
  [8_192, 6_145, "error"],
];

function hugeDeclared(seeds: FuzzSeeds): Array<[string, string, Uint8Array, FuzzExpectation]> {
  const out: Array<[string, string, Uint8Array, FuzzExpectation]> = [];
  for (const [w, h, expect] of DECLARED_SIZES) {
    out.push(["png", `declared-${w}x${h}-tiny-body`, tinyPng(w, h), expect]);
    out.push(["png", `declared-${w}x${h}-header-only`, tinyPng(w, h, { idat: false }).subarray(0, 33), expect]);
    // Limits are read from the header before anything checks CRCs.
    out.push(["png", `declared-${w}x${h}-bad-crc`, tinyPng(w, h, { fixCrc: false }), expect]);
    // Stored seed data behind a header that lies about its size.
    const png = seeds.png.slice();
    new DataView(png.buffer).setUint32(16, w);
    new DataView(png.buffer).setUint32(20, h);
    out.push(["png", `declared-${w}x${h}-seed-data`, png, expect]);
    if (w <= 65_535 && h <= 65_535) {
      out.push(["jpeg", `declared-${w}x${h}`, jpegWithSize(seeds.jpeg, w, h), w === 0 || h === 0 || w * h > 40_000_000 ? "error" : "error-or-ok"]);
      out.push(["jpeg", `declared-${w}x${h}-header-only`, jpegWithSize(seeds.jpeg, w, h).subarray(0, jpegSofOffset(seeds.jpeg) + 12), "error"]);
    }
    if (w >= 1 && h >= 1 && w <= 16_384 && h <= 16_384) {
      out.push(["webp", `declared-${w}x${h}`, webpWithSize(seeds.webp, w, h), "error"]);
      out.push(["webp", `declared-${w}x${h}-header-only`, webpWithSize(seeds.webp, w, h).subarray(0, 40), "error"]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Options that must all be refused (400 invalid_options).

const BAD_EXTRACTION_OPTIONS: unknown[] = [
  { scales: [] },
  { scales: [0] },
  { scales: [-1] },
  { scales: [0.049] },
  { scales: [4.01] },
  { scales: [1e9] },
  { scales: [1e308] },
  { scales: ["1"] },
  { scales: "1" },
  { scales: 1 },
  { scales: null },
  { scales: [null] },
  { scales: ["NaN"] },
  { scales: [{}] },
  { scales: [[1]] },
  { scales: [true] },
  { scales: { 0: 1 } },
  { scales: new Array(13).fill(1) },
  { scales: new Array(100).fill(1) },
  { scales: new Array(100).fill(0.5) },
  { scoreThreshold: "100" },
  { scoreThreshold: "high" },
  { scoreThreshold: "NaN" },
  { scoreThreshold: "Infinity" },
  { scoreThreshold: -1 },
  { scoreThreshold: -1e-9 },
  { scoreThreshold: 1e7 },
  { scoreThreshold: null },
  { scoreThreshold: [] },
  { scoreThreshold: true },
  { maxFeatures: 0 },
  { maxFeatures: -5 },
  { maxFeatures: 1.5 },
  { maxFeatures: 5001 },
  { maxFeatures: 1e9 },
  { maxFeatures: 2 ** 53 },
  { maxFeatures: "1000" },
  { maxFeatures: null },
  { fit: 255 },
  { fit: "256" },
  { fit: 512 },
  { fit: "None" },
  { fit: "" },
  { fit: {} },
  { fit: { maxSide: 0 } },
  { fit: { maxSide: 31 } },
  { fit: { maxSide: 2049 } },
  { fit: { maxSide: 64.5 } },
  { fit: { maxSide: "64" } },
  { fit: { maxSide: 64, crop: true } },
  { fit: null },
  { fit: [] },
  { dropLargeScales: "yes" },
  { dropLargeScales: 1 },
  { dropLargeScales: null },
  { bogus: 1 },
  { Scales: [1] },
  { constructor: {} },
];

const BAD_MATCH_OPTIONS: unknown[] = [
  { distance: 0 },
  { distance: -1 },
  { distance: 5 },
  { distance: "0.8" },
  { distance: null },
  { distance: 1e309 },
  { matcher: "knn" },
  { matcher: "" },
  { matcher: 1 },
  { matcher: null },
  { matcher: "NN" },
  { ratio: 0 },
  { ratio: 2 },
  { ratio: "0.8" },
  { ratio: -0.5 },
  { ransac: null },
  { ransac: 1 },
  { ransac: "full" },
  { ransac: [] },
  { ransac: { residual: 0 } },
  { ransac: { residual: -1 } },
  { ransac: { residual: 1e5 } },
  { ransac: { residual: "20" } },
  { ransac: { maxTrials: 0 } },
  { ransac: { maxTrials: -1 } },
  { ransac: { maxTrials: 100_001 } },
  { ransac: { maxTrials: 1e9 } },
  { ransac: { maxTrials: 1.5 } },
  { ransac: { maxTrials: "1000" } },
  { ransac: { trials: "some" } },
  { ransac: { trials: null } },
  { ransac: { seed: -1 } },
  { ransac: { seed: 2 ** 32 } },
  { ransac: { seed: 1.5 } },
  { ransac: { seed: "1" } },
  { ransac: { model: "projective" } },
  { ransac: { model: null } },
  { ransac: { bogus: 1 } },
];

/** Options bodies that are not objects at all, as JSON values. */
const NON_OBJECT_OPTIONS: unknown[] = [null, 5, "scales", [], [1], true];

/** Raw option texts (multipart field) that are not JSON. */
const BAD_OPTION_TEXTS = ["not json", "{", "{scales:[1]}", "{'scales':[1]}", '{"scales":[1],}', "NaN", "{\"scales\":[NaN]}", "{\"maxFeatures\":Infinity}", "\u0000", '{"scales":[1]} trailing'];

// ---------------------------------------------------------------------------------------------
// Raw JSON bodies.

const BAD_JSON_TEXTS = [
  "",
  " ",
  "{",
  "}",
  "[",
  "{\"image1\":",
  "{'image1':1}",
  "{image1:1}",
  "{\"a\":1,}",
  "/* comment */ {}",
  "NaN",
  "undefined",
  "{\"a\":1} {\"b\":2}",
  "\"unterminated",
  "[".repeat(100_000),
  "{\"a\":".repeat(20_000),
  "\uFEFF{",
];

const NON_OBJECT_JSON_BODIES = ["null", "true", "1", "-0", "\"str\"", "[]", "[{}]", "{}", "\uFEFF{}", "[".repeat(50_000) + "]".repeat(50_000)];

// ---------------------------------------------------------------------------------------------
// Image inputs in JSON.

const BAD_BASE64 = [
  "",
  " ",
  "%%%",
  "A",
  "AA=A",
  "====",
  "A===",
  "-_-_",
  "AAAA",
  "AB",
  "data:image/png;base64,",
  "data:image/png;base64,%%%",
  "\u00ff\u00fe\u00fd\u00fc",
  "😀😀😀😀",
  "A".repeat(1_000_000),
  toBase64(utf8("GIF89a\x01\x00\x01\x00")),
  toBase64(utf8("hello world, not an image")),
  toBase64(new Uint8Array(1000)),
  toBase64(utf8("<svg xmlns='http://www.w3.org/2000/svg'/>")),
  toBase64(utf8("BM6\x00\x00\x00\x00\x00\x00\x006\x00\x00\x00")),
];

const BAD_BASE64_TYPES: unknown[] = [null, 123, [], {}, true];

const BAD_URLS = [
  "ftp://example.com/a.png",
  "file:///etc/passwd",
  "data:image/png;base64,iVBORw0KGgo=",
  "javascript:alert(1)",
  "gopher://example.com/",
  "ws://example.com/a.png",
  "wss://example.com/a.png",
  "blob:https://example.com/0c8a",
  "about:blank",
  "mailto:a@example.com",
  "chrome://settings",
  "view-source:http://example.com/",
  "jar:http://example.com/a.jar!/a.png",
  "http://",
  "https://",
  "not a url",
  "",
  " ",
  "//example.com/a.png",
  "/relative.png",
  "a.png",
  "http://user:pass@example.com/a.png",
  "https://user@example.com/a.png",
  "http://[::1",
  "http://a b.com/",
  `http://example.com/${"a".repeat(5000)}`,
];

const BAD_URL_TYPES: unknown[] = [null, 5, ["http://example.com/a.png"], { href: "http://example.com/a.png" }];

// ---------------------------------------------------------------------------------------------
// Feature sets for /v1/verify.

const GOOD_PLAIN = {
  locations: [[1, 2], [10, 20], [30, 5], [7, 7]],
  descriptors: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
};

function badFeatureSets(): Array<[string, unknown]> {
  const d = GOOD_PLAIN.descriptors;
  const l = GOOD_PLAIN.locations;
  return [
    ["null", null],
    ["number", 1],
    ["string", "features"],
    ["array", []],
    ["empty-object", {}],
    ["no-descriptors", { locations: l }],
    ["no-locations", { descriptors: d }],
    ["fewer-descriptors", { locations: l, descriptors: d.slice(1) }],
    ["ragged-descriptors", { locations: l, descriptors: [[1, 0, 0, 0], [0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }],
    ["empty-descriptor", { locations: [[1, 2]], descriptors: [[]] }],
    ["dim-257", { locations: [[1, 2]], descriptors: [new Array(257).fill(0.1)] }],
    ["string-values", { locations: l, descriptors: d.map((r) => r.map(String)) }],
    ["null-values", { locations: l, descriptors: d.map((r) => r.map(() => null)) }],
    ["nan-strings", { locations: l, descriptors: d.map((r) => r.map(() => "NaN")) }],
    ["location-3d", { locations: l.map(([x, y]) => [x, y, 0]), descriptors: d }],
    ["location-1d", { locations: l.map(([x]) => [x]), descriptors: d }],
    ["location-strings", { locations: l.map(([x, y]) => [String(x), String(y)]), descriptors: d }],
    ["location-huge", { locations: l.map(() => [1e309, 0]), descriptors: d }],
    ["too-many", { locations: new Array(20_001).fill([0, 0]), descriptors: new Array(20_001).fill([1]) }],
    ["base64-wrong-length", { locations: l, descriptors: { dtype: "float32", shape: [4, 4], base64: toBase64(new Uint8Array(60)) } }],
    ["base64-garbage", { locations: l, descriptors: { dtype: "float32", shape: [4, 4], base64: "%%%%" } }],
    ["base64-nan", { locations: [[0, 0]], descriptors: { dtype: "float32", shape: [1, 1], base64: toBase64(new Uint8Array([0, 0, 0xc0, 0x7f])) } }],
    ["base64-infinity", { locations: [[0, 0]], descriptors: { dtype: "float32", shape: [1, 1], base64: toBase64(new Uint8Array([0, 0, 0x80, 0x7f])) } }],
    ["base64-shape-rows", { locations: l, descriptors: { dtype: "float32", shape: [5, 4], base64: toBase64(new Uint8Array(80)) } }],
    ["base64-shape-negative", { locations: l, descriptors: { dtype: "float32", shape: [-4, -4], base64: "" } }],
    ["base64-shape-dim-0", { locations: l, descriptors: { dtype: "float32", shape: [4, 0], base64: "" } }],
    ["base64-shape-huge", { locations: l, descriptors: { dtype: "float32", shape: [4, 2 ** 40], base64: "" } }],
    ["base64-dtype", { locations: l, descriptors: { dtype: "float64", shape: [4, 4], base64: toBase64(new Uint8Array(128)) } }],
    ["processed-length", { locations: l, processedLocations: l.slice(1), descriptors: d }],
    ["scales-length", { locations: l, descriptors: d, scales: [1] }],
    ["scores-length", { locations: l, descriptors: d, scores: [1, 2, 3, 4, 5] }],
    ["image-zero", { locations: l, descriptors: d, image: { width: 0, height: 10 } }],
    ["processed-affine-short", { locations: l, processedLocations: l, descriptors: d, processed: { width: 10, height: 10, fit: "none", toOriginal: [[1, 0], [0, 1]] } }],
    // Maps to original pixels that cannot be inverted (the transform is reported in original pixels).
    ["processed-affine-singular", { locations: l, processedLocations: l, descriptors: d, processed: { width: 40, height: 40, fit: "none", toOriginal: [[0, 0, 0], [0, 0, 0]] } }],
    ["processed-affine-overflow", { locations: l, processedLocations: l, descriptors: d, processed: { width: 40, height: 40, fit: "none", toOriginal: [[1e300, 0, 0], [0, 1e300, 0]] } }],
    ["model-name", { locations: l, descriptors: d, model: { name: "delf-v2", trained: true, source: "x" } }],
  ];
}

// ---------------------------------------------------------------------------------------------

type Endpoint = "/v1/match" | "/v1/features" | "/v1/verify";
const ENDPOINTS: Endpoint[] = ["/v1/match", "/v1/features", "/v1/verify"];

/** Builds the corpus. ≥ 1000 requests; identical for identical seeds. */
export function fuzzCorpus(seeds: FuzzSeeds, seed = 1): FuzzCase[] {
  const rand = mulberry32(seed);
  const cases: FuzzCase[] = [];
  const add = (category: string, name: string, path: string, headers: Record<string, string>, body: Uint8Array | null, expect: FuzzExpectation = "error", method = "POST") =>
    cases.push({ id: `${String(cases.length).padStart(4, "0")}-${category}-${name}`, category, method, path, headers, body, expect });
  const json = (value: unknown) => utf8(JSON.stringify(value));
  const tiny = JSON.stringify(TINY_EXTRACTION);
  const intact = { jpeg: seeds.jpeg, png: seeds.png, webp: seeds.webp };
  const plainJson = JSON.stringify({ features1: GOOD_PLAIN, features2: GOOD_PLAIN });

  // 1. Corrupted images: /v1/features (multipart and base64 JSON) and /v1/match (next to an intact image).
  for (const format of ["jpeg", "png", "webp"] as const) {
    const bytes = intact[format];
    const corrupted: Array<[string, Uint8Array, FuzzExpectation]> = [
      ...truncations(bytes).map(([n, b]): [string, Uint8Array, FuzzExpectation] => [n, b, "error-or-ok"]),
      ...bitFlips(bytes, rand, 40).map(([n, b]): [string, Uint8Array, FuzzExpectation] => [n, b, "error-or-ok"]),
      ...overwrites(bytes, rand).map(([n, b]): [string, Uint8Array, FuzzExpectation] => [n, b, "error-or-ok"]),
    ];
    corrupted.forEach(([name, image, expect], i) => {
      const cat = `image-${format}`;
      add(cat, `${name}-features`, "/v1/features", { "content-type": MULTIPART }, multipartBody([file("image", image), text("options", tiny)]), expect);
      const pair = i % 2 === 0 ? [file("image1", image), file("image2", bytes)] : [file("image1", bytes), file("image2", image)];
      add(cat, `${name}-match`, "/v1/match", { "content-type": MULTIPART }, multipartBody([...pair, text("options", tiny)]), expect);
      if (i % 4 === 0)
        add(cat, `${name}-features-base64`, "/v1/features", { "content-type": JSON_TYPE }, json({ image: { base64: toBase64(image) }, options: TINY_EXTRACTION }), expect);
    });
  }
  for (const [format, name, image, expect] of hugeDeclared(seeds)) {
    add(`declared-${format}`, `${name}-features`, "/v1/features", { "content-type": MULTIPART }, multipartBody([file("image", image), text("options", tiny)]), expect);
    add(`declared-${format}`, `${name}-match`, "/v1/match", { "content-type": MULTIPART }, multipartBody([file("image1", intact[format as "png"]), file("image2", image), text("options", tiny)]), expect);
  }
  // Zero bytes and non-images in image fields.
  for (const [name, image] of [
    ["empty-file", new Uint8Array(0)],
    ["zeros-1000", new Uint8Array(1000)],
    ["ones-1000", new Uint8Array(1000).fill(0xff)],
    ["gif", utf8("GIF89a\x01\x00\x01\x00\x00\x00\x00;")],
    ["bmp", utf8("BM6\x00\x00\x00\x00\x00\x00\x006\x00\x00\x00(\x00\x00\x00")],
    ["svg", utf8("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>")],
    ["html", utf8("<html><body>hi</body></html>")],
    ["delf-as-image", seeds.delf],
    ["riff-not-webp", utf8("RIFF\x10\x00\x00\x00WAVEfmt ")],
    ["jpeg-soi-only", new Uint8Array([0xff, 0xd8, 0xff])],
    ["png-signature-only", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ] as Array<[string, Uint8Array]>) {
    add("not-an-image", `${name}-features`, "/v1/features", { "content-type": MULTIPART }, multipartBody([file("image", image), text("options", tiny)]));
    add("not-an-image", `${name}-match`, "/v1/match", { "content-type": MULTIPART }, multipartBody([file("image1", seeds.png), file("image2", image), text("options", tiny)]));
  }

  // 2. Content types and bodies that are not what the endpoint reads.
  for (const path of ENDPOINTS) {
    const valid =
      path === "/v1/verify"
        ? utf8(plainJson)
        : path === "/v1/match"
          ? json({ image1: { base64: toBase64(seeds.png) }, image2: { base64: toBase64(seeds.png) }, options: TINY_EXTRACTION })
          : json({ image: { base64: toBase64(seeds.png) }, options: TINY_EXTRACTION });
    const form = path === "/v1/verify" ? multipartBody([file("features1", seeds.delf), file("features2", seeds.delf)]) : path === "/v1/match" ? multipartBody([file("image1", seeds.png), file("image2", seeds.png), text("options", tiny)]) : multipartBody([file("image", seeds.png), text("options", tiny)]);
    const types: Array<[string, Record<string, string>, Uint8Array | null]> = [
      ["no-content-type", {}, valid],
      ["no-body", {}, null],
      ["json-empty-body", { "content-type": JSON_TYPE }, new Uint8Array(0)],
      ["multipart-empty-body", { "content-type": MULTIPART }, new Uint8Array(0)],
      ["text-plain", { "content-type": "text/plain" }, valid],
      ["form-urlencoded", { "content-type": "application/x-www-form-urlencoded" }, utf8("image1=abc&image2=def")],
      ["image-png", { "content-type": "image/png" }, seeds.png],
      ["image-jpeg", { "content-type": "image/jpeg" }, seeds.jpeg],
      ["octet-stream", { "content-type": "application/octet-stream" }, seeds.png],
      ["xml", { "content-type": "application/xml" }, utf8("<a/>")],
      ["garbage-type", { "content-type": "%%%/;;;" }, valid],
      ["json-type-multipart-body", { "content-type": JSON_TYPE }, form],
      ["multipart-type-json-body", { "content-type": MULTIPART }, valid],
      ["multipart-no-boundary", { "content-type": "multipart/form-data" }, form],
      ["multipart-wrong-boundary", { "content-type": "multipart/form-data; boundary=nope" }, form],
      ["multipart-empty-boundary", { "content-type": "multipart/form-data; boundary=" }, form],
      ["multipart-mixed", { "content-type": `multipart/mixed; boundary=${FUZZ_BOUNDARY}` }, form],
      ["random-bytes-json", { "content-type": JSON_TYPE }, Uint8Array.from({ length: 512 }, () => Math.floor(rand() * 256))],
      ["random-bytes-multipart", { "content-type": MULTIPART }, Uint8Array.from({ length: 512 }, () => Math.floor(rand() * 256))],
      ["zeros-json", { "content-type": JSON_TYPE }, new Uint8Array(4096)],
      ["zeros-multipart", { "content-type": MULTIPART }, new Uint8Array(4096)],
    ];
    for (const [name, headers, body] of types) add("content-type", `${path.slice(4)}-${name}`, path, headers, body);
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) add("method", `${path.slice(4)}-${method}`, path, {}, method === "GET" || method === "DELETE" ? null : valid, "error", method);
    add("method", `${path.slice(4)}-trailing-slash`, `${path}/`, { "content-type": JSON_TYPE }, valid);
  }
  for (const [path, formats] of [["/v1/match", ["xml", "", "SVG", "JSON", "png", "json,svg"]], ["/v1/features", ["xml", "", "DELF", "protobuf", "svg"]]] as const)
    for (const format of formats)
      add("query", `${path.slice(4)}-format-${format || "empty"}`, `${path}?format=${encodeURIComponent(format)}`, { "content-type": MULTIPART }, path === "/v1/match" ? multipartBody([file("image1", seeds.png), file("image2", seeds.png), text("options", tiny)]) : multipartBody([file("image", seeds.png), text("options", tiny)]));

  // 3. Multipart with missing, duplicated or mistyped fields, and broken multipart syntax.
  const fields: Record<Endpoint, { files: string[]; good: Record<string, Uint8Array> }> = {
    "/v1/match": { files: ["image1", "image2"], good: { image1: seeds.png, image2: seeds.jpeg } },
    "/v1/features": { files: ["image"], good: { image: seeds.png } },
    "/v1/verify": { files: ["features1", "features2"], good: { features1: seeds.delf, features2: seeds.delf } },
  };
  for (const path of ENDPOINTS) {
    const { files, good } = fields[path];
    const options = path === "/v1/verify" ? [] : [text("options", tiny)];
    const all = () => files.map((f) => file(f, good[f]));
    const mp = (name: string, parts: Part[], extra: { close?: boolean; eol?: string } = {}, expect: FuzzExpectation = "error") =>
      add("multipart", `${path.slice(4)}-${name}`, path, { "content-type": MULTIPART }, multipartBody(parts, FUZZ_BOUNDARY, extra), expect);
    mp("empty-form", []);
    mp("only-options", options);
    for (const f of files) {
      mp(`missing-${f}`, [...all().filter((p) => p.name !== f), ...options]);
      mp(`duplicated-${f}`, [...all(), file(f, good[f]), ...options]);
      mp(`${f}-as-text`, [...all().filter((p) => p.name !== f), text(f, "not a file"), ...options]);
      mp(`${f}-as-text-base64`, [...all().filter((p) => p.name !== f), text(f, toBase64(good[f])), ...options]);
      // An empty .delf is DELF's own encoding of zero features: valid for /v1/verify (0 matches).
      mp(`${f}-empty-file`, [...all().filter((p) => p.name !== f), file(f, new Uint8Array(0)), ...options], {}, path === "/v1/verify" ? "error-or-ok" : "error");
      mp(`${f}-wrong-case`, [...all().filter((p) => p.name !== f), file(f.toUpperCase(), good[f]), ...options]);
      mp(`${f}-no-name`, [...all().filter((p) => p.name !== f), { value: good[f], filename: "x.bin" }, ...options]);
    }
    mp("options-duplicated", [...all(), text("options", "{}"), text("options", "{}")]);
    mp("options-as-file", [...all(), file("options", utf8(path === "/v1/verify" ? "{}" : tiny))]);
    // Broken syntax; each is also missing a required field, so a lenient parser cannot make it valid.
    const partial = [file(files[0], good[files[0]]), ...options];
    if (files.length === 1) partial.splice(0, 1);
    mp("unclosed", partial, { close: false });
    mp("lf-only", partial, { eol: "\n" });
    add("multipart", `${path.slice(4)}-truncated-mid-part`, path, { "content-type": MULTIPART }, multipartBody(all()).subarray(0, 150));
    add("multipart", `${path.slice(4)}-header-garbage`, path, { "content-type": MULTIPART }, utf8(`--${FUZZ_BOUNDARY}\r\nGarbage\r\n\r\nvalue\r\n--${FUZZ_BOUNDARY}--\r\n`));
    add("multipart", `${path.slice(4)}-no-disposition`, path, { "content-type": MULTIPART }, utf8(`--${FUZZ_BOUNDARY}\r\nContent-Type: image/png\r\n\r\nabc\r\n--${FUZZ_BOUNDARY}--\r\n`));
    add("multipart", `${path.slice(4)}-long-boundary`, path, { "content-type": `multipart/form-data; boundary=${"b".repeat(200)}` }, multipartBody(partial, "b".repeat(200)));
    add("multipart", `${path.slice(4)}-many-fields`, path, { "content-type": MULTIPART }, multipartBody(Array.from({ length: 5000 }, (_, i) => text(`f${i}`, "x"))));
    add("multipart", `${path.slice(4)}-only-closing`, path, { "content-type": MULTIPART }, utf8(`--${FUZZ_BOUNDARY}--\r\n`));
  }

  // 4. Invalid or wrongly shaped JSON bodies.
  for (const path of ENDPOINTS) {
    for (const [i, body] of [...BAD_JSON_TEXTS, ...NON_OBJECT_JSON_BODIES].entries())
      add("json", `${path.slice(4)}-body-${i}`, path, { "content-type": JSON_TYPE }, utf8(body));
    add("json", `${path.slice(4)}-invalid-utf8`, path, { "content-type": JSON_TYPE }, new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    add("json", `${path.slice(4)}-utf16`, path, { "content-type": "application/json; charset=utf-16" }, new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]));
    add("json", `${path.slice(4)}-proto-key`, path, { "content-type": JSON_TYPE }, utf8('{"__proto__":{"polluted":true}}'));
  }
  const image = { base64: toBase64(seeds.png) };
  const shapes: Array<[Endpoint, string, unknown]> = [
    ["/v1/match", "image1-only", { image1: image }],
    ["/v1/match", "image2-only", { image2: image }],
    ["/v1/match", "images-null", { image1: null, image2: null }],
    ["/v1/match", "image-string", { image1: "abc", image2: image }],
    ["/v1/match", "image-array", { image1: [image], image2: image }],
    ["/v1/match", "image-empty-object", { image1: {}, image2: image }],
    ["/v1/match", "image-url-and-base64", { image1: { ...image, url: "https://example.com/a.png" }, image2: image }],
    ["/v1/match", "image-file-key", { image1: { file: image.base64 }, image2: image }],
    ["/v1/match", "unknown-top-level", { image1: image, image2: image, image3: image, options: TINY_EXTRACTION }],
    ["/v1/match", "features-instead", { features1: GOOD_PLAIN, features2: GOOD_PLAIN }],
    ["/v1/features", "no-image", { options: TINY_EXTRACTION }],
    ["/v1/features", "image-null", { image: null }],
    ["/v1/features", "image-number", { image: 5 }],
    ["/v1/features", "two-images", { image1: image, image2: image }],
    ["/v1/features", "unknown-top-level", { image, extra: 1, options: TINY_EXTRACTION }],
    ["/v1/verify", "features1-only", { features1: GOOD_PLAIN }],
    ["/v1/verify", "features2-only", { features2: GOOD_PLAIN }],
    ["/v1/verify", "images-instead", { image1: image, image2: image }],
    ["/v1/verify", "unknown-top-level", { features1: GOOD_PLAIN, features2: GOOD_PLAIN, extra: true }],
    ["/v1/verify", "dims-differ", { features1: GOOD_PLAIN, features2: { locations: [[0, 0]], descriptors: [[1, 0, 0]] } }],
  ];
  for (const [path, name, body] of shapes) add("json-shape", `${path.slice(4)}-${name}`, path, { "content-type": JSON_TYPE }, json(body));

  // 5. Options: every bad option, through every endpoint that reads options, as JSON and as a multipart field.
  const optionSets: Record<Endpoint, unknown[]> = {
    "/v1/match": [...BAD_EXTRACTION_OPTIONS, ...BAD_MATCH_OPTIONS, ...NON_OBJECT_OPTIONS],
    "/v1/features": [...BAD_EXTRACTION_OPTIONS, ...NON_OBJECT_OPTIONS, { distance: 0.8 }, { matcher: "nn" }, { ransac: {} }],
    "/v1/verify": [...BAD_MATCH_OPTIONS, ...NON_OBJECT_OPTIONS, { scales: [1] }, { fit: 256 }, { maxFeatures: 10 }],
  };
  for (const path of ENDPOINTS) {
    const { files, good } = fields[path];
    optionSets[path].forEach((options, i) => {
      const bodyJson =
        path === "/v1/verify"
          ? { features1: GOOD_PLAIN, features2: GOOD_PLAIN, options }
          : path === "/v1/match"
            ? { image1: image, image2: image, options }
            : { image, options };
      add("options-json", `${path.slice(4)}-${i}-${JSON.stringify(options).slice(0, 40)}`, path, { "content-type": JSON_TYPE }, json(bodyJson));
      add("options-multipart", `${path.slice(4)}-${i}`, path, { "content-type": MULTIPART }, multipartBody([...files.map((f) => file(f, good[f])), text("options", JSON.stringify(options))]));
    });
    BAD_OPTION_TEXTS.forEach((raw, i) =>
      add("options-text", `${path.slice(4)}-${i}`, path, { "content-type": MULTIPART }, multipartBody([...files.map((f) => file(f, good[f])), text("options", raw)])),
    );
  }
  // `options` with a prototype key must not sneak past the strict schema.
  for (const path of ["/v1/match", "/v1/features"] as const)
    add("options-json", `${path.slice(4)}-proto`, path, { "content-type": JSON_TYPE }, utf8(`{"${path === "/v1/match" ? "image1" : "image"}":${JSON.stringify(image)}${path === "/v1/match" ? `,"image2":${JSON.stringify(image)}` : ""},"options":{"__proto__":{"scales":[1]}}}`));

  // 6. base64 garbage and bad URLs for image inputs in JSON.
  for (const [path, wrap] of [
    ["/v1/match", (input: unknown) => ({ image1: input, image2: image, options: TINY_EXTRACTION })],
    ["/v1/features", (input: unknown) => ({ image: input, options: TINY_EXTRACTION })],
  ] as const) {
    BAD_BASE64.forEach((b, i) => add("base64", `${path.slice(4)}-${i}`, path, { "content-type": JSON_TYPE }, json(wrap({ base64: b }))));
    BAD_BASE64_TYPES.forEach((b, i) => add("base64", `${path.slice(4)}-type-${i}`, path, { "content-type": JSON_TYPE }, json(wrap({ base64: b }))));
    BAD_URLS.forEach((u, i) => add("url", `${path.slice(4)}-${i}`, path, { "content-type": JSON_TYPE }, json(wrap({ url: u }))));
    BAD_URL_TYPES.forEach((u, i) => add("url", `${path.slice(4)}-type-${i}`, path, { "content-type": JSON_TYPE }, json(wrap({ url: u }))));
  }

  // 7. Broken feature sets for /v1/verify, JSON and .delf.
  for (const [name, set] of badFeatureSets()) {
    add("features-json", `${name}-1`, "/v1/verify", { "content-type": JSON_TYPE }, json({ features1: set, features2: GOOD_PLAIN }));
    add("features-json", `${name}-2`, "/v1/verify", { "content-type": JSON_TYPE }, json({ features1: GOOD_PLAIN, features2: set }));
  }
  const delfCorruptions: Array<[string, Uint8Array, FuzzExpectation]> = [
    ...truncations(seeds.delf).filter(([, b]) => b.length > 0).map(([n, b]): [string, Uint8Array, FuzzExpectation] => [n, b, "error-or-ok"]),
    ...bitFlips(seeds.delf, rand, 30).map(([n, b]): [string, Uint8Array, FuzzExpectation] => [n, b, "error-or-ok"]),
    ["varint-overflow", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), "error"],
    ["length-past-end", new Uint8Array([0x0a, 0x7f, 0x0a, 0x02]), "error"],
    ["png-as-delf", seeds.png, "error-or-ok"],
  ];
  for (const [name, delf, expect] of delfCorruptions)
    add("features-delf", name, "/v1/verify", { "content-type": MULTIPART }, multipartBody([file("features1", delf), file("features2", seeds.delf)]), expect);

  return cases;
}

/** The corpus entry as a fetch Request. */
export function fuzzRequest(c: FuzzCase, origin = "http://localhost"): Request {
  return new Request(origin + c.path, { method: c.method, headers: c.headers, body: c.body as Uint8Array<ArrayBuffer> | null });
}

/** A valid plain feature set (4 features, 4-d one-hot descriptors) for /v1/verify. */
export const PLAIN_FEATURES = GOOD_PLAIN;

/** The seeds both the workerd test and scripts/fuzz-corpus.ts use: the embedded test images and a 4-feature `.delf`. */
export function defaultFuzzSeeds(): FuzzSeeds {
  const [l, d] = [GOOD_PLAIN.locations, GOOD_PLAIN.descriptors];
  const delf = encodeDelfFeatures({
    count: l.length,
    dim: d[0].length,
    locations: Float32Array.from(l.flatMap(([x, y]) => [y, x])),
    descriptors: Float32Array.from(d.flat()),
    scales: new Float32Array(l.length).fill(1),
    scores: new Float32Array(l.length),
  });
  return { jpeg: embeddedBytes("jpeg"), png: embeddedBytes("png"), webp: embeddedBytes("webp"), delf };
}
