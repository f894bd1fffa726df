"""The rating matrix of an export, drawn by whichever renderer the format takes: SVG for the PDF, PNG for
Word. The points (numbered as in the ranking table) and the quadrant names are decided once, here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from werkstatt.export.model import ExportData
from werkstatt.export.text import translator

Picture = TypeVar("Picture")


def matrix_picture(data: ExportData, draw: Callable[..., Picture]) -> Picture | None:
    """`draw` is voting.matrix.matrix_svg or matrix_png; None when nothing was rated."""
    if data.matrix is None:
        return None
    points = [
        {"label": str(idea.number), "title": idea.text, "x": idea.score_x, "y": idea.score_y}
        for idea in data.ideas
        if idea.score_x is not None and idea.score_y is not None
    ]
    if not points:
        return None
    _ = translator(data.locale)
    # The board's quadrant names (voting.board.QUADRANTS), here translatable; they name effort and benefit,
    # so a matrix on other axes goes without them.
    quadrants: tuple[str, str, str, str] = (
        (
            _("Großer Nutzen, wenig Aufwand"),
            _("Großer Nutzen, viel Aufwand"),
            _("Wenig Nutzen, wenig Aufwand"),
            _("Wenig Nutzen, viel Aufwand"),
        )
        if (data.matrix.x_label, data.matrix.y_label) == ("Aufwand", "Nutzen")
        else ("", "", "", "")
    )
    return draw(points, data.matrix.x_label, data.matrix.y_label, data.matrix.scale, quadrants)
