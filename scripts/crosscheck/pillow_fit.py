"""Cross-check only (never used by the product or tests): Pillow's full-resolution tutorial fit.

usage: python3 pillow_fit.py DIR
For every DIR/*.jpg|png|webp writes DIR/<name>.pillow.rgb: ImageOps.fit(exif_transpose(img).convert("RGB"),
(256, 256), LANCZOS) as raw RGB bytes (256*256*3), decoded at full resolution (no draft mode).
"""
import pathlib
import sys

from PIL import Image, ImageOps

for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    if path.suffix not in (".jpg", ".png", ".webp"):
        continue
    with Image.open(path) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        fitted = ImageOps.fit(img, (256, 256), Image.LANCZOS)
        (path.parent / (path.name + ".pillow.rgb")).write_bytes(fitted.tobytes())
        print(path.name, img.size)
