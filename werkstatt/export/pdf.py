"""The result as a PDF protocol (WeasyPrint): a Jinja template (autoescaped) with its own print CSS.

Nothing is fetched: the CSS is handed over as a string, the matrix is inline SVG, fonts are the system's
(DejaVu), and the URL fetcher refuses every URL (http, file, data) — so an idea reading
`<img src="http://…">` stays text, and even markup that slipped through could not make a request."""

from __future__ import annotations

from functools import cache
from typing import Any

from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from werkstatt.export.figures import matrix_picture
from werkstatt.export.model import ExportData
from werkstatt.export.text import due, number, translator
from werkstatt.voting.matrix import matrix_svg
from werkstatt.web import TEMPLATES, environment


class RefusingFetcher(URLFetcher):  # type: ignore[misc]
    """Fetches nothing and remembers what it was asked for (tests look)."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self.asked: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.asked.append(url)
        raise ValueError(f"Werkstatt lädt beim Erzeugen eines PDFs nichts nach ({url[:80]}).")


@cache
def _css_source() -> str:
    return (TEMPLATES / "export" / "protocol.css").read_text(encoding="utf-8")


def _css_string(value: str) -> str:
    """A CSS string literal (for the page-number label)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def protocol_css(locale: str) -> str:
    _ = translator(locale)
    return (
        _css_source()
        .replace("/*PAGE*/", _css_string(_("Seite") + " "))
        .replace("/*OF*/", _css_string(" " + _("von") + " "))
    )


def protocol_html(data: ExportData) -> str:
    template = environment(data.locale).get_template("export/protocol.html")
    return template.render(
        data=data,
        matrix=matrix_picture(data, matrix_svg),
        fmt=lambda value: number(value, data.locale),
        due=lambda value: due(value, data.locale),
        stamp=data.generated_at.strftime("%d.%m.%Y" if data.locale == "de" else "%Y-%m-%d"),
    )


PDF_VARIANT = "pdf/ua-1"  # tagged: structure tree, reading order, language and title for screen readers


def html_to_pdf(html: str, css: str, fetcher: URLFetcher) -> bytes:
    """HTML and CSS given as strings; whatever they point to goes through `fetcher` (no base URL)."""
    stylesheet = CSS(string=css, url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher, base_url=None)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet], pdf_variant=PDF_VARIANT)
    return pdf


class LogoFetcher(RefusingFetcher):
    """Hands out the logo for `werkstatt-logo:` (bytes already in memory) and refuses everything else."""

    def __init__(self, logo: tuple[bytes, str]) -> None:
        super().__init__()
        self.logo = logo

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url == LOGO_URL:
            body, media_type = self.logo
            return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})
        return super().fetch(url, headers)


LOGO_URL = "werkstatt-logo:"


def render_pdf(data: ExportData, *, url_fetcher: URLFetcher | None = None) -> bytes:
    fetcher = url_fetcher if url_fetcher is not None else RefusingFetcher()
    if url_fetcher is None and data.logo is not None:
        fetcher = LogoFetcher(data.logo)
    return html_to_pdf(protocol_html(data), protocol_css(data.locale), fetcher)
