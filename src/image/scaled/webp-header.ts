/** What the reduced WebP decode needs to know before decoding: how the image data is coded. */
export interface WebpInfo {
  /** VP8L: libwebp decodes it to a full-size ARGB buffer whatever the output size. */
  lossless: boolean;
  /** Lossy with an ALPH chunk: libwebp decodes the alpha plane at full size. */
  alpha: boolean;
  animated: boolean;
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** Walks the RIFF chunks (the sniffer checked "RIFF....WEBP"). */
export function readWebpInfo(bytes: Uint8Array): WebpInfo {
  let alpha = false;
  let animated = false;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const type = fourcc(bytes, at);
    const size = (bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24)) >>> 0;
    if (type === "VP8 ") return { lossless: false, alpha, animated };
    if (type === "VP8L") return { lossless: true, alpha: false, animated };
    if (type === "ALPH") alpha = true;
    if (type === "ANIM" || type === "ANMF") animated = true;
    if (type === "VP8X" && at + 9 <= bytes.length) animated ||= (bytes[at + 8] & 0x02) !== 0;
    if (animated) return { lossless: false, alpha, animated };
    at += 8 + size + (size & 1);
  }
  throw new Error("WebP has no image data chunk");
}
