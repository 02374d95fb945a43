/**
 * JPEG header reader that walks markers exactly the way libjpeg's jdmarker.c does before decoding
 * (SOI first, skip garbage to the next 0xFF, parameterless RSTn/TEM, length-prefixed segments, error
 * on unknown markers), so the dimensions checked against the limits are the ones MozJPEG will
 * allocate for: the first SOF. (image-size, used for PNG/WebP, skips the first segment without
 * looking at it, so a file whose first segment is a huge SOF would be reported by a later small one.)
 */
export interface JpegHeader {
  width: number;
  height: number;
  /** EXIF Orientation from the first APP1 "Exif" segment before SOS; undefined when absent or unreadable. */
  orientation: number | undefined;
  /** Progressive (SOF2, SOF10): libjpeg keeps the whole image's DCT coefficients, even when scaling. */
  progressive: boolean;
  /** Bytes of that coefficient buffer (2 bytes per sample of every component, padded to 8×8 blocks per MCU). */
  coefficientBytes: number;
}

/** SOF markers MozJPEG decodes: baseline, extended, progressive, arithmetic sequential/progressive. */
const DECODABLE_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc9, 0xca]);
/** SOF markers libjpeg refuses (lossless, hierarchical). */
const UNSUPPORTED_SOF = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xcb, 0xcd, 0xce, 0xcf]);
/** Length-prefixed segments libjpeg reads or skips before SOS: DHT, DAC, DQT, DNL, DRI, APP0–15, COM. */
function isSkippableSegment(marker: number): boolean {
  return marker === 0xc4 || marker === 0xcc || marker === 0xdb || marker === 0xdc || marker === 0xdd ||
    (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
}

export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error("JPEG does not start with SOI");
  let pos = 2;
  let size: { width: number; height: number; progressive: boolean; coefficientBytes: number } | undefined;
  let orientation: number | undefined;
  let exifSeen = false;
  for (;;) {
    // next_marker(): discard bytes up to 0xFF, skip 0xFF fill bytes; FF 00 is not a marker.
    let marker = 0;
    while (marker === 0) {
      while (pos < bytes.length && bytes[pos] !== 0xff) pos++;
      while (pos < bytes.length && bytes[pos] === 0xff) pos++;
      if (pos >= bytes.length) throw new Error("JPEG ends before its image data (SOS)");
      marker = bytes[pos++];
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // RSTn, TEM: no length
    if (marker === 0xda) {
      if (!size) throw new Error("JPEG has SOS before SOF");
      return { ...size, orientation };
    }
    if (marker === 0xd8) throw new Error("JPEG has a second SOI");
    if (marker === 0xd9) throw new Error("JPEG has no image (EOI before SOS)");
    if (UNSUPPORTED_SOF.has(marker)) throw new Error(`JPEG coding process 0x${marker.toString(16)} is not supported`);
    if (!DECODABLE_SOF.has(marker) && !isSkippableSegment(marker)) throw new Error(`unknown JPEG marker 0x${marker.toString(16)}`);
    if (pos + 2 > bytes.length) throw new Error("JPEG segment length is truncated");
    const length = (bytes[pos] << 8) | bytes[pos + 1];
    if (length < 2 || pos + length > bytes.length) throw new Error("JPEG segment is truncated or has a bad length");
    const segment = bytes.subarray(pos + 2, pos + length);
    if (DECODABLE_SOF.has(marker)) {
      if (size) throw new Error("JPEG has two SOF markers");
      if (segment.length < 6) throw new Error("JPEG SOF segment is too short");
      const height = (segment[1] << 8) | segment[2];
      const width = (segment[3] << 8) | segment[4];
      if (width === 0 || height === 0) throw new Error(`JPEG declares an empty image ${width}×${height}`);
      size = { width, height, progressive: marker === 0xc2 || marker === 0xca, coefficientBytes: coefficientBytes(segment, width, height) };
    } else if (marker === 0xe1 && !exifSeen && isExif(segment)) {
      exifSeen = true; // Pillow also keeps the first Exif segment only
      orientation = readExifOrientation(segment.subarray(6));
    }
    pos += length;
  }
}

/** jdcoefct.c's whole-image buffer: per component, blocks_in_row × blocks_in_col (rounded up to the MCU) × 128 bytes. */
function coefficientBytes(sof: Uint8Array, width: number, height: number): number {
  const count = sof[5];
  const factors: Array<{ h: number; v: number }> = [];
  for (let i = 0; i < count && 6 + 3 * i + 2 < sof.length; i++) {
    const hv = sof[6 + 3 * i + 1];
    factors.push({ h: Math.max(1, hv >> 4), v: Math.max(1, hv & 15) });
  }
  if (factors.length === 0) return 0;
  const hMax = Math.max(...factors.map((f) => f.h));
  const vMax = Math.max(...factors.map((f) => f.v));
  const mcusX = Math.ceil(width / (8 * hMax));
  const mcusY = Math.ceil(height / (8 * vMax));
  return factors.reduce((sum, f) => sum + mcusX * f.h * mcusY * f.v * 128, 0);
}

function isExif(segment: Uint8Array): boolean {
  return segment.length >= 6 && segment[0] === 0x45 && segment[1] === 0x78 && segment[2] === 0x69 &&
    segment[3] === 0x66 && segment[4] === 0 && segment[5] === 0;
}

/** Tag 0x0112 (SHORT, count 1) of IFD0 in a TIFF block; undefined if the block is malformed. */
function readExifOrientation(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return undefined;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  const big = tiff[0] === 0x4d && tiff[1] === 0x4d;
  if (!little && !big) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, little) !== 42) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return undefined;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    if (view.getUint16(entry + 2, little) !== 3 || view.getUint32(entry + 4, little) !== 1) return undefined;
    return view.getUint16(entry + 8, little);
  }
  return undefined;
}
