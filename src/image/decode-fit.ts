import type { WasmModules } from "../runtime/wasm-modules";
import { bufferSource, prependSource, readAll, type ByteSource } from "./byte-source";
import { concatBytes } from "../bytes";
import { ImageError } from "./errors";
import type { ImageHeader } from "./header";
import { checkImageLimits, decodeImage } from "./decode";
import { fitImage, type Fit, type FittedImage } from "./fit";
import { readImageHeader } from "./header";
import type { ImageLimits } from "./limits";
import { applyOrientation } from "./orientation";
import { decodeScaled, heldTooLarge, type ScaledDecodeLimits } from "./scaled";
import type { ImageType } from "./sniff";

export interface DecodeFitLimits extends ImageLimits, ScaledDecodeLimits {
  /** Images up to this many pixels take the exact path: full decode, then the Pillow-equal fit. */
  maxExactPixels: number;
}

export interface DecodedAndFitted {
  fitted: FittedImage;
  type: ImageType;
  /** Size after EXIF orientation: the frame `fitted.toOriginal` maps into. */
  originalWidth: number;
  originalHeight: number;
  /** 1 on the exact path; 2, 4 or 8 when the image was decoded at reduced size. */
  denom: number;
}

/** Enough for any JPEG's header: its APPn segments (EXIF, ICC) come before SOF and are ≤ 64 KiB each. */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Reads pieces until the header can be parsed (or the file ends, or MAX_HEADER_BYTES have come).
 * Returns the header and the bytes read so far, which the decoder reads again before the rest.
 */
async function readHeaderFrom(source: ByteSource): Promise<{ header: ImageHeader; head: Uint8Array }> {
  const pieces: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const piece = await source.read();
    if (piece) {
      pieces.push(piece);
      length += piece.length;
    }
    const head = pieces.length === 1 ? pieces[0] : concatBytes(pieces);
    if (pieces.length > 1) pieces.splice(0, pieces.length, head);
    try {
      return { header: readImageHeader(head), head };
    } catch (error) {
      const more = piece !== null && length < MAX_HEADER_BYTES;
      const mayBeShort = error instanceof ImageError && (error.code === "image_decode_failed" || length < 16);
      if (!more || !mayBeShort) throw error;
    }
  }
}

/** A whole buffer: see decodeAndFitSource. */
export async function decodeAndFit(bytes: Uint8Array, fit: Fit, modules: WasmModules, limits: DecodeFitLimits): Promise<DecodedAndFitted> {
  return decodeAndFitSource(bufferSource(bytes), fit, modules, limits);
}

/**
 * Bytes from a stranger, as they arrive → the fitted pixels DELF sees. The header comes first and is
 * checked against the limits before anything else is read. Up to `maxExactPixels`: today's exact
 * path (the file read whole, decodeImage + fitImage, bit-equal to Pillow). Above: a reduced decode
 * that keeps the fit's crop ≥ 2× its target side (scaled/; JPEG and PNG decoded from the pieces as
 * they arrive), EXIF orientation on the reduced pixels, then the same fit; coordinates are mapped back
 * to the original image. Throws ImageError, or the source's own error. The source may have bytes
 * left after the image (after a JPEG's EOI, a PNG's IEND); the caller drains them if it needs to.
 */
export async function decodeAndFitSource(source: ByteSource, fit: Fit, modules: WasmModules, limits: DecodeFitLimits): Promise<DecodedAndFitted> {
  const { header, head } = await readHeaderFrom(source);
  checkImageLimits(header, limits);
  if (header.width * header.height <= limits.maxExactPixels) {
    const bytes = await readAll(prependSource(head, source), limits.maxHeldBytes, () => heldTooLarge(header, limits.maxHeldBytes));
    const decoded = await decodeImage(bytes, modules, { maxPixels: limits.maxExactPixels, maxSide: limits.maxSide });
    return {
      fitted: fitImage(decoded.pixels, fit),
      type: decoded.type,
      originalWidth: decoded.originalWidth,
      originalHeight: decoded.originalHeight,
      denom: 1,
    };
  }
  const scaled = await decodeScaled(header, head, source, modules.photoDecoder, fit, limits);
  // The reduced pixels may live in the codec's memory; orientation and the fit copy what they keep.
  const oriented = applyOrientation(scaled.pixels, header.orientation);
  const swap = header.orientation >= 5;
  const fx = swap ? scaled.factorY : scaled.factorX;
  const fy = swap ? scaled.factorX : scaled.factorY;
  const reducedFit = fitImage(oriented, fit);
  const { crop } = reducedFit.description;
  const fitted: FittedImage = {
    pixels: reducedFit.pixels === scaled.pixels ? { ...scaled.pixels, data: scaled.pixels.data.slice() } : reducedFit.pixels,
    // Edge coordinates scale by the factor: X_edge = f · x_edge, and centre = edge − 0.5.
    toOriginal: (x, y) => {
      const [rx, ry] = reducedFit.toOriginal(x, y);
      return [fx * (rx + 0.5) - 0.5, fy * (ry + 0.5) - 0.5];
    },
    description: {
      ...reducedFit.description,
      crop: { x: crop.x * fx, y: crop.y * fy, width: crop.width * fx, height: crop.height * fy },
      scale: reducedFit.description.scale * (reducedFit.pixels.width >= reducedFit.pixels.height ? fx : fy),
    },
  };
  return {
    fitted,
    type: header.type,
    originalWidth: swap ? header.height : header.width,
    originalHeight: swap ? header.width : header.height,
    denom: scaled.denom,
  };
}
