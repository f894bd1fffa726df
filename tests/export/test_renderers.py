"""The pure renderers on hand-made data: columns that would stay empty are left out of the documents (not of
CSV and XLSX, whose columns programs rely on), and file names are ASCII with a UTF-8 twin."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from urllib.parse import unquote

from pypdf import PdfReader

from tests.export.conftest import csv_rows, docx_tables, pdf_text
from werkstatt.export.markdown import render_md
from werkstatt.export.model import ExportData, ExportIdea
from werkstatt.export.pdf import render_pdf
from werkstatt.export.spreadsheet import render_csv
from werkstatt.export.text import content_disposition, filenames
from werkstatt.export.word import render_docx


def _plain() -> ExportData:
    return ExportData(
        generated_at=datetime.now(UTC),
        workshop_id="w",
        title="Bänke für den Markt?",
        town="Zschopau",
        network="Netz",
        format="ideen-werkstatt",
        format_label="Ideen-Werkstatt",
        state="closed",
        ideas=[
            ExportIdea(id="a", number=1, text="Mehr Bänke", votes=2, rank=1),
            ExportIdea(id="b", number=2, text="Radbügel", votes=0, rank=2),
        ],
    )


def test_documents_without_clusters_or_matrix_have_no_empty_columns() -> None:
    data = _plain()
    assert "| Nr. | Rang | Idee | Punkte | Projektidee |" in render_md(data).decode()
    [_meta, ranking] = docx_tables(render_docx(data))
    assert ranking[0] == ["Rang", "Idee", "Punkte"] and ranking[1] == ["1.", "Mehr Bänke", "2"]
    assert "Cluster" not in pdf_text(render_pdf(data))
    assert csv_rows(render_csv(data))[0][3] == "Cluster"  # CSV keeps its columns


def test_the_pdf_is_tagged_for_screen_readers() -> None:
    """PDF/UA-1 as WeasyPrint writes it: a structure tree, marked content, the language, the title shown."""
    reader = PdfReader(io.BytesIO(render_pdf(_plain())))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    assert catalog["/Lang"] == "de"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    assert reader.metadata is not None and reader.metadata.title == "Ergebnisprotokoll: Bänke für den Markt?"
    assert b"pdfuaid" in catalog["/Metadata"].get_data()


def test_file_names_are_ascii_with_a_utf8_twin() -> None:
    ascii_name, utf8_name = filenames("Königswalde/Ost", date(2026, 3, 14), 'Bänke "für" den Markt? Straße', "pdf")
    assert ascii_name == "werkstatt-koenigswalde-ost-2026-03-14-baenke-fuer-den-markt-strasse.pdf"
    header = content_disposition(ascii_name, utf8_name)
    assert header.startswith(f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''")
    assert unquote(header.split("''", 1)[1]) == "werkstatt-königswalde-ost-2026-03-14-bänke-für-den-markt-straße.pdf"
    assert header.isascii()
