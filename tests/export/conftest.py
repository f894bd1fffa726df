"""A realistic workshop for the exports: collect, a blind step, clusters, a hidden dot vote, a rating matrix,
a project idea owned by the Kernteam with next steps; and readers that turn each format back into text."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from docx import Document
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, coach_client, join
from tests.factories import make_account, make_network
from tests.voting.conftest import SAME_ORIGIN, Room
from werkstatt.catalogue.loader import Loaded
from werkstatt.catalogue.models import Method, MethodRating
from werkstatt.catalogue.service import sync_methods
from werkstatt.network.models import KernteamMember, Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.methods_source import shipped_cards
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

__all__ = ["Scenario", "coach_client", "scenario", "workshop"]

COLLECT, BLIND, CLUSTER, VOTE, MATRIX = 0, 1, 2, 3, 4
METHOD = "aufwand-nutzen-matrix"
AGENDA = [
    {"title": "Was fehlt am Markt?", "minutes": 20, "board": {"mechanic": "collect"}},
    {"title": "Verdeckt sammeln", "minutes": 10, "board": {"mechanic": "collect", "config": {"blind": True}}},
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
    {
        "title": "Punkten",
        "minutes": 10,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 2, "hidden": True}},
    },
    {
        "method_slug": METHOD,
        "title": "Aufwand und Nutzen",
        "minutes": 15,
        "board": {"mechanic": "rate_matrix", "config": {"x_label": "Aufwand", "y_label": "Nutzen", "scale": 5}},
    },
    {"title": "Wie geht es weiter?", "minutes": 15, "board": {"mechanic": "discuss"}},
]
# Guests' names must never reach an export: they are chosen so that a search for them cannot hit anything else.
GUESTS = [
    ("Xaverius", "jugendliche"),
    ("Yolanda", "senioren"),
    ("Quirinus", "jugendliche"),
    ("Wilhelmine", "familien"),
    ("Zacharias", None),
]
IDEAS = ["Mehr Bänke am Markt", "Wochenmarkt am Abend", "Leerstand bespielen", "Radbügel am Rathaus", "Kinderecke"]
BLIND_TEXT = "Verdeckte Karte: Parkhaus-Dach als Kino"


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db, towns=("Annaberg-Buchholz", "Zschopau"))
    account = await make_account(db, Role.coach, network.network)
    account.display_name = "Claudia Coach"
    await db.commit()
    card = shipped_cards()[METHOD]
    await sync_methods(db, Loaded(cards={METHOD: (f"{METHOD}.yaml", card)}))
    data = WorkshopCreate.model_validate(
        {
            "town_id": str(network.towns[0].id),
            "title": "Was wird aus dem Markt?",
            "starts_at": "2026-03-14T09:00:00Z",
            "place": "Rathaus, Ratssaal",
            "focus_topic_ids": [str(network.topics[0].id)],
            "target_groups": ["jugendliche", "senioren"],
            "agenda": AGENDA,
        }
    )
    planned = await create_workshop(db, account_snapshot(account), data)
    await db.commit()
    return LiveWorkshop(
        str(planned.id), planned.join_code, account_snapshot(account), str(network.network.id), str(network.towns[0].id)
    )


@dataclass
class Scenario(Room):
    blind: list[str] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)
    project: dict[str, Any] = field(default_factory=dict)

    async def post(self, guest: int, text: str) -> str:
        posted = await as_guest(
            self.client, "POST", f"{self.base}/ideas", self.guests[guest]["token"], json={"text": text}
        )
        assert posted.status_code == 201, posted.text
        return str(posted.json()["id"])

    async def ok(self, **body: Any) -> None:
        response = await self.command(**body)
        assert response.status_code == 200, response.text

    async def export(self, fmt: str, **headers: str) -> Any:
        response = await self.client.get(f"{self.base}/export", params={"format": fmt}, headers=headers)
        assert response.status_code == 200, response.text
        return response


async def build(
    client: AsyncTestClient[Any],
    workshop: LiveWorkshop,
    db: AsyncSession,
    *,
    reveal_blind: bool = True,
    reveal_votes: bool = True,
    hide: str | None = None,
) -> Scenario:
    """Five guests, five cards (+ one blind), two clusters, dots (A 3, B 3, C 1: a tie on rank 1), matrix
    ratings, a project idea from card B owned by the Kernteam with two next steps, status "ausgewählt"."""
    room = Scenario(client, workshop)
    await room.step(COLLECT)
    for name, group in GUESTS:
        room.guests.append(await join(client, workshop.code, name, group))
    for index, text in enumerate(IDEAS):
        room.ideas.append(await room.post(index, text))
    if hide:
        secret = await room.post(4, hide)
        await room.ok(type="hide_idea", idea_id=secret, reason="beleidigend")
    await room.step(BLIND)
    room.blind.append(await room.post(2, BLIND_TEXT))
    if reveal_blind:
        await room.ok(type="reveal")
    await room.step(CLUSTER)
    for name in ("Aufenthalt", "Handel"):
        await room.ok(type="create_cluster", name=name)
    found = await room.results()
    room.clusters = {c["name"]: c["id"] for c in found["clusters"]}
    for idea, cluster in ((0, "Aufenthalt"), (4, "Aufenthalt"), (1, "Handel"), (2, "Handel")):
        await room.ok(type="move_idea", idea_id=room.ideas[idea], cluster_id=room.clusters[cluster])
    await room.step(VOTE)
    a, b, c = room.ideas[0], room.ideas[1], room.ideas[2]
    for guest, idea in ((0, a), (0, a), (0, b), (1, b), (1, b), (2, a), (3, c)):
        voted = await room.vote(guest, idea)
        assert voted.status_code == 201, voted.text
    if reveal_votes:
        revealed = await client.post(f"{room.base}/votes/reveal", headers=SAME_ORIGIN)
        assert revealed.status_code == 200, revealed.text
    await room.step(MATRIX)
    for guest, idea, x, y in ((0, b, 2, 5), (1, b, 3, 4), (0, a, 1, 4), (2, c, 5, 2)):
        rated = await room.vote(guest, idea, score_x=x, score_y=y)
        assert rated.status_code == 201, rated.text
    member = (
        (await db.execute(select(KernteamMember).where(KernteamMember.town_id == UUID(workshop.town_id))))
        .scalars()
        .one()
    )
    body = {
        "title": "Abendmarkt im Sommer",
        "description": "Freitags bis 22 Uhr, mit Musik.",
        "idea_ids": [b],
        "focus_topic_ids": [],
        "owner_id": str(member.id),
        "next_steps": [
            {"text": "Marktamt fragen", "due_on": "2027-01-15"},
            {"text": "Händler ansprechen", "due_on": "2027-02-01"},
        ],
    }
    created = await client.post(f"{room.base}/project-ideas", json=body, headers=SAME_ORIGIN)
    assert created.status_code == 201, created.text
    room.project = created.json()
    moved = await client.patch(
        f"/api/project-ideas/{room.project['id']}", json={"status": "ausgewaehlt"}, headers=SAME_ORIGIN
    )
    assert moved.status_code == 200, moved.text
    method = (await db.execute(select(Method).where(Method.slug == METHOD))).scalars().one()
    db.add(MethodRating(method_id=method.id, workshop_id=UUID(workshop.id), stars=4, note="Lief gut.", author_name="C"))
    await db.commit()
    return room


@pytest.fixture
async def scenario(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession) -> Scenario:
    return await build(coach_client, workshop, db)


# --- reading the formats back ------------------------------------------------------------------------------


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so that Excel reads umlauts"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_sheets(body: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(body))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    parts += [p.text for section in doc.sections for p in section.header.paragraphs]
    return "\n".join(parts)


def docx_tables(body: bytes) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(body))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]


def pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF-")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def zip_xml(body: bytes) -> str:
    """Every XML part of a DOCX/XLSX, decoded: what a secret could hide in besides the visible cells."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))


def as_text(fmt: str, body: bytes) -> str:
    """Everything a person or a program could read out of the file."""
    if fmt == "pdf":
        return pdf_text(body)
    if fmt == "docx":
        return docx_text(body) + "\n" + zip_xml(body)
    if fmt == "xlsx":
        cells = "\n".join(str(v) for rows in xlsx_sheets(body).values() for row in rows for v in row if v is not None)
        return cells + "\n" + zip_xml(body)
    if fmt == "json":
        return json.dumps(json.loads(body), ensure_ascii=False)
    return body.decode("utf-8-sig")
