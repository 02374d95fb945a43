/**
 * Row-by-row PNG decoding into an area (box) downscaler: the platform's DecompressionStream inflates
 * the IDAT data, two row buffers undo the filters, and each pixel is added to the 1/denom output pixel
 * that covers it. Memory: the row buffers, one band of sums and the reduced image (sums for the whole
 * reduced image for Adam7, whose passes visit rows out of order). No full-resolution buffer exists.
 *
 * Colour handling matches the exact path's decoder (squoosh's PNG codec, then alpha dropped without
 * compositing): palette expanded, grey replicated, sub-byte grey scaled to 0..255, 16-bit reduced to
 * its high byte.
 */
import type { Pixels } from "../../types";
import type { ByteSource } from "../byte-source";

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const VALID_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** IHDR fields (the signature was checked by the sniffer). */
export function readPngInfo(bytes: Uint8Array): PngInfo {
  if (bytes.length < 33 || chunkType(bytes, 12) !== "IHDR") throw new Error("PNG has no IHDR");
  const info = { width: u32(bytes, 16), height: u32(bytes, 20), bitDepth: bytes[24], colorType: bytes[25], interlaced: bytes[28] === 1 };
  if (!VALID_DEPTHS[info.colorType]?.includes(info.bitDepth)) throw new Error(`PNG colour type ${info.colorType} with bit depth ${info.bitDepth} is invalid`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] > 1) throw new Error("PNG uses an unknown compression, filter or interlace method");
  return info;
}

/** Reads exactly `n` bytes from the pieces (fewer only at the end of the file). */
class PieceReader {
  private piece: Uint8Array | null = null;
  private at = 0;
  constructor(private readonly source: ByteSource) {}

  /** The next at most `max` bytes (a view), or null at the end. */
  async next(max: number): Promise<Uint8Array | null> {
    while (!this.piece || this.at >= this.piece.length) {
      this.piece = await this.source.read();
      this.at = 0;
      if (!this.piece) return null;
    }
    const out = this.piece.subarray(this.at, this.at + max);
    this.at += out.length;
    return out;
  }

  /** Exactly `n` bytes in a new buffer; throws `truncated` if the file ends first. */
  async exactly(n: number, truncated: string): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n; ) {
      const part = await this.next(n - filled);
      if (!part) throw new Error(truncated);
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }
}

/**
 * Walks the chunks as the file arrives: keeps the palette, hands each IDAT payload to `onIdat` in
 * pieces (awaited, so inflation keeps pace with reading), skips the others, stops at IEND.
 */
async function walkChunks(source: ByteSource, onPalette: (palette: Uint8Array) => void, onIdat: (data: Uint8Array) => Promise<void>): Promise<void> {
  const reader = new PieceReader(source);
  await reader.exactly(8, "PNG is truncated (no signature)");
  let idatSeen = false;
  for (;;) {
    const head = await reader.exactly(8, "PNG is truncated (no IEND chunk)");
    const length = u32(head, 0);
    const type = chunkType(head, 4);
    if (length > 0x7fffffff) throw new Error(`PNG chunk ${type} has an invalid length`);
    if (type === "IEND") break;
    if (type === "PLTE") {
      if (length > 3 * 256) throw new Error("PNG palette has more than 256 entries");
      onPalette(await reader.exactly(length, `PNG chunk ${type} is truncated`));
    } else {
      if (type === "IDAT") idatSeen = true;
      for (let left = length; left > 0; ) {
        const part = await reader.next(Math.min(left, 16 * 1024));
        if (!part) throw new Error(`PNG chunk ${type} is truncated`);
        if (type === "IDAT") await onIdat(part);
        left -= part.length;
      }
    }
    await reader.exactly(4, `PNG chunk ${type} is truncated`); // CRC
  }
  if (!idatSeen) throw new Error("PNG has no IDAT chunk");
}

/** Feeds the IDAT data that `walk` finds through zlib inflate; `onData` receives the inflated bytes in order. */
async function inflate(walk: (write: (data: Uint8Array) => Promise<void>) => Promise<void>, onData: (data: Uint8Array) => void): Promise<void> {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    await walk((data) => writer.write(data as Uint8Array<ArrayBuffer>));
    await writer.close();
  })();
  // A walk error (truncated file, transport error) errors the readable side with that same error.
  writing.catch((error: unknown) => writer.abort(error).catch(() => undefined));
  const reader = stream.readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onData(value);
    }
  } catch (error) {
    // Stop the walk (its pending write rejects) before passing the error on.
    await reader.cancel(error).catch(() => undefined);
    await writing.catch(() => undefined);
    throw error;
  }
  await writing;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes one row's filter in place; `prev` is the previous unfiltered row of the same pass (zeros for the first). */
function unfilter(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = row.length;
  switch (filter) {
    case 0: return;
    case 1: for (let i = bpp; i < n; i++) row[i] = (row[i] + row[i - bpp]) & 255; return;
    case 2: for (let i = 0; i < n; i++) row[i] = (row[i] + prev[i]) & 255; return;
    case 3:
      for (let i = 0; i < n; i++) row[i] = (row[i] + ((i >= bpp ? row[i - bpp] : 0) + prev[i] >> 1)) & 255;
      return;
    case 4:
      for (let i = 0; i < n; i++) row[i] = (row[i] + paeth(i >= bpp ? row[i - bpp] : 0, prev[i], i >= bpp ? prev[i - bpp] : 0)) & 255;
      return;
    default: throw new Error(`PNG row has unknown filter type ${filter}`);
  }
}

/** Converts one unfiltered row of `count` pixels to RGB triples, calling `put(i, r, g, b)`. */
function rowToRgb(info: PngInfo, palette: Uint8Array | null, row: Uint8Array, count: number, put: (i: number, r: number, g: number, b: number) => void): void {
  const { colorType, bitDepth } = info;
  const step = bitDepth === 16 ? 2 : 1; // 16-bit samples: the high byte
  if (colorType === 2 || colorType === 6) {
    const stride = (colorType === 2 ? 3 : 4) * step;
    for (let i = 0, p = 0; i < count; i++, p += stride) put(i, row[p], row[p + step], row[p + 2 * step]);
    return;
  }
  if (colorType === 4 || (colorType === 0 && bitDepth >= 8)) {
    const stride = (colorType === 4 ? 2 : 1) * step;
    for (let i = 0, p = 0; i < count; i++, p += stride) put(i, row[p], row[p], row[p]);
    return;
  }
  // Grey below 8 bits, or palette indices (1, 2, 4, 8 bits).
  const mask = (1 << bitDepth) - 1;
  const greyScale = 255 / mask;
  for (let i = 0; i < count; i++) {
    const bit = i * bitDepth;
    const v = (row[bit >> 3] >> (8 - bitDepth - (bit & 7))) & mask;
    if (colorType === 0) {
      const g = v * greyScale;
      put(i, g, g, g);
    } else {
      const p = 3 * v;
      if (!palette || p + 2 >= palette.length) throw new Error(`PNG palette index ${v} is out of range`);
      put(i, palette[p], palette[p + 1], palette[p + 2]);
    }
  }
}

/**
 * Decodes the PNG at 1/denom: output pixel (X, Y) is the rounded mean of the input pixels
 * [X·denom, (X+1)·denom) × [Y·denom, (Y+1)·denom) clipped to the image (size: ceil(W/denom) × ceil(H/denom)).
 */
export async function decodePngReduced(info: PngInfo, source: ByteSource, denom: number): Promise<Pixels> {
  const { width, height } = info;
  const outW = Math.ceil(width / denom);
  const outH = Math.ceil(height / denom);
  const channels = CHANNELS[info.colorType];
  const bpp = Math.max(1, (channels * info.bitDepth) >> 3);
  const out = new Uint8Array(outW * outH * 3);
  let palette: Uint8Array | null = null; // from PLTE, before the first IDAT
  // Sums per output pixel (denom² · 255 ≤ 16 320 fits 16 bits): one band of output rows when rows
  // arrive in order, the whole reduced image for Adam7 (its passes revisit every band).
  const bandRows = info.interlaced ? outH : 1;
  const sums = new Uint16Array(outW * bandRows * 3);
  let bandStart = 0; // first output row held in `sums`
  /** Writes output rows [bandStart, bandStart + rows) from `sums` as rounded means, then clears them. */
  const flush = (rows: number) => {
    for (let r = 0; r < rows; r++) {
      const Y = bandStart + r;
      const inRows = Math.min(denom, height - Y * denom);
      for (let X = 0; X < outW; X++) {
        const n = inRows * Math.min(denom, width - X * denom);
        const s = (r * outW + X) * 3;
        const o = (Y * outW + X) * 3;
        out[o] = Math.floor((sums[s] + (n >> 1)) / n);
        out[o + 1] = Math.floor((sums[s + 1] + (n >> 1)) / n);
        out[o + 2] = Math.floor((sums[s + 2] + (n >> 1)) / n);
      }
    }
    sums.fill(0);
    bandStart += rows;
  };

  const passes = info.interlaced
    ? ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil((width - x0) / dx), h: Math.ceil((height - y0) / dy) }))
    : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  const active = passes.filter((p) => p.w > 0 && p.h > 0);
  let passIndex = 0;
  let rowInPass = 0;
  let rowBytes = 0;
  let prev = new Uint8Array(0);
  let row = new Uint8Array(0);
  let filled = -1; // bytes of `row` filled; -1 = the filter byte is next
  let filter = 0;
  const startPass = () => {
    const pass = active[passIndex];
    rowBytes = Math.ceil((pass.w * channels * info.bitDepth) / 8);
    prev = new Uint8Array(rowBytes);
    row = new Uint8Array(rowBytes);
    rowInPass = 0;
    filled = -1;
  };
  startPass();

  const finishRow = () => {
    const pass = active[passIndex];
    unfilter(filter, row, prev, bpp);
    const y = pass.y0 + rowInPass * pass.dy;
    const base = (Math.floor(y / denom) - bandStart) * outW;
    rowToRgb(info, palette, row, pass.w, (i, r, g, b) => {
      const o = (base + Math.floor((pass.x0 + i * pass.dx) / denom)) * 3;
      sums[o] += r;
      sums[o + 1] += g;
      sums[o + 2] += b;
    });
    [prev, row] = [row, prev];
    filled = -1;
    if (!info.interlaced && ((y + 1) % denom === 0 || y + 1 === height)) flush(1);
    if (++rowInPass === pass.h) {
      passIndex++;
      if (passIndex < active.length) startPass();
    }
  };

  const onPalette = (found: Uint8Array) => void (palette = found);
  const walk = (write: (data: Uint8Array) => Promise<void>) =>
    walkChunks(source, onPalette, async (idat) => {
      // The palette comes before the first IDAT (PNG spec); the rows need it from the first byte.
      if (info.colorType === 3 && !palette) throw new Error("PNG palette image has no PLTE chunk before its image data");
      await write(idat);
    });
  await inflate(walk, (data) => {
    let i = 0;
    while (i < data.length) {
      if (passIndex >= active.length) throw new Error("PNG has more image data than its size needs");
      if (filled < 0) {
        filter = data[i++];
        filled = 0;
        if (rowBytes === 0) finishRow();
        continue;
      }
      const n = Math.min(rowBytes - filled, data.length - i);
      row.set(data.subarray(i, i + n), filled);
      filled += n;
      i += n;
      if (filled === rowBytes) finishRow();
    }
  });
  if (passIndex < active.length) throw new Error("PNG image data ends early (truncated)");
  if (info.interlaced) flush(outH);
  return { width: outW, height: outH, data: out };
}
