"""Each format of a realistic workshop, read back: ranks with the tie, dots, matrix scores, clusters, the
project idea with its Kernteam owner, German status label and next steps, participation by target group."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import unquote

from docx import Document
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from tests.export.conftest import (
    BLIND_TEXT,
    GUESTS,
    IDEAS,
    Scenario,
    as_text,
    csv_rows,
    docx_tables,
    docx_text,
    pdf_text,
    xlsx_sheets,
)
from werkstatt.network.models import Account

BANK, MARKT, LEERSTAND, RAD, KINDER = IDEAS


def _no_guest_names(text: str) -> None:
    for name, _group in GUESTS:
        assert name not in text, f"guest name {name!r} in an export"


async def _json(scenario: Scenario) -> None:
    response = await scenario.export("json")
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    ideas = {i["text"]: i for i in data["ideas"]}
    api = await scenario.results()
    for idea in api["ideas"]:  # same field names and values as GET …/results
        mine = next(i for i in data["ideas"] if i["id"] == idea["id"])
        assert {k: mine[k] for k in ("id", "text", "cluster_id", "votes", "score_x", "score_y", "rank")} == {
            k: idea[k] for k in ("id", "text", "cluster_id", "votes", "score_x", "score_y", "rank")
        }
    assert (ideas[BANK]["votes"], ideas[BANK]["rank"], ideas[BANK]["tie"]) == (3, 1, True)
    assert (ideas[MARKT]["votes"], ideas[MARKT]["rank"], ideas[MARKT]["tie"]) == (3, 1, True)
    assert (ideas[LEERSTAND]["votes"], ideas[LEERSTAND]["rank"], ideas[LEERSTAND]["tie"]) == (1, 3, False)
    assert ideas[RAD]["rank"] == ideas[KINDER]["rank"] == 4
    assert (ideas[MARKT]["score_x"], ideas[MARKT]["score_y"]) == (2.5, 4.5)
    assert ideas[MARKT]["cluster"] == "Handel" and ideas[KINDER]["cluster"] == "Aufenthalt"
    assert ideas[BLIND_TEXT]["votes"] == 0  # the blind step was revealed
    assert [c["name"] for c in data["clusters"]] == ["Aufenthalt", "Handel"]
    [project] = data["project_ideas"]
    assert {"id", "title", "owner_id", "status", "focus_topic_ids"} <= set(project)
    assert (project["title"], project["owner_name"], project["status"], project["status_label"]) == (
        "Abendmarkt im Sommer",
        "Kernteam Annaberg-Buchholz",
        "ausgewaehlt",
        "ausgewählt",
    )
    assert [(s["text"], s["due_on"]) for s in project["next_steps"]] == [
        ("Marktamt fragen", "2027-01-15"),
        ("Händler ansprechen", "2027-02-01"),
    ]
    assert project["cards"] == [{"idea_id": scenario.ideas[1], "text": MARKT, "votes": 3}]
    assert ideas[MARKT]["project_idea_ids"] == [project["id"]]
    assert data["participation"] == [
        {"target_group": "Jugendliche", "count": 2},
        {"target_group": "Familien", "count": 1},
        {"target_group": "Senioren", "count": 1},
        {"target_group": None, "count": 1},
    ]
    assert (data["town"], data["title"], data["format_label"], data["moderation"]) == (
        "Annaberg-Buchholz",
        "Was wird aus dem Markt?",
        "Ideen-Werkstatt",
        "Claudia Coach",
    )
    assert data["date_label"] == "Samstag, 14. März 2026, 10:00"
    assert [(s["title"], s["mechanic_label"], s["method_name"]) for s in data["agenda"]][3:5] == [
        ("Punkten", "Punkten", None),
        ("Aufwand und Nutzen", "Bewertungsmatrix", "Aufwand-Nutzen-Matrix"),
    ]
    assert data["method_ratings"] == [
        {
            "method_slug": "aufwand-nutzen-matrix",
            "method_name": "Aufwand-Nutzen-Matrix",
            "stars": 4,
            "note": "Lief gut.",
        }
    ]
    assert data["hidden"] is False and data["blind_cards"] == 0
    _no_guest_names(response.text)


async def _csv(scenario: Scenario) -> None:
    response = await scenario.export("csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert b"\r\n" in response.content
    rows = csv_rows(response.content)
    assert rows[0] == ["Rang", "Gleichauf", "Idee", "Cluster", "Punkte", "Aufwand (Ø)", "Nutzen (Ø)", "Projektidee"]
    by_text = {row[2]: row for row in rows[1:]}
    assert len(rows) == 1 + len(IDEAS) + 1
    assert by_text[MARKT] == ["1", "ja", MARKT, "Handel", "3", "2,50", "4,50", "Abendmarkt im Sommer"]
    assert by_text[BANK][:5] == ["1", "ja", BANK, "Aufenthalt", "3"]
    assert by_text[LEERSTAND][:5] == ["3", "", LEERSTAND, "Handel", "1"]
    assert [row[0] for row in rows[1:]] == ["1", "1", "3", "4", "4", "4"]  # ranked order, ties share a rank
    _no_guest_names(response.content.decode("utf-8-sig"))


async def _xlsx(scenario: Scenario) -> None:
    response = await scenario.export("xlsx")
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheets = xlsx_sheets(response.content)
    assert list(sheets)[:3] == ["Ideen", "Projektideen", "Beteiligung"]
    ideas = sheets["Ideen"]
    assert ideas[0][:6] == ["Nr.", "Rang", "Gleichauf", "Idee", "Cluster", "Punkte"]
    row = next(r for r in ideas if r[3] == MARKT)
    assert row[1:9] == [1, "ja", MARKT, "Handel", 3, 2.5, 4.5, "Abendmarkt im Sommer"]
    projects = sheets["Projektideen"]
    assert projects[1][:3] == ["Abendmarkt im Sommer", "ausgewählt", "Kernteam Annaberg-Buchholz"]
    assert projects[1][5] == "Marktamt fragen (bis 15.01.2027)\nHändler ansprechen (bis 01.02.2027)"
    assert sheets["Beteiligung"] == [
        ["Zielgruppe", "Personen"],
        ["Jugendliche", 2],
        ["Familien", 1],
        ["Senioren", 1],
        ["ohne Angabe", 1],
        ["Zusammen", 5],
    ]
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(response.content))
    assert book["Ideen"].auto_filter.ref == "A1:I7"
    assert book["Ideen"].freeze_panes == "A2"
    assert book["Ideen"]["A1"].font.b is True
    assert book["Ideen"].column_dimensions["D"].width > 40
    assert sheets["Matrix"][0][0] == "Die Zahlen an den Punkten sind die Nr. im Blatt Ideen."
    with zipfile.ZipFile(BytesIO(response.content)) as archive:  # openpyxl does not read charts back
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "<c:scatterChart>" in chart
    assert "Ideen!$G$2:$G$7" in chart and "Ideen!$H$2:$H$7" in chart  # x = Aufwand, y = Nutzen averages
    assert "Aufwand (Ø)" in chart and "Nutzen (Ø)" in chart
    assert chart.count("Ideen'!$A$") == 6, "every point labelled with its Nr."
    assert chart.count('<c:crossesAt val="3.0"/>') == 2, "the axes cross in the middle of the 1–5 scale"
    _no_guest_names(as_text("xlsx", response.content))


async def _docx(scenario: Scenario) -> None:
    response = await scenario.export("docx")
    assert response.headers["content-type"].endswith("wordprocessingml.document")
    text = docx_text(response.content)
    for heading in ("Ergebnisprotokoll", "Ideen nach Rang", "Projektideen", "Beteiligung nach Zielgruppe", "Ablauf"):
        assert heading in text
    assert "Was wird aus dem Markt?" in text and "Annaberg-Buchholz" in text
    tables = docx_tables(response.content)
    ranking = next(t for t in tables if t[0][:5] == ["Nr.", "Rang", "Idee", "Cluster", "Punkte"])
    row = next(r for r in ranking if r[2].startswith(MARKT))
    assert row[1] == "1. =" and row[4] == "3" and row[5:] == ["2,5", "4,5"]
    assert "→ Projektidee: Abendmarkt im Sommer" in row[2]
    assert [r[0] for r in ranking[1:]] == [str(n) for n in range(1, len(ranking))]  # the matrix's labels
    assert "Bewertungsmatrix: Nutzen × Aufwand" in text
    [picture] = Document(io.BytesIO(response.content)).inline_shapes
    description = picture._inline.docPr.get("descr")
    assert description.startswith("Bewertungsmatrix: Nutzen × Aufwand.") and "Nummern" in description
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        [png_name] = [name for name in archive.namelist() if name.startswith("word/media/")]
        image = Image.open(io.BytesIO(archive.read(png_name)))
    assert image.format == "PNG" and image.size == (1500, 1560)  # 3 × the SVG's 500 × 520, sharp in print
    steps = next(t for t in tables if t[0] == ["Nr.", "Schritt", "fällig am", "Stand"])
    assert steps[1:] == [
        ["1", "Marktamt fragen", "15.01.2027", "offen"],
        ["2", "Händler ansprechen", "01.02.2027", "offen"],
    ]
    assert "Status: ausgewählt" in text and "Verantwortlich: Kernteam Annaberg-Buchholz" in text
    participation = next(t for t in tables if t[0] == ["Zielgruppe", "Personen"])
    assert participation[-1] == ["Zusammen", "5"]
    _no_guest_names(as_text("docx", response.content))


async def _pdf(scenario: Scenario) -> None:
    response = await scenario.export("pdf")
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(
        'attachment; filename="werkstatt-annaberg-buchholz-2026-03-14-was-wird-aus-dem-markt.pdf"'
    )
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == (
        "werkstatt-annaberg-buchholz-2026-03-14-was-wird-aus-dem-markt.pdf"
    )
    text = pdf_text(response.content)
    assert PdfReader(io.BytesIO(response.content)).metadata.title == "Ergebnisprotokoll: Was wird aus dem Markt?"
    for expected in (
        "ERGEBNISPROTOKOLL",
        "Was wird aus dem Markt?",
        "Ideen nach Rang",
        "Projektideen",
        "Beteiligung nach Zielgruppe",
        "Abendmarkt im Sommer",
        "ausgewählt",
        "Kernteam Annaberg-Buchholz",
        "Marktamt fragen",
        "15.01.2027",
        "Aufwand-Nutzen-Matrix",
        "Seite 1 von",
    ):
        assert expected in text, expected
    assert "1. =" in text
    _no_guest_names(text)


async def _md(scenario: Scenario) -> None:
    response = await scenario.export("md")
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    text = response.text
    assert text.startswith("# Ergebnisprotokoll: Was wird aus dem Markt?")
    assert "## Ideen nach Rang" in text and "## Projektideen" in text and "## Beteiligung nach Zielgruppe" in text
    assert "| 2 | 1. = | Wochenmarkt am Abend | Handel | 3 | 2,5 | 4,5 | Abendmarkt im Sommer |" in text
    assert "| 3 | 3. | Leerstand bespielen | Handel | 1 | 5,0 | 2,0 |   |" in text
    assert "- **Status:** ausgewählt" in text
    assert "- **Verantwortlich:** Kernteam Annaberg-Buchholz" in text
    assert "- [ ] Marktamt fragen (bis 15.01.2027)" in text
    assert "| Jugendliche | 2 |" in text
    _no_guest_names(text)


async def _english(scenario: Scenario, db: AsyncSession) -> None:
    """Documents follow the coach's language (German by default)."""
    account = await db.get(Account, scenario.workshop.coach.id)
    assert account is not None
    account.locale = "en"
    await db.commit()
    text = (await scenario.export("md")).text
    assert text.startswith("# Results report: Was wird aus dem Markt?")
    assert "## Ideas by rank" in text and "- **Status:** selected" in text and "(by 2027-01-15)" in text
    rows = (await scenario.export("csv")).content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Rank,Tied,Idea,") and any(",2.50,4.50," in row for row in rows)
    assert "Page 1 of" in pdf_text((await scenario.export("pdf")).content)


async def test_every_format_reads_back(scenario: Scenario, db: AsyncSession) -> None:
    """One workshop, six files, then in English (building the workshop is the slow part)."""
    for check in (_json, _csv, _xlsx, _docx, _pdf, _md):
        await check(scenario)
    await _english(scenario, db)
