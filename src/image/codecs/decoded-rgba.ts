/** What every codec adapter returns: RGBA bytes owned by JS (not a view into codec memory). */
export interface DecodedRgba {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Adopts an ImageData-like result without copying. */
export function fromImageData(image: { width: number; height: number; data: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; length: number } }): DecodedRgba {
  const rgba = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
  return { width: image.width, height: image.height, rgba };
}
