"""Draw the application icon: resources/icons/app.png (256 px) and app.ico (16–256 px).

python resources/icons/build_icon.py   (run again only to change the design)
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int) -> QImage:
    """A green tile with a white leaf and a check mark (rectified, clean)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1f7a4d"))
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 48 * s, 48 * s)
    leaf = QPainterPath(QPointF(56 * s, 204 * s))
    leaf.cubicTo(QPointF(40 * s, 110 * s), QPointF(110 * s, 44 * s), QPointF(212 * s, 48 * s))
    leaf.cubicTo(QPointF(214 * s, 150 * s), QPointF(150 * s, 214 * s), QPointF(56 * s, 204 * s))
    p.setBrush(QColor("#ffffff"))
    p.drawPath(leaf)
    pen = QPen(QColor("#1f7a4d"), max(2.0, 20 * s))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    check = QPainterPath(QPointF(86 * s, 132 * s))
    check.lineTo(QPointF(116 * s, 162 * s))
    check.lineTo(QPointF(172 * s, 96 * s))
    p.drawPath(check)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def ico_bytes(images: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """An .ico file whose entries are PNG images (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in zip(sizes, images, strict=True):
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    pngs = [png_bytes(draw(size)) for size in SIZES]
    (HERE / "app.png").write_bytes(pngs[-1])
    (HERE / "app.ico").write_bytes(ico_bytes(pngs, SIZES))
    print(f"wrote {HERE / 'app.png'} and {HERE / 'app.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
