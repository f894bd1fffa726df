"""The rating matrix as server-rendered SVG: averaged positions of the cards on two axes, quadrant labels.

No inline styles (CSP): presentation attributes and classes only. Text is escaped by Markup.format."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

SIZE = 400
PAD = 48


def _pos(value: float, scale: int) -> float:
    """1 … scale mapped onto the plot area."""
    return PAD + (value - 1) / max(1, scale - 1) * (SIZE - 2 * PAD)


def matrix_svg(
    points: list[dict[str, Any]], x_label: str, y_label: str, scale: int, quadrants: tuple[str, str, str, str]
) -> Markup:
    """`points`: [{"label": "1", "title": card text, "x": avg, "y": avg}]. Quadrants: top-left, top-right,
    bottom-left, bottom-right (y grows upwards)."""
    inner = SIZE - 2 * PAD
    mid = PAD + inner / 2
    parts = [
        Markup(
            '<svg class="vote-matrix" viewBox="0 0 {s} {s}" role="img" aria-labelledby="matrix-title" '
            'xmlns="http://www.w3.org/2000/svg"><title id="matrix-title">{t}</title>'
        ).format(s=SIZE, t=f"{y_label} × {x_label}"),
        Markup('<rect x="{p}" y="{p}" width="{w}" height="{w}" fill="#ffffff" stroke="#5b6470"/>').format(
            p=PAD, w=inner
        ),
        Markup('<line x1="{m}" y1="{p}" x2="{m}" y2="{e}" stroke="#9aa3ad" stroke-dasharray="4 4"/>').format(
            m=mid, p=PAD, e=SIZE - PAD
        ),
        Markup('<line x1="{p}" y1="{m}" x2="{e}" y2="{m}" stroke="#9aa3ad" stroke-dasharray="4 4"/>').format(
            m=mid, p=PAD, e=SIZE - PAD
        ),
    ]
    spots = (
        (PAD + 6, PAD + 16, "start"),
        (SIZE - PAD - 6, PAD + 16, "end"),
        (PAD + 6, SIZE - PAD - 8, "start"),
        (SIZE - PAD - 6, SIZE - PAD - 8, "end"),
    )
    for (x, y, anchor), text in zip(spots, quadrants, strict=True):
        parts.append(
            Markup('<text x="{x}" y="{y}" text-anchor="{a}" font-size="12" fill="#4a5560">{t}</text>').format(
                x=x, y=y, a=anchor, t=text
            )
        )
    parts.append(
        Markup('<text x="{x}" y="{y}" text-anchor="middle" font-size="14" fill="#1f2933">{t} →</text>').format(
            x=SIZE / 2, y=SIZE - 14, t=x_label
        )
    )
    parts.append(
        Markup(
            '<text x="16" y="{y}" text-anchor="middle" font-size="14" fill="#1f2933" '
            'transform="rotate(-90 16 {y})">{t} →</text>'
        ).format(y=SIZE / 2, t=y_label)
    )
    for point in points:
        cx = _pos(float(point["x"]), scale)
        cy = SIZE - _pos(float(point["y"]), scale)
        parts.append(
            Markup(
                '<g class="matrix-point"><title>{title}</title>'
                '<circle cx="{cx:.1f}" cy="{cy:.1f}" r="13" fill="#0b5cad" stroke="#ffffff" stroke-width="2"/>'
                '<text x="{cx:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="12" font-weight="bold" '
                'fill="#ffffff">{label}</text></g>'
            ).format(title=point["title"], cx=cx, cy=cy, ty=cy + 4, label=point["label"])
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


__all__ = ["escape", "matrix_svg"]
