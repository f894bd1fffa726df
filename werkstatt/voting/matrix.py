"""The rating matrix as server-rendered SVG: averaged positions of the cards on two axes, quadrant labels.
The same drawing as a PNG for documents that take no SVG (the Word export), from the same geometry.

No inline styles (CSP): presentation attributes and classes only. Text is escaped by Markup.format."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from PIL import Image, ImageDraw, ImageFont

TITLE_CHARS = 80  # a point's tooltip and its legend line: the start of the card's text


def clip_title(text: str) -> str:
    """The start of a card's text for a matrix point's tooltip and legend line ("…" where it was cut)."""
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans-Latin.ttf"
PLOT = 420  # the square plot area
LEFT, TOP, RIGHT, BOTTOM = 60, 36, 20, 64  # room for the y label, the quadrant labels and the x label
WIDTH, HEIGHT = LEFT + PLOT + RIGHT, TOP + PLOT + BOTTOM


def _pos(value: float, scale: int) -> float:
    """1 … scale onto 0 … PLOT, each value in the middle of its band, so no point sits on the frame."""
    return (value - 0.5) / max(1, scale) * PLOT


def _stacked(points: list[dict[str, Any]], scale: int) -> list[list[dict[str, Any]]]:
    """Cards whose averages land on the same spot share one marker ("1, 6") instead of hiding each other."""
    groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for point in points:
        spot = (round(_pos(float(point["x"]), scale) / 20), round(_pos(float(point["y"]), scale) / 20))
        groups.setdefault(spot, []).append(point)
    return list(groups.values())


def matrix_svg(
    points: list[dict[str, Any]], x_label: str, y_label: str, scale: int, quadrants: tuple[str, str, str, str]
) -> Markup:
    """`points`: [{"label": "1", "title": card text, "x": avg, "y": avg}]. Quadrants: top-left, top-right,
    bottom-left, bottom-right (y grows upwards); their labels stand outside the plot so points never hide them."""
    mid = PLOT / 2
    parts = [
        Markup(
            '<svg class="vote-matrix" viewBox="0 0 {w} {h}" role="img" aria-labelledby="matrix-title" '
            'xmlns="http://www.w3.org/2000/svg"><title id="matrix-title">{t}</title>'
        ).format(w=WIDTH, h=HEIGHT, t=f"{y_label} × {x_label}"),
        Markup('<rect x="{x}" y="{y}" width="{s}" height="{s}" fill="#ffffff" stroke="#5b6470"/>').format(
            x=LEFT, y=TOP, s=PLOT
        ),
        Markup('<line x1="{m}" y1="{t}" x2="{m}" y2="{b}" stroke="#9aa3ad" stroke-dasharray="4 4"/>').format(
            m=LEFT + mid, t=TOP, b=TOP + PLOT
        ),
        Markup('<line x1="{l}" y1="{m}" x2="{r}" y2="{m}" stroke="#9aa3ad" stroke-dasharray="4 4"/>').format(
            m=TOP + mid, l=LEFT, r=LEFT + PLOT
        ),
    ]
    spots = (
        (LEFT, TOP - 10, "start"),
        (LEFT + PLOT, TOP - 10, "end"),
        (LEFT, TOP + PLOT + 20, "start"),
        (LEFT + PLOT, TOP + PLOT + 20, "end"),
    )
    for (x, y, anchor), text in zip(spots, quadrants, strict=True):
        parts.append(
            Markup('<text x="{x}" y="{y}" text-anchor="{a}" font-size="13" fill="#4a5560">{t}</text>').format(
                x=x, y=y, a=anchor, t=text
            )
        )
    parts.append(
        Markup('<text x="{x}" y="{y}" text-anchor="middle" font-size="15" fill="#1f2933">{t} →</text>').format(
            x=LEFT + mid, y=HEIGHT - 12, t=x_label
        )
    )
    parts.append(
        Markup(
            '<text x="24" y="{y}" text-anchor="middle" font-size="15" fill="#1f2933" '
            'transform="rotate(-90 24 {y})">{t} →</text>'
        ).format(y=TOP + mid, t=y_label)
    )
    for group in _stacked(points, scale):
        cx = LEFT + _pos(float(group[0]["x"]), scale)
        cy = TOP + PLOT - _pos(float(group[0]["y"]), scale)
        label = ", ".join(str(point["label"]) for point in group)
        half = max(13.0, 4 + 3.6 * len(label))  # a pill wide enough for "1, 6"
        parts.append(
            Markup(
                '<g class="matrix-point"><title>{title}</title>'
                '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="26" rx="13" fill="#0b5cad" stroke="#ffffff" '
                'stroke-width="2"/><text x="{cx:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="12" '
                'font-weight="bold" fill="#ffffff">{label}</text></g>'
            ).format(
                title=" · ".join(str(point["title"]) for point in group),
                x=cx - half,
                y=cy - 13,
                w=2 * half,
                cx=cx,
                ty=cy + 4,
                label=label,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def matrix_png(
    points: list[dict[str, Any]],
    x_label: str,
    y_label: str,
    scale: int,
    quadrants: tuple[str, str, str, str],
    zoom: int = 3,
) -> bytes:
    """matrix_svg's picture as a PNG (zoom × the SVG's size, sharp in print), in the font shipped with
    Werkstatt (werkstatt/fonts): nothing is looked up on the machine."""

    def at(x: float, y: float) -> tuple[float, float]:
        return x * zoom, y * zoom

    def font(size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(FONT, size * zoom)

    image = Image.new("RGB", (WIDTH * zoom, HEIGHT * zoom), "#ffffff")
    draw = ImageDraw.Draw(image)
    mid = PLOT / 2
    draw.rectangle([at(LEFT, TOP), at(LEFT + PLOT, TOP + PLOT)], outline="#5b6470", width=zoom)
    for offset in range(0, PLOT, 8):  # the dashed middle lines
        end = min(offset + 4, PLOT)
        draw.line([at(LEFT + mid, TOP + offset), at(LEFT + mid, TOP + end)], fill="#9aa3ad", width=zoom)
        draw.line([at(LEFT + offset, TOP + mid), at(LEFT + end, TOP + mid)], fill="#9aa3ad", width=zoom)
    corners = [
        (LEFT, TOP - 10, "ls"),
        (LEFT + PLOT, TOP - 10, "rs"),
        (LEFT, TOP + PLOT + 20, "ls"),
        (LEFT + PLOT, TOP + PLOT + 20, "rs"),
    ]
    for (x, y, anchor), text in zip(corners, quadrants, strict=True):
        draw.text(at(x, y), text, fill="#4a5560", font=font(13), anchor=anchor)
    draw.text(at(LEFT + mid, HEIGHT - 12), f"{x_label} →", fill="#1f2933", font=font(15), anchor="ms")
    label = Image.new("RGB", (PLOT * zoom, 24 * zoom), "#ffffff")
    ImageDraw.Draw(label).text(at(PLOT / 2, 12), f"{y_label} →", fill="#1f2933", font=font(15), anchor="mm")
    upright = label.rotate(90, expand=True)
    image.paste(upright, (int((24 - 12) * zoom), int(TOP * zoom)))
    for group in _stacked(points, scale):
        cx = LEFT + _pos(float(group[0]["x"]), scale)
        cy = TOP + PLOT - _pos(float(group[0]["y"]), scale)
        text = ", ".join(str(point["label"]) for point in group)
        half = max(13.0, 4 + 3.6 * len(text))
        box = [at(cx - half, cy - 13), at(cx + half, cy + 13)]
        draw.rounded_rectangle(box, radius=13 * zoom, fill="#0b5cad", outline="#ffffff", width=2 * zoom)
        draw.text(at(cx, cy), text, fill="#ffffff", font=font(12), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


__all__ = ["TITLE_CHARS", "clip_title", "escape", "matrix_png", "matrix_svg"]
