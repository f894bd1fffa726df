"""A protocol the town council reads first: the PDF and DOCX open with the result (top ideas, project ideas with
owners and next steps, participation by target group) and put the agenda at the end; the operator's or town's
logo (WERKSTATT_LOGO_FILE) heads both, and never travels in the JSON file."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

from docx import Document
from pypdf import PdfReader

from tests.export.conftest import docx_text, pdf_text
from werkstatt.export.jsonfile import render_json
from werkstatt.export.model import (
    AgendaItem,
    ExportData,
    ExportIdea,
    ExportProjectIdea,
    NextStepItem,
    ParticipationRow,
)
from werkstatt.export.pdf import render_pdf
from werkstatt.export.word import render_docx
from werkstatt.logo import logo
from werkstatt.settings import Settings


def png(width: int = 40, height: int = 20) -> bytes:
    """A small valid PNG (solid blue), written by hand: no image library needed."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x0b\x5c\xad" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def protocol(with_logo: bool = False) -> ExportData:
    agenda = [
        AgendaItem(position=i, title=f"Schritt {i + 1}", minutes=10, mechanic="collect", mechanic_label="Sammeln")
        for i in range(12)
    ]
    ideas = [ExportIdea(id=str(i), number=i, text=f"Idee Nummer {i}", votes=20 - i, rank=i) for i in range(1, 31)]
    return ExportData(
        generated_at=datetime.now(UTC),
        workshop_id="w",
        title="Ideen für den Markt",
        town="Zschopau",
        network="Netz",
        format="ideen-werkstatt",
        format_label="Ideen-Werkstatt",
        state="closed",
        agenda=agenda,
        ideas=ideas,
        project_ideas=[
            ExportProjectIdea(
                id="p",
                title="Sitzbänke am Markt",
                owner_name="Petra Schubert",
                status="selected",
                status_label="ausgewählt",
                next_steps=[NextStepItem(text="Standorte mit dem Bauamt klären", due_on=date(2031, 5, 1))],
            )
        ],
        participation=[
            ParticipationRow(target_group="Senioren", count=7),
            ParticipationRow(target_group=None, count=3),
        ],
        logo=(png(), "image/png") if with_logo else None,
    )


def order_of(text: str, *headings: str) -> list[int]:
    return [text.index(heading) for heading in headings]


def test_the_pdf_opens_with_the_result_and_ends_with_the_agenda() -> None:
    body = render_pdf(protocol())
    pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages]
    first = pages[0]
    for expected in ("Top-Ideen", "Idee Nummer 1", "Sitzbänke am Markt", "Petra Schubert", "Standorte mit dem Bauamt"):
        assert expected in first, f"{expected!r} not on page 1"
    assert "Beteiligung nach Zielgruppe" in first
    text = pdf_text(body)
    positions = order_of(
        text, "Top-Ideen", "Projektideen", "Beteiligung nach Zielgruppe", "Ideen nach Rang", "Ablauf der Werkstatt"
    )
    assert positions == sorted(positions)
    assert "Idee Nummer 6" not in first.split("Projektideen")[0], "five top ideas, not all of them"


def test_the_docx_opens_with_the_result_and_ends_with_the_agenda() -> None:
    text = docx_text(render_docx(protocol()))
    paragraphs = [p.text for p in Document(io.BytesIO(render_docx(protocol()))).paragraphs]
    headings = ["Top-Ideen", "Projektideen", "Beteiligung nach Zielgruppe", "Ideen nach Rang", "Ablauf der Werkstatt"]
    positions = [paragraphs.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert paragraphs[positions[0] + 1 : positions[0] + 6] == [
        f"Nr. {i} – Idee Nummer {i} ({20 - i} Punkte)" for i in range(1, 6)
    ]
    assert "Petra Schubert" in text


def test_the_logo_heads_pdf_and_docx_but_not_the_json(tmp_path: Path) -> None:
    data = protocol(with_logo=True)
    reader = PdfReader(io.BytesIO(render_pdf(data)))
    assert len(reader.pages[0].images) == 1
    doc = Document(io.BytesIO(render_docx(data)))
    assert len(doc.inline_shapes) == 1
    assert "logo" not in json.loads(render_json(data))
    assert len(reader.pages[0].images) == 1

    settings = Settings(data_dir=tmp_path, secret_key="x" * 40)
    assert logo(settings) is None
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "logo.png").write_bytes(png())
    found = logo(settings)
    assert found is not None and found[1] == "image/png"
    (tmp_path / "content" / "logo.png").write_bytes(b"<svg onload=alert(1)>")
    assert logo(settings) is None, "only PNG or JPEG"
