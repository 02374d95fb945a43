import decode, { init } from "@jsquash/jpeg/decode.js";
import { fromImageData, type DecodedRgba } from "./decoded-rgba";

type InitWithModule = (module: WebAssembly.Module, overrides: { print(s: string): void; printErr(s: string): void }) => Promise<void>;

/** libjpeg's warning for junk between segments: harmless, common in camera files, ignored by Pillow too. */
const BENIGN_WARNING = /extraneous bytes before marker/;

/**
 * MozJPEG via @jsquash/jpeg. A fresh codec instance per call: a failed decode unwinds through
 * the wasm stack without freeing (its memory and stack pointer are left dirty), and a fresh
 * instance's memory is released with it instead of staying at its peak for the isolate's life.
 *
 * libjpeg reports a truncated or damaged stream as a *warning* and still returns an image (grey
 * where data was missing). Pillow refuses truncated files, and so do we: any warning other than
 * the benign one above fails the decode.
 */
export async function decodeJpegRgba(module: WebAssembly.Module, bytes: Uint8Array): Promise<DecodedRgba> {
  const warnings: string[] = [];
  const collect = (s: string) => void warnings.push(s);
  // init() stores the new instance in the package's single module slot and decode() reads that slot
  // synchronously when called: call both in the same synchronous step, or a concurrent decode could
  // swap in its own instance (and its message collector) in between.
  const ready = (init as unknown as InitWithModule)(module, { print: collect, printErr: collect });
  // EXIF orientation is applied by decode.ts from the header, so the codec must not apply it.
  const decoding = decode(bytes as unknown as ArrayBuffer, { preserveOrientation: false });
  const [, image] = await Promise.all([ready, decoding]);
  const serious = warnings.filter((w) => !BENIGN_WARNING.test(w));
  if (serious.length > 0) throw new Error(`corrupt JPEG data: ${serious.join("; ")}`);
  return fromImageData(image);
}
