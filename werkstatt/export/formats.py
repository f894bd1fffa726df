"""The six export formats: renderer, media type, and whether it renders in a thread.

The heavy renderers are imported on first use (inside the small functions below): WeasyPrint, python-docx
and XlsxWriter take seconds to import, and neither `werkstatt serve` nor any other `werkstatt` command
should wait for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkstatt.export.jsonfile import render_json
from werkstatt.export.markdown import render_md

if TYPE_CHECKING:
    from werkstatt.export.model import ExportData


@dataclass(frozen=True)
class Format:
    name: str
    render: Callable[[ExportData], bytes]
    media_type: str
    """Litestar adds `; charset=utf-8` to text/* types."""
    slow: bool
    """Rendered in a worker thread (anyio.to_thread) so the event loop keeps serving the live board."""


def _pdf(data: ExportData) -> bytes:
    from werkstatt.export.pdf import render_pdf

    return render_pdf(data)


def _docx(data: ExportData) -> bytes:
    from werkstatt.export.word import render_docx

    return render_docx(data)


def _xlsx(data: ExportData) -> bytes:
    from werkstatt.export.spreadsheet import render_xlsx

    return render_xlsx(data)


def _csv(data: ExportData) -> bytes:
    from werkstatt.export.spreadsheet import render_csv

    return render_csv(data)


FORMATS: dict[str, Format] = {
    "pdf": Format("pdf", _pdf, "application/pdf", True),
    "docx": Format(
        "docx",
        _docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        True,
    ),
    "xlsx": Format(
        "xlsx",
        _xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        True,
    ),
    "csv": Format("csv", _csv, "text/csv", False),
    "md": Format("md", render_md, "text/markdown", False),
    "json": Format("json", render_json, "application/json", False),
}
