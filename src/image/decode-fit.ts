import type { WasmModules } from "../runtime/wasm-modules";
import { checkImageLimits, decodeImage } from "./decode";
import { fitImage, type Fit, type FittedImage } from "./fit";
import { readImageHeader } from "./header";
import type { ImageLimits } from "./limits";
import { applyOrientation } from "./orientation";
import { decodeScaled, type ScaledDecodeLimits } from "./scaled";
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

/**
 * Bytes from a stranger → the fitted pixels DELF sees. Up to `maxExactPixels`: today's exact path
 * (decodeImage + fitImage, bit-equal to Pillow). Above: a reduced decode that keeps the fit's crop
 * ≥ 2× its target side (scaled/), EXIF orientation on the reduced pixels, then the same fit;
 * coordinates are mapped back to the original image. Throws ImageError only.
 */
export async function decodeAndFit(bytes: Uint8Array, fit: Fit, modules: WasmModules, limits: DecodeFitLimits): Promise<DecodedAndFitted> {
  const header = readImageHeader(bytes);
  checkImageLimits(header, limits);
  if (header.width * header.height <= limits.maxExactPixels) {
    const decoded = await decodeImage(bytes, modules, { maxPixels: limits.maxExactPixels, maxSide: limits.maxSide });
    return {
      fitted: fitImage(decoded.pixels, fit),
      type: decoded.type,
      originalWidth: decoded.originalWidth,
      originalHeight: decoded.originalHeight,
      denom: 1,
    };
  }
  const scaled = await decodeScaled(header, bytes, modules.photoDecoder, fit, limits);
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
