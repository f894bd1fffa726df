"""Exports show what the room has seen, never more: no moderation-hidden card, no unrevealed blind card, no dots
of an unrevealed hidden vote step (nor dots remembered on a project idea's cards), no names of guests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop
from tests.export.conftest import (
    BLIND_TEXT,
    GUESTS,
    IDEAS,
    as_text,
    build,
    csv_rows,
    docx_tables,
    pdf_text,
    xlsx_sheets,
)

HIDDEN_TEXT = "Zensurwort: beleidigender Beitrag"
FORMATS = ("json", "csv", "xlsx", "docx", "pdf", "md")


@pytest.fixture
async def secrets(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession) -> Any:
    room = await build(coach_client, workshop, db, reveal_blind=False, reveal_votes=False, hide=HIDDEN_TEXT)
    coach_view = await room.results()
    coach_board = await coach_client.get(f"/api/workshops/{workshop.id}/ideas")
    assert any(i["text"] == HIDDEN_TEXT for i in coach_board.json())  # the coach sees all of it on the board …
    assert not any(i["text"] == HIDDEN_TEXT for i in coach_view["ideas"]), "a hidden card counts in no result"
    assert any(i["text"] == BLIND_TEXT for i in coach_view["ideas"])
    assert {i["votes"] for i in coach_view["ideas"]} >= {3, 1}
    return room


async def test_no_export_holds_a_secret(secrets: Any) -> None:
    files = {fmt: (await secrets.export(fmt)).content for fmt in FORMATS}  # … the exports do not
    for fmt, body in files.items():
        text = as_text(fmt, body)
        assert IDEAS[1] in text, fmt  # the export is not simply empty
        for secret in (HIDDEN_TEXT, "Zensurwort", "beleidigend", BLIND_TEXT, "Parkhaus", *(n for n, _ in GUESTS)):
            assert secret not in text, f"{secret!r} in {fmt}"
            assert secret.encode() not in body, f"{secret!r} in the bytes of {fmt}"

    data = json.loads(files["json"])
    assert data["hidden"] is True and data["blind_cards"] == 1
    assert {i["votes"] for i in data["ideas"]} == {None}
    [project] = data["project_ideas"]
    assert project["cards"] == [{"idea_id": secrets.ideas[1], "text": IDEAS[1], "votes": None}]
    # Without dots, the visible matrix ranks: a rank from the hidden dots would put Bänke and Wochenmarkt first.
    ranks = {i["text"]: i["rank"] for i in data["ideas"]}
    assert ranks[IDEAS[0]] == 1 and ranks[IDEAS[1]] == 2 and ranks[IDEAS[2]] == 3

    assert [row[4] for row in csv_rows(files["csv"])[1:]] == [""] * len(IDEAS)
    assert {row[5] for row in xlsx_sheets(files["xlsx"])["Ideen"][1:] if row[3] in IDEAS} == {None}
    ranking = next(t for t in docx_tables(files["docx"]) if t[0][:5] == ["Nr.", "Rang", "Idee", "Cluster", "Punkte"])
    assert {row[4] for row in ranking[1:]} == {"–"}
    pdf = pdf_text(files["pdf"])
    assert "Die Punkte sind noch verdeckt" in pdf and "Noch verdeckte Karten, hier nicht enthalten: 1" in pdf
    assert "Punkte)" not in pdf  # no "(3 Punkte)" behind a project idea's card
    md_rows = [line for line in files["md"].decode().splitlines() if line.startswith("| ") and "Aufenthalt" in line]
    assert md_rows and all(line.split(" | ")[4] == "–" for line in md_rows)
