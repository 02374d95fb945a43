/**
 * An encoded image as it arrives: pieces of an upload part or a download body, read one at a time,
 * so a decoder can work on a file that never exists whole (docs/images.md, "Streamed decoding").
 * A whole buffer is a source of one piece.
 */

export interface ByteSource {
  /** The next piece (possibly empty), or null at the end. Throws the transport's error (a 4xx ApiError). */
  read(): Promise<Uint8Array | null>;
}

/** A buffer that is already whole, served as one piece. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  let done = false;
  return {
    async read() {
      if (done || bytes.length === 0) return null;
      done = true;
      return bytes;
    },
  };
}

/** `head` (already read from `rest`) first, then the rest of `rest`. */
export function prependSource(head: Uint8Array, rest: ByteSource): ByteSource {
  let pending: Uint8Array | null = head.length > 0 ? head : null;
  return {
    async read() {
      if (pending) {
        const piece = pending;
        pending = null;
        return piece;
      }
      return rest.read();
    },
  };
}

/**
 * Every byte that is left, in one buffer (`tooLarge()` is thrown beyond `maxBytes`). A single
 * remaining piece is returned as it is; several are joined, each let go once copied, so the bytes
 * never exist twice whole.
 */
export async function readAll(source: ByteSource, maxBytes = Infinity, tooLarge?: () => Error): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let total = 0;
  for (let piece = await source.read(); piece; piece = await source.read()) {
    total += piece.length;
    if (total > maxBytes) throw tooLarge ? tooLarge() : new Error(`more than ${maxBytes} bytes`);
    pieces.push(piece);
  }
  if (pieces.length === 1) return pieces[0];
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    out.set(pieces[i], at);
    at += pieces[i].length;
    pieces[i] = EMPTY;
  }
  return out;
}
const EMPTY = new Uint8Array(0);

/** Reads and drops what is left (e.g. so an incremental hash sees every byte). */
export async function drain(source: ByteSource): Promise<void> {
  while (await source.read());
}

/** Pieces of at most `size` bytes (views, no copies). */
export function splitPieces(source: ByteSource, size: number): ByteSource {
  let piece: Uint8Array | null = null;
  let at = 0;
  return {
    async read() {
      while (!piece || at >= piece.length) {
        piece = await source.read();
        at = 0;
        if (!piece) return null;
      }
      const out = piece.subarray(at, at + size);
      at += out.length;
      return out;
    },
  };
}
