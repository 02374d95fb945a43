import decode, { init } from "@jsquash/webp/decode.js";
import { fromImageData, type DecodedRgba } from "./decoded-rgba";

type InitWithModule = (module: WebAssembly.Module, overrides: { print(s: string): void; printErr(s: string): void }) => Promise<void>;

/** libwebp via @jsquash/webp; a fresh instance per call, for the reasons given in jpeg.ts. */
export async function decodeWebpRgba(module: WebAssembly.Module, bytes: Uint8Array): Promise<DecodedRgba> {
  const messages: string[] = [];
  const collect = (s: string) => void messages.push(s);
  // Same synchronous init-then-decode step as in jpeg.ts, for the same reason.
  const ready = (init as unknown as InitWithModule)(module, { print: collect, printErr: collect });
  const decoding = decode(bytes as unknown as ArrayBuffer);
  const [, image] = await Promise.all([ready, decoding]);
  return fromImageData(image);
}
