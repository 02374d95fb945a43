/**
 * The visual-word codebook (k-means centroids over the 40-d descriptors) and its asset format:
 *   bytes 0..7  "DELFCB01" (ASCII), then uint32 LE numWords, uint32 LE dim,
 *   then numWords × dim float32 LE centroids, row-major. Nothing after.
 * Its sha-256 (lowercase hex, over the whole file) sits beside it in codebook.sha256.
 */
import { sha256Hex } from "../../bytes";

export interface Codebook {
  numWords: number;
  dim: number;
  /** numWords × dim float32, row-major. */
  centroids: Float32Array;
  /** sha-256 of the asset bytes, lowercase hex. */
  sha256: string;
}

/** Missing, truncated, malformed or tampered codebook; the HTTP layer answers 503 index_unavailable. */
export class CodebookError extends Error {
  readonly code = "index_unavailable" as const;
  constructor(message: string) {
    super(message);
    this.name = "CodebookError";
  }
}

const MAGIC = "DELFCB01";
const HEADER_BYTES = 16;
/** Upper bounds that keep a corrupt header from asking for absurd memory. */
export const MAX_CODEBOOK_WORDS = 1 << 20;
export const MAX_CODEBOOK_DIM = 256;

/** The asset bytes of `numWords × dim` row-major centroids. */
export function serialiseCodebook(centroids: Float32Array, numWords: number, dim: number): Uint8Array {
  if (centroids.length !== numWords * dim) throw new RangeError(`${centroids.length} values for ${numWords} × ${dim}`);
  const bytes = new Uint8Array(HEADER_BYTES + centroids.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, numWords, true);
  view.setUint32(12, dim, true);
  for (let i = 0; i < centroids.length; i++) view.setFloat32(HEADER_BYTES + 4 * i, centroids[i], true);
  return bytes;
}

/** Parses the asset; checks shape, finiteness and (when given) the sha-256. Throws CodebookError. */
export async function parseCodebook(bytes: Uint8Array, expectedSha256?: string): Promise<Codebook> {
  if (bytes.length < HEADER_BYTES) throw new CodebookError(`codebook has ${bytes.length} bytes: no header`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new CodebookError("codebook does not start with DELFCB01");
  }
  const sha256 = await sha256Hex(bytes);
  if (expectedSha256 !== undefined && sha256 !== expectedSha256.trim().toLowerCase()) {
    throw new CodebookError(`codebook sha-256 ${sha256} differs from the expected ${expectedSha256.trim()}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numWords = view.getUint32(8, true);
  const dim = view.getUint32(12, true);
  if (numWords < 1 || numWords > MAX_CODEBOOK_WORDS) throw new CodebookError(`codebook word count ${numWords} out of range`);
  if (dim < 1 || dim > MAX_CODEBOOK_DIM) throw new CodebookError(`codebook dimension ${dim} out of range`);
  const expectedBytes = HEADER_BYTES + numWords * dim * 4;
  if (bytes.length !== expectedBytes) {
    throw new CodebookError(`codebook has ${bytes.length} bytes; ${numWords} × ${dim} needs ${expectedBytes}`);
  }
  const centroids = new Float32Array(numWords * dim);
  for (let i = 0; i < centroids.length; i++) {
    const v = view.getFloat32(HEADER_BYTES + 4 * i, true);
    if (!Number.isFinite(v)) throw new CodebookError(`codebook value ${i} is not finite`);
    centroids[i] = v;
  }
  return { numWords, dim, centroids, sha256 };
}
