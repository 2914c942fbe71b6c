"""The monthly progress chart drawn as a PNG without Qt (Pillow), for the report and the
command line: grouped bars per month and the cumulative completion rate on a right axis."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from controllers.stats.monthly import RATE_LABEL, SERIES, MonthlySeries
from controllers.stats.palette import GRID_COLOR, RATE_COLOR, SERIES_COLORS, TEXT_COLOR
from controllers.stats.periods import month_label

#: printed width (the type area of an A4 official document) and resolution
WIDTH_MM = 156.0
DPI = 300
ASPECT = 0.56  # height / width


@dataclass(frozen=True)
class FontSpec:
    """A font file (TrueType/OpenType, or a collection with the face index) for Pillow."""

    path: str | Path
    index: int = 0


def nice_step(top: float, ticks: int = 5) -> int:
    """A round step (1, 2, 5 × 10^n) giving about ``ticks`` intervals up to ``top``."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return max(int(factor * power), 1)
    return int(10 * power)


def render_monthly_png(
    series: MonthlySeries,
    font: FontSpec,
    *,
    title: str = "",
    width_mm: float = WIDTH_MM,
    dpi: int = DPI,
) -> bytes:
    """The chart as PNG bytes, ``width_mm`` wide at ``dpi`` (the DPI is stored in the file)."""
    from PIL import Image, ImageDraw, ImageFont

    width = round(width_mm / 25.4 * dpi)
    height = round(width * ASPECT)
    u = width / 1000  # one design unit: the layout below is in thousandths of the width
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)

    def load(size: float) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(font.path), max(int(size * u), 8), index=font.index)

    small, normal, big = load(15), load(17), load(22)
    top = (55 if title else 20) * u
    left, right, bottom = 85 * u, 80 * u, 120 * u
    plot = (left, top, width - right, height - bottom)
    px0, py0, px1, py1 = plot
    if title:
        _centered(draw, (width / 2, 25 * u), title, big, TEXT_COLOR)

    n = len(series.months)
    peak = max([1, *(max(series.values(k), default=0) for k in SERIES)])
    step = nice_step(peak)
    y_top = step * math.ceil(peak / step)

    def y_of(value: float) -> float:
        return py1 - (py1 - py0) * value / y_top

    def rate_y(rate: float) -> float:
        return py1 - (py1 - py0) * rate / 1.05

    line = max(int(1.2 * u), 1)
    for k in range(0, y_top + 1, step):
        y = y_of(k)
        draw.line([(px0, y), (px1, y)], fill=GRID_COLOR, width=line)
        _right_aligned(draw, (px0 - 8 * u, y), f"{k:,}", small, TEXT_COLOR)
    for pct in range(0, 101, 20):
        y = rate_y(pct / 100)
        draw.line([(px1, y), (px1 + 6 * u, y)], fill=TEXT_COLOR, width=line)
        draw.text((px1 + 10 * u, y), f"{pct}%", font=small, fill=TEXT_COLOR, anchor="lm")
    draw.line([(px0, py0), (px0, py1), (px1, py1), (px1, py0)], fill=TEXT_COLOR, width=line)
    _vertical_label(img, (18 * u, (py0 + py1) / 2), "企业数（家）", normal)
    _vertical_label(img, (width - 18 * u, (py0 + py1) / 2), f"{RATE_LABEL}（%）", normal)

    if n:
        slot = (px1 - px0) / n
        bar = slot * 0.8 / len(SERIES)
        for i in range(n):
            x_start = px0 + slot * i + slot * 0.1
            for k, key in enumerate(SERIES):
                value = series.values(key)[i]
                if value:
                    x = x_start + k * bar
                    draw.rectangle([x, y_of(value), x + bar * 0.92, py1], fill=SERIES_COLORS[key])
        every = max(1, math.ceil(n / 12))
        for i, month in enumerate(series.months):
            cx = px0 + slot * (i + 0.5)
            draw.line([(cx, py1), (cx, py1 + 5 * u)], fill=TEXT_COLOR, width=line)
            if i % every == 0:
                _centered(
                    draw, (cx, py1 + 20 * u), month_label(month, short=True), small, TEXT_COLOR
                )
        points = [
            (px0 + slot * (i + 0.5), rate_y(r))
            for i, r in enumerate(series.cumulative_rate)
            if r is not None
        ]
        if len(points) > 1:
            draw.line(points, fill=RATE_COLOR, width=max(int(3 * u), 2), joint="curve")
        dot = 3.5 * u
        for x, y in points:
            draw.ellipse([x - dot, y - dot, x + dot, y + dot], fill=RATE_COLOR)
    else:
        _centered(draw, ((px0 + px1) / 2, (py0 + py1) / 2), "所选期间没有数据", normal, TEXT_COLOR)

    # legend: one row under the month labels
    items = [(label, SERIES_COLORS[key], "box") for key, label in SERIES.items()]
    items.append((RATE_LABEL, RATE_COLOR, "line"))
    sizes = [draw.textlength(label, font=normal) + 50 * u for label, _, _ in items]
    x = (width - sum(sizes)) / 2
    y = height - 40 * u
    for (label, color, kind), size in zip(items, sizes, strict=True):
        if kind == "box":
            draw.rectangle([x, y - 8 * u, x + 16 * u, y + 8 * u], fill=color)
        else:
            draw.line([(x - 4 * u, y), (x + 20 * u, y)], fill=color, width=max(int(3 * u), 2))
            draw.ellipse([x + 8 * u - 4 * u, y - 4 * u, x + 8 * u + 4 * u, y + 4 * u], fill=color)
        draw.text((x + 24 * u, y), label, font=normal, fill=TEXT_COLOR, anchor="lm")
        x += size

    out = io.BytesIO()
    img.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _centered(draw, xy: tuple[float, float], text: str, font, fill: str) -> None:
    draw.text(xy, text, font=font, fill=fill, anchor="mm")


def _right_aligned(draw, xy: tuple[float, float], text: str, font, fill: str) -> None:
    draw.text(xy, text, font=font, fill=fill, anchor="rm")


def _vertical_label(img, centre: tuple[float, float], text: str, font) -> None:
    """Text turned 90° anticlockwise, centred on ``centre``."""
    from PIL import Image, ImageDraw

    probe = ImageDraw.Draw(img)
    w = int(probe.textlength(text, font=font)) + 4
    h = int(font.size * 1.4)
    label = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((w / 2, h / 2), text, font=font, fill=TEXT_COLOR, anchor="mm")
    label = label.rotate(90, expand=True)
    img.paste(label, (int(centre[0] - label.width / 2), int(centre[1] - label.height / 2)), label)
