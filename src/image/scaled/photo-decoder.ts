/**
 * The project's own codec build (codecs/photo-decoder: libjpeg-turbo + libwebp for wasm): reduced-size
 * JPEG and WebP decoding to packed RGB. One fresh instance per image: its memory, sized for the
 * reduced image, is dropped with it (wasm memory never shrinks), and a failed decode, which throws
 * through the wasm stack, leaves nothing behind.
 */
import type { Pixels } from "../../types";
import { splitPieces, type ByteSource } from "../byte-source";

interface PhotoDecoderExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  alloc(size: number): number;
  jpeg_begin(denom: number, maxMemory: number, maxPixels: number): void;
  jpeg_input_space(size: number): number;
  jpeg_input_commit(size: number): void;
  jpeg_input_end(): void;
  jpeg_step(): number;
  webp_decode(ptr: number, size: number, width: number, height: number): number;
  result_width(): number;
  result_height(): number;
  result_rgb(): number;
}

/** A decoded image whose pixels live in the decoder's memory: use them, then drop the whole object. */
export interface DecodedInPlace {
  pixels: Pixels;
  /** libjpeg warnings (corrupt or truncated data that libjpeg papered over). */
  warnings: string[];
}

const ENOSYS = 52;

function instantiate(module: WebAssembly.Module, warnings: string[]): PhotoDecoderExports {
  let exports!: PhotoDecoderExports;
  const text = (ptr: number) => {
    const bytes = new Uint8Array(exports.memory.buffer, ptr >>> 0);
    return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
  };
  const env = {
    fail: (ptr: number) => {
      throw new Error(text(ptr));
    },
    report_warning: (ptr: number) => void warnings.push(text(ptr)),
    emscripten_notify_memory_growth: () => undefined,
    _emscripten_get_progname: () => 0,
  };
  // libc pulls these in (getenv for JPEGMEM, stdio it never reaches); none does real I/O.
  const wasi = {
    environ_sizes_get: (countPtr: number, sizePtr: number) => {
      const view = new DataView(exports.memory.buffer);
      view.setUint32(countPtr, 0, true);
      view.setUint32(sizePtr, 0, true);
      return 0;
    },
    environ_get: () => 0,
    fd_write: () => ENOSYS,
    fd_close: () => ENOSYS,
    fd_seek: () => ENOSYS,
    proc_exit: (code: number) => {
      throw new Error(`photo decoder exited with ${code}`);
    },
  };
  const instance = new WebAssembly.Instance(module, { env, wasi_snapshot_preview1: wasi });
  exports = instance.exports as unknown as PhotoDecoderExports;
  exports._initialize();
  return exports;
}

function resultPixels(exports: PhotoDecoderExports): Pixels {
  const width = exports.result_width();
  const height = exports.result_height();
  return { width, height, data: new Uint8Array(exports.memory.buffer, exports.result_rgb() >>> 0, width * height * 3) };
}

export interface JpegScaledOptions {
  /** 1, 2, 4 or 8: libjpeg's scaled IDCT. */
  denom: number;
  /** Cap on libjpeg's own allocations (a progressive file's coefficient buffer counts). */
  maxMemoryBytes: number;
  maxPixels: number;
}

/** Pieces pushed into the decoder: small, so its input buffer stays small whatever the transport's chunks are. */
const INPUT_PIECE = 64 * 1024;

/**
 * libjpeg-turbo at 1/denom, fed from `source` as the pieces arrive: the decoder suspends when it
 * has used what it was given, and resumes when the next piece has been pushed. The encoded file
 * never exists whole; the decoder holds at most one marker segment or MCU plus one piece.
 */
export async function decodeJpegScaled(module: WebAssembly.Module, source: ByteSource, options: JpegScaledOptions): Promise<DecodedInPlace> {
  const warnings: string[] = [];
  const exports = instantiate(module, warnings);
  const pieces = splitPieces(source, INPUT_PIECE);
  exports.jpeg_begin(options.denom, options.maxMemoryBytes, options.maxPixels);
  let ended = false;
  while (exports.jpeg_step() === 0) {
    if (ended) throw new Error("JPEG decoder wants input after the end"); // cannot happen: it gets a fake EOI
    const piece = await pieces.read();
    if (!piece) {
      ended = true;
      exports.jpeg_input_end();
      continue;
    }
    const ptr = exports.jpeg_input_space(piece.length) >>> 0;
    if (ptr === 0) throw new Error("no memory for the JPEG input");
    new Uint8Array(exports.memory.buffer, ptr, piece.length).set(piece);
    exports.jpeg_input_commit(piece.length);
  }
  return { pixels: resultPixels(exports), warnings };
}

/** libwebp scaled by its own rescaler to width×height (the stored size = no scaling). */
export function decodeWebpScaled(module: WebAssembly.Module, bytes: Uint8Array, width: number, height: number): DecodedInPlace {
  const exports = instantiate(module, []);
  const ptr = exports.alloc(bytes.length) >>> 0;
  if (ptr === 0) throw new Error("no memory for the WebP file");
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  const status = exports.webp_decode(ptr, bytes.length, width, height);
  if (status !== 0) throw new Error(`libwebp status ${status}`);
  return { pixels: resultPixels(exports), warnings: [] };
}
