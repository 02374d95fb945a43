// Small images embedded as base64 so the same bytes can be decoded in Node and inside workerd
// (which has no file system). Generated once with the @jsquash encoders (see fixtures.ts):
//   jpeg: blocks(80, 60) at quality 80 with an EXIF APP1 segment, Orientation = 6 (decodes to 60×80)
//   webp: blocks(72, 40, alpha 200), lossy quality 90
//   png:  blocks(50, 70, alpha 90), RGBA
// pipelineDigest() runs decode + every fit on them and hashes the pixels; both runtimes must agree.
import type { WasmModules } from "../../../src/runtime/wasm-modules";
import { decodeImage } from "../../../src/image/decode";
import { fitImage, type Fit } from "../../../src/image/fit";

export const EMBEDDED_IMAGES = {
  jpeg:
    "/9j/4QAiRXhpZgAATU0AKgAAAAgAAQESAAMAAAABAAYAAAAAAAD/4AAQSkZJRgABAQAAAQABAAD/2wCEAAYGBgYHBgcICAcKCwoL" +
    "Cg8ODAwODxYQERAREBYiFRkVFRkVIh4kHhweJB42KiYmKjY+NDI0PkxERExfWl98fKcBBgYGBgcGBwgIBwoLCgsKDw4MDA4PFhAR" +
    "EBEQFiIVGRUVGRUiHiQeHB4kHjYqJiYqNj40MjQ+TERETF9aX3x8p//CABEIADwAUAMBIQACEQEDEQH/xAAvAAEBAAMBAAAAAAAA" +
    "AAAAAAAFBwECCAYBAQEBAQEAAAAAAAAAAAAAAAYHBAUI/9oADAMBAAIQAxAAAADnBTXrUU3sE1N7CWKUmCKKb2HllIOQUU6DBRTe" +
    "wlilJgqZk5fYUOA01OgwUU3r5YpSYIYn5kpmFGU2UU6DBJToMJaZhiSik6e6KM5sopuYKKdBhBk47IFFOgw1UZTRNToMFDJy+lqm" +
    "OJqJbmHGynqSipqdBgYp5jpcsUpUEUT3sMKM5soXOXyik5fSxSkQNRToMP/EABQQAQAAAAAAAAAAAAAAAAAAAGD/2gAIAQEAAT8A" +
    "If/EABsRAAMBAAMBAAAAAAAAAAAAAAADQQIHRYPC/9oACAECAQE/AF0xRdMUXRdF0XRdOSup9/gXRdMUXTFMUXRdOSup9/gXRdF0" +
    "XTFF0XTFOSup9/gXRdF0XRdF0xTFOSup9/gxRdF0/8QAGxEAAwEAAwEAAAAAAAAAAAAAAARCgQVDgsH/2gAIAQMBAT8AUvBS8FLw" +
    "UvBS8FLwUvBS8FLw4fv8/RS8FLwUvBS8FLwUvBS8FLw4jv8AP0UvBS8FLwUvBS8FLwUvBS8OH7/P0UvBS8FLwUvBS8FLwUvBS8OH" +
    "7/P0UvBW8FLw/9k=",
  webp:
    "UklGRv4AAABXRUJQVlA4WAoAAAAQAAAARwAAJwAAQUxQSAoAAAABB1DkiAhERP8DVlA4IM4AAAAwCACdASpIACgAPikQhkKhoQ5m" +
    "V1QMAUJZAZwZoF0AQID8APwrP/J2auvPPw4/Lnpo9p+7v7b532IawGL80+9dYFNEOwye2eJ0QAD+/jxhX/+XUSaGKGVU86mPlrOO" +
    "sZaK0mrxVbMJvd3s2s9CcQrOcrUVn2VBtrlz0XNwjtGIvi6kZPzAWM2Xj//wRn+G6yvBXtclw8ty9xd5EVkqhZ//0HRf/xpz//8o" +
    "gGf8HnIZVH4LvlW4MWm4uchA618XwW8oTLQjZgbo3eWj4AAAAA==",
  png:
    "iVBORw0KGgoAAAANSUhEUgAAADIAAABGCAYAAACOjMdmAAAKjUlEQVR4Ae3gAZAkSZIkSRKLqpm7R0REZmZmVlVVVVV3d3d3d/fM" +
    "zMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM" +
    "zMzMzMzMzMzMdHd3d3dXV1VVVVVmZkZGRIS7m5kKz0xmV3d1d3dPz8zMzMxMok6fvuVdeSEezfW8MI/mel6YR3M9L8yjuZ4X5tFc" +
    "zwvzaK4HQKdP3/KuvBCP5npemEdzPS/Mo7meF+bRXM8L82iu54V5NNcDoNOnb3lXXohHcz0vzKO5nhfm0VzPC/NorueFeTTX88I8" +
    "musB0OnTt7wrL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA6PTpW96VF+LRXM8L82iu54V5NNfzwjya63lhHs31vDCP5noA" +
    "dPr0Le/KC/ForueFeTTX88I8mut5YR7N9bwwj+Z6XphHcz0AOn36lnflhXg01/PCPJrreWEezfW8MI/mel6YR3M9L8yjuR4AnT59" +
    "y7vyQjya63lhHs31vDCP5npemEdzPS/Mo7meF+bRXA+ATr/6K70rL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA6PSrv9K7" +
    "8kI8mut5YR7N9bwwj+Z6XphHcz0vzKO5nhfm0VwPgE6/+iu9Ky/Eo7meF+bRXM8L82iu54V5NNfzwjya63lhHs31AOj0q7/Su/JC" +
    "PJrreWEezfW8MI/mel6YR3M9L8yjuZ4X5tFcD4BOv/orvSsvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDo9Ku/0rvyQjya" +
    "63lhHs31vDCP5npemEdzPS/Mo7meF+bRXA+ATr/6K70rL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA6PSrv9K78kI8mut5" +
    "YR7N9bwwj+Z6XphHcz0vzKO5nhfm0VwPgE6//1u/Ky/Eo7meF+bRXM8L82iu54V5NNfzwjya63lhHs31AOj0+7/1u/JCPJrreWEe" +
    "zfW8MI/mel6YR3M9L8yjuZ4X5tFcD4BOv/9bvysvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDo9Pu/9bvyQjya63lhHs31" +
    "vDCP5npemEdzPS/Mo7meF+bRXA+ATr//W78rL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA6PT7v/W78kI8mut5YR7N9bww" +
    "j+Z6XphHcz0vzKO5nhfm0VwPgE6//1u/Ky/Eo7meF+bRXM8L82iu54V5NNfzwjya63lhHs31AOj0+7/1u/JCPJrreWEezfW8MI/m" +
    "el6YR3M9L8yjuZ4X5tFcD4BOf/mHvCsvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDo9Jd/yLvyQjya63lhHs31vDCP5npe" +
    "mEdzPS/Mo7meF+bRXA+ATn/5h7wrL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA6PSXf8i78kI8mut5YR7N9bwwj+Z6XphH" +
    "cz0vzKO5nhfm0VwPgE5/+Ye8Ky/Eo7meF+bRXM8L82iu54V5NNfzwjya63lhHs31AOj0l3/Iu/JCPJrreWEezfW8MI/mel6YR3M9" +
    "L8yjuZ4X5tFcD4BOf/mHvCsvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDo9Jd/yLvyQjya63lhHs31vDCP5npemEdzPS/M" +
    "o7meF+bRXA+ATv/8574rL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA6PTPf+678kI8mut5YR7N9bwwj+Z6XphHcz0vzKO5" +
    "nhfm0VwPgE7//Oe+Ky/Eo7meF+bRXM8L82iu54V5NNfzwjya63lhHs31AOj0z3/uu/JCPJrreWEezfW8MI/mel6YR3M9L8yjuZ4X" +
    "5tFcD4BO//znvisvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDo9M9/7rvyQjya63lhHs31vDCP5npemEdzPS/Mo7meF+bR" +
    "XA+ATv/8574rL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA6PTPf+678kI8mut5YR7N9bwwj+Z6XphHcz0vzKO5nhfm0VwP" +
    "gE4/5dvelRfi0VzPC/NorueFeTTX88I8mut5YR7N9bwwj+Z6AHT6Kd/2rrwQj+Z6XphHcz0vzKO5nhfm0VzPC/NorueFeTTXA6DT" +
    "T/m2d+WFeDTX88I8mut5YR7N9bwwj+Z6XphHcz0vzKO5HgCdfsq3vSsvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDo9FO+" +
    "7V15IR7N9bwwj+Z6XphHcz0vzKO5nhfm0VzPC/NorgdAp5/ybe/KC/ForueFeTTX88I8mut5YR7N9bwwj+Z6XphHcz0AOv2Ub3tX" +
    "XohHcz0vzKO5nhfm0VzPC/NorueFeTTX88I8musB0OmnfNu78kI8mut5YR7N9bwwj+Z6XphHcz0vzKO5nhfm0VwPgE7Xn39XXohH" +
    "cz0vzKO5nhfm0VzPC/NorueFeTTX88I8musB0On68+/KC/ForueFeTTX88I8mut5YR7N9bwwj+Z6XphHcz0AOl1//l15IR7N9bww" +
    "j+Z6XphHcz0vzKO5nhfm0VzPC/NorgdAp+vPvysvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDodP35d+WFeDTX88I8mut5" +
    "YR7N9bwwj+Z6XphHcz0vzKO5HgCdrj//rrwQj+Z6XphHcz0vzKO5nhfm0VzPC/NorueFeTTXA6DT9efflRfi0VzPC/NorueFeTTX" +
    "88I8mut5YR7N9bwwj+Z6AHS6/vy78kI8mut5YR7N9bwwj+Z6XphHcz0vzKO5nhfm0VwPgE6/+F+8Ky/Eo7meF+bRXM8L82iu54V5" +
    "NNfzwjya63lhHs31AOj0i//Fu/JCPJrreWEezfW8MI/mel6YR3M9L8yjuZ4X5tFcD4BOv/hfvCsvxKO5nhfm0VzPC/NorueFeTTX" +
    "88I8mut5YR7N9QDo9Iv/xbvyQjya63lhHs31vDCP5npemEdzPS/Mo7meF+bRXA+ATr/4X7wrL8SjuZ4X5tFczwvzaK7nhXk01/PC" +
    "PJrreWEezfUA6PSL/8W78kI8mut5YR7N9bwwj+Z6XphHcz0vzKO5nhfm0VwPgE6/+F+8Ky/Eo7meF+bRXM8L82iu54V5NNfzwjya" +
    "63lhHs31AOj0i//Fu/JCPJrreWEezfW8MI/mel6YR3M9L8yjuZ4X5tFcD4BOv/1d78oL8Wiu54V5NNfzwjya63lhHs31vDCP5npe" +
    "mEdzPQA6/fZ3vSsvxKO5nhfm0VzPC/NorueFeTTX88I8mut5YR7N9QDo9Nvf9a68EI/mel6YR3M9L8yjuZ4X5tFczwvzaK7nhXk0" +
    "1wOg029/17vyQjya63lhHs31vDCP5npemEdzPS/Mo7meF+bRXA+ATr/9Xe/KC/ForueFeTTX88I8mut5YR7N9bwwj+Z6XphHcz0A" +
    "Ov32d70rL8SjuZ4X5tFczwvzaK7nhXk01/PCPJrreWEezfUA/COuV8W74vvpxAAAAABJRU5ErkJggg==",
} as const;

export function embeddedBytes(name: keyof typeof EMBEDDED_IMAGES): Uint8Array {
  const binary = atob(EMBEDDED_IMAGES[name]);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const FITS: Fit[] = [256, "none", { maxSide: 33 }];

/** SHA-256 (hex) over, for each embedded image and each fit: width, height and RGB bytes. */
export async function pipelineDigest(modules: WasmModules): Promise<string> {
  const parts: Uint8Array[] = [];
  for (const name of Object.keys(EMBEDDED_IMAGES) as (keyof typeof EMBEDDED_IMAGES)[]) {
    const decoded = await decodeImage(embeddedBytes(name), modules);
    for (const fit of FITS) {
      const { pixels } = fitImage(decoded.pixels, fit);
      parts.push(new Uint8Array(new Uint32Array([pixels.width, pixels.height]).buffer), pixels.data);
    }
  }
  const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    total.set(p, offset);
    offset += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", total));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
