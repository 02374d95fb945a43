#!/bin/sh
# Rebuilds photo-decoder.wasm from Debian bookworm's source packages of libjpeg-turbo and libwebp
# (Debian's patches applied, e.g. CVE-2023-4863 for libwebp) and photo_decoder.c, then records the
# hashes in photo-decoder.json (checked by test/node/image/photo-decoder-build.test.ts).
# Needs: a deb-src line for bookworm, dpkg-dev, cmake, emscripten 3.1.6 (apt-get install emscripten).
# The README's commands do not need any of this: the built .wasm is committed.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${PHOTO_DECODER_WORK:-/tmp/photo-decoder-build}
JPEG_VERSION=1:2.1.5-2
WEBP_VERSION=1.2.4-0.2+deb12u1
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
apt-get source --download-only "libjpeg-turbo=$JPEG_VERSION" "libwebp=$WEBP_VERSION"
sha256sum -c "$HERE/sources.sha256"
dpkg-source -x libjpeg-turbo_2.1.5-2.dsc jpeg
dpkg-source -x libwebp_1.2.4-0.2+deb12u1.dsc webp

# libjpeg-turbo: the C code paths only (no SIMD in wasm), static library.
mkdir jpeg-build && cd jpeg-build
emcmake cmake ../jpeg -DWITH_SIMD=0 -DENABLE_SHARED=0 -DWITH_TURBOJPEG=0 -DCMAKE_BUILD_TYPE=Release -DHAVE_SIZE_T=1 -DSIZE_T=4 >/dev/null
grep -q "SIZEOF_SIZE_T  4" jconfigint.h  # cmake's probe misreads size_t under emcc
emmake make -j2 jpeg-static >/dev/null
cd ..

# libwebp: decoder, dsp and utils sources; the linker drops what the decoder does not reach.
WEBP_SOURCES=$(ls webp/src/dec/*.c webp/src/dsp/*.c webp/src/utils/*.c)

emcc -O2 -flto -o "$HERE/photo-decoder.wasm" \
  -I jpeg -I jpeg-build -I webp -I webp/src \
  "$HERE/photo_decoder.c" jpeg-build/libjpeg.a $WEBP_SOURCES \
  --no-entry -sSTANDALONE_WASM=1 -sERROR_ON_UNDEFINED_SYMBOLS=0 -sFILESYSTEM=0 \
  -sINITIAL_MEMORY=1MB -sTOTAL_STACK=128KB -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=64MB \
  -sEXPORTED_FUNCTIONS=_jpeg_begin,_jpeg_input_space,_jpeg_input_commit,_jpeg_input_end,_jpeg_step,_webp_decode,_result_width,_result_height,_result_rgb,_alloc

cd "$HERE"
node -e '
const { createHash } = require("node:crypto");
const { readFileSync, writeFileSync } = require("node:fs");
const sha = (f) => createHash("sha256").update(readFileSync(f)).digest("hex");
const manifest = {
  emscripten: require("node:child_process").execSync("emcc --version").toString().split("\n")[0],
  libjpegTurbo: process.argv[1],
  libwebp: process.argv[2],
  sources: { "photo_decoder.c": sha("photo_decoder.c"), "build.sh": sha("build.sh"), "sources.sha256": sha("sources.sha256") },
  wasm: sha("photo-decoder.wasm"),
};
writeFileSync("photo-decoder.json", JSON.stringify(manifest, null, 2) + "\n");
' "$JPEG_VERSION" "$WEBP_VERSION"
echo "built $HERE/photo-decoder.wasm"
