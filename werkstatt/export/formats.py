"""The six export formats: renderer, media type, and whether it renders in a thread.

Renderers are imported on first use: WeasyPrint, python-docx and XlsxWriter take seconds to import, and
neither `werkstatt serve` nor any other `werkstatt` command should wait for them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from werkstatt.export.model import ExportData


@dataclass(frozen=True)
class Format:
    name: str
    renderer: str | Callable[[ExportData], bytes]
    """`module:function` (imported when first used) or the function itself."""
    media_type: str
    """Litestar adds `; charset=utf-8` to text/* types."""
    slow: bool
    """Rendered in a worker thread (anyio.to_thread) so the event loop keeps serving the live board."""

    def render(self, data: ExportData) -> bytes:
        if callable(self.renderer):
            return self.renderer(data)
        module, _, function = self.renderer.partition(":")
        render: Callable[[ExportData], bytes] = getattr(importlib.import_module(module), function)
        return render(data)


FORMATS: dict[str, Format] = {
    "pdf": Format("pdf", "werkstatt.export.pdf:render_pdf", "application/pdf", True),
    "docx": Format(
        "docx",
        "werkstatt.export.word:render_docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        True,
    ),
    "xlsx": Format(
        "xlsx",
        "werkstatt.export.spreadsheet:render_xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        True,
    ),
    "csv": Format("csv", "werkstatt.export.spreadsheet:render_csv", "text/csv", False),
    "md": Format("md", "werkstatt.export.markdown:render_md", "text/markdown", False),
    "json": Format("json", "werkstatt.export.jsonfile:render_json", "application/json", False),
}
