/** Joins byte chunks into one contiguous array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of `bytes`, in 4096-byte pieces (D1 posting blobs are long; digests are short). */
export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  const u = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < u.length; i += 4096) {
    const end = Math.min(u.length, i + 4096);
    const parts = new Array<string>(end - i);
    for (let j = i; j < end; j++) parts[j - i] = HEX[u[j]];
    s += parts.join("");
  }
  return s;
}

/** SHA-256 of `bytes` as lower-case hex (WebCrypto: Node 20 and workerd alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** Standard base64 (with padding) of `bytes`, through btoa in 32 KiB pieces (no huge argument lists). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
