"""Render the app icon's rasters from ``resources/icons/backstage.svg``; the results are committed.

    python packaging/make_icons.py

Writes, next to the SVG:

- ``png/backstage-N.png`` for N in 16, 32, 48, 64, 128, 256, 512: the Linux hicolor theme sizes
  (the .deb installs them), and what the self-test and the window load;
- ``backstage.ico`` for Windows (16 to 256 px, PNG-compressed entries, as Windows Vista and later read);
- ``backstage.icns`` for macOS (16 px to 1024 px, i.e. 512 px at 2x, as PNG entries).

Rendering uses Qt's own SVG renderer (PySide6.QtSvg, part of PySide6-Essentials), so no image library
is needed; the ICO and ICNS containers are simple enough to write here.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtGui, QtSvg  # noqa: E402  (the platform must be chosen first)

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "backstage.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS entry types that hold a PNG, and the pixel size of each.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16 px at 2x
    (b"icp6", 64),
    (b"ic12", 64),  # 32 px at 2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),  # 128 px at 2x
    (b"ic09", 512),
    (b"ic14", 512),  # 256 px at 2x
    (b"ic10", 1024),  # 512 px at 2x
)


def render(renderer: QtSvg.QSvgRenderer, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, antialiased, as PNG bytes."""
    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.convertToFormat(QtGui.QImage.Format.Format_ARGB32).save(buffer, "PNG"):
        raise RuntimeError(f"could not encode a {size} px PNG")
    return bytes(buffer.data().data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding one PNG per size (a 256 px entry is written as width/height 0)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, data = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns: the 'icns' header, then one (type, length, PNG) block per entry."""
    blocks = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(blocks)) + blocks


def main() -> int:
    app = QtGui.QGuiApplication(sys.argv[:1])  # QImage and QPainter need one for fonts and plugins
    renderer = QtSvg.QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES})
    pngs = {size: render(renderer, size) for size in sizes}
    (ICONS / "png").mkdir(exist_ok=True)
    for size in PNG_SIZES:
        (ICONS / "png" / f"backstage-{size}.png").write_bytes(pngs[size])
    (ICONS / "backstage.ico").write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    (ICONS / "backstage.icns").write_bytes(icns(pngs))
    print(f"wrote {len(PNG_SIZES)} PNGs, backstage.ico and backstage.icns in {ICONS}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
