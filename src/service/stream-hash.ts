/**
 * SHA-256 of bytes that arrive in pieces, for the feature cache key of a streamed image (its value is
 * the same as crypto.subtle.digest of the whole file). Web Crypto has no incremental digest: the
 * Worker uses workerd's crypto.DigestStream, Node its createHash (each front door gives its own).
 */
import { toHex } from "../bytes";

export interface StreamHash {
  update(piece: Uint8Array): Promise<void>;
  /** Lower-case hex of the digest; after it, no more updates. */
  hex(): Promise<string>;
}

export type StreamHashFactory = () => StreamHash;

/** workerd's DigestStream (a WritableStream whose `digest` resolves once it is closed). */
export function digestStreamHash(): StreamHash {
  const DigestStream = (crypto as unknown as { DigestStream: new (algorithm: string) => WritableStream<Uint8Array> & { digest: Promise<ArrayBuffer> } }).DigestStream;
  const stream = new DigestStream("SHA-256");
  const writer = stream.getWriter();
  return {
    update: (piece) => writer.write(piece),
    hex: async () => {
      await writer.close();
      return toHex(await stream.digest);
    },
  };
}
