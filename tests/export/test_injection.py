"""Script and formula payloads in every user field come out as text: neutralised cells in CSV and XLSX, escaped
Markdown, text in DOCX and PDF; and rendering the PDF asks nothing from outside."""

from __future__ import annotations

import io
import socket
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from docx import Document
from litestar.testing import AsyncTestClient
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from tests.board.conftest import LiveWorkshop, join
from tests.export.conftest import CLUSTER, COLLECT, SAME_ORIGIN, Scenario, csv_rows, pdf_text
from werkstatt.export.model import ExportData, ExportIdea, ExportProjectIdea, NextStepItem
from werkstatt.export.pdf import RefusingFetcher, html_to_pdf, render_pdf
from werkstatt.export.spreadsheet import render_csv, render_xlsx
from werkstatt.export.text import FORMULA_START, md, neutralise

FORMULAS = ['=HYPERLINK("http://evil.example";"klick")', "+SUM(1;2)", "-2+3", "@cmd|' /C calc'!A0"]
MARKUP = [
    '<script>alert("x")</script>',
    "**fett** [Link](http://evil.example) # Titel | `code` ![bild](http://evil.example/a.png)",
]


@pytest.fixture
def trap() -> Iterator[tuple[socket.socket, int]]:
    """A listening socket: if anything connects, the PDF fetched from outside."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server, server.getsockname()[1]
    server.close()


def untouched(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


async def test_payloads_stay_text_in_every_format(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, trap: tuple[socket.socket, int]
) -> None:
    server, port = trap
    fetch_me = [f'<img src="http://127.0.0.1:{port}/x">', f'<div style="background:url(http://127.0.0.1:{port}/b)">']
    room = Scenario(coach_client, workshop)
    await room.step(COLLECT)
    payloads = FORMULAS + MARKUP + fetch_me
    for index, text in enumerate(payloads):  # one guest per card: a person's burst is five cards
        room.guests.append(await join(coach_client, workshop.code, f"Gast {index + 1}", "jugendliche"))
        room.ideas.append(await room.post(index, text))
    await room.step(CLUSTER)
    await room.ok(type="create_cluster", name="=1+1")
    cluster = (await room.results())["clusters"][0]["id"]
    await room.ok(type="move_idea", idea_id=room.ideas[0], cluster_id=cluster)
    body = {
        "title": "@Projekt <b>fett</b>",
        "description": "-Beschreibung <script>alert(2)</script>",
        "idea_ids": [room.ideas[0]],
        "next_steps": [{"text": '=WEBSERVICE("http://evil.example")', "due_on": "2027-01-15"}],
    }
    created = await coach_client.post(f"{room.base}/project-ideas", json=body, headers=SAME_ORIGIN)
    assert created.status_code == 201, created.text

    rows = csv_rows((await room.export("csv")).content)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]
    for text in FORMULAS:
        assert "'" + text in cells
    assert "'=1+1" in cells and "'@Projekt <b>fett</b>" in cells

    xlsx = (await room.export("xlsx")).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets)  # no formula anywhere
    book = load_workbook(io.BytesIO(xlsx))
    values = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.value for c in values if c.value.startswith(FORMULA_START)]
    assert {c.data_type for c in values} == {"s"}
    texts = {c.value for c in values}
    assert {"'" + text for text in FORMULAS} <= texts and "'=1+1" in texts
    assert any("'=WEBSERVICE" in t for t in texts)

    markdown = (await room.export("md")).text
    html = MarkdownIt("gfm-like", {"html": True, "linkify": False}).render(markdown)
    for tag in ("<script", "<img", "<div", "<b>", 'href="http://evil', "<code>", "<strong>fett"):
        assert tag not in html, tag
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html

    doc = Document(io.BytesIO((await room.export("docx")).content))
    everything = "\n".join(
        [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    )
    for text in payloads:
        assert text in everything

    pdf = pdf_text((await room.export("pdf")).content)
    for text in (MARKUP[0], fetch_me[0], "@Projekt <b>fett</b>", "<script>alert(2)</script>"):
        assert text in pdf.replace("\n", " ")
    assert untouched(server)

    data = (await room.export("json")).json()
    assert {i["text"] for i in data["ideas"]} == set(payloads)


def _data(texts: list[str]) -> ExportData:
    return ExportData(
        generated_at=datetime.now(UTC),
        workshop_id="w",
        title="=Titel",
        town="Zschopau",
        network="Netz",
        format="ideen-werkstatt",
        format_label="Ideen-Werkstatt",
        state="closed",
        ideas=[ExportIdea(id=str(n), number=n, text=t, project_idea_ids=["p"]) for n, t in enumerate(texts, 1)],
        project_ideas=[
            ExportProjectIdea(
                id="p", title="\tTab", status="idee", status_label="Idee", next_steps=[NextStepItem(text="\rCR")]
            )
        ],
    )


def test_tab_and_cr_starts_are_neutralised_too() -> None:
    """The board refuses leading tabs and CRs; text from elsewhere (a future import) might not."""
    assert [neutralise(v) for v in ("\t=1", "\r=1", "=1", "Markt", "")] == ["'\t=1", "'\r=1", "'=1", "Markt", ""]
    rows = csv_rows(render_csv(_data(["\t=cmd", "\rx", "normal"])))
    assert [row[2] for row in rows[1:]] == ["'\t=cmd", "'\rx", "normal"]
    assert rows[1][7] == "'\tTab"
    book = load_workbook(io.BytesIO(render_xlsx(_data(["\t=cmd"]))))
    assert book["Ideen"]["D2"].value == "'\t=cmd"
    assert book["Projektideen"]["A2"].value == "'\tTab" and book["Projektideen"]["F2"].value.startswith("'")


def test_markdown_escaping_keeps_block_markers_as_text() -> None:
    for text in ("- Liste", "1. Nummer", "# Titel", "> Zitat", "+ plus", "=== ", "a\n# b"):
        html = MarkdownIt("commonmark", {"html": True}).render(md(text))
        assert html.startswith("<p>") and html.count("<") == 2, (text, html)


def test_the_pdf_fetches_nothing_even_for_real_markup(trap: tuple[socket.socket, int]) -> None:
    """Defence in depth: markup that did reach the HTML (it cannot: autoescape) still loads nothing."""
    server, port = trap
    fetcher = RefusingFetcher()
    html = (
        f'<p>Text</p><img src="http://127.0.0.1:{port}/x.png"><img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">'
    )
    css = f'@import url("http://127.0.0.1:{port}/b.css"); body {{ background: url(http://127.0.0.1:{port}/c.png); }}'
    assert html_to_pdf(html, css, fetcher).startswith(b"%PDF-")
    assert f"http://127.0.0.1:{port}/x.png" in fetcher.asked and "file:///etc/passwd" in fetcher.asked
    assert any(url.endswith("/c.png") for url in fetcher.asked)
    assert untouched(server)


def test_user_text_never_reaches_the_fetcher() -> None:
    fetcher = RefusingFetcher()
    pdf = render_pdf(_data(['<img src="http://127.0.0.1:9/x">', "url(http://127.0.0.1:9/y)"]), url_fetcher=fetcher)
    assert fetcher.asked == []
    assert '<img src="http://127.0.0.1:9/x">' in pdf_text(pdf)


async def test_an_empty_workshop_exports_in_every_format(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    room = Scenario(coach_client, workshop)
    files = {fmt: (await room.export(fmt)).content for fmt in ("pdf", "docx", "xlsx", "csv", "md", "json")}
    assert all(files.values())
    assert "Keine Karten." in pdf_text(files["pdf"]) and "Keine Karten." in files["md"].decode()
