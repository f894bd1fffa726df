"""Dot voting, ranking and the matrix on clusters: the cluster is the voted item, its cards are fixed when the
step starts (both databases)."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any
from uuid import UUID

import httpx
import pytest
from docx import Document
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, join
from tests.conftest import csrf_headers
from tests.factories import make_account, make_network
from tests.html import parse
from tests.voting.conftest import Room
from tests.waiting import until
from werkstatt.board.models import StepClusterCard
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.voting.models import Vote
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

COLLECT, CLUSTER, VOTE, RANK, MATRIX, CARD_VOTE = range(6)
AGENDA = [
    {"title": "Was stört Sie?", "minutes": 10, "board": {"mechanic": "collect"}},
    {"title": "Clustern", "minutes": 10, "board": {"mechanic": "cluster"}},
    {
        "title": "Cluster punkten",
        "minutes": 10,
        "board": {
            "mechanic": "vote",
            "config": {
                "cards": {"from": "clusters", "step": CLUSTER},
                "dots_per_person": 3,
                "max_per_item": 2,
                "hidden": False,
            },
        },
    },
    {"title": "Ergebnis", "minutes": 5, "board": {"mechanic": "rank"}},
    {
        "title": "Matrix",
        "minutes": 10,
        "board": {"mechanic": "rate_matrix", "config": {"cards": "clusters"}},
    },
    {
        "title": "Karten punkten",
        "minutes": 10,
        "board": {"mechanic": "vote", "config": {"cards": {"from": "step", "step": COLLECT}}},
    },
]
TEXTS = ["Zu wenig Bänke", "Kein Schatten", "Leerstand", "Läden schließen früh", "Kaum Radbügel"]


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    account = await make_account(db, Role.coach, network.network)
    coach = account_snapshot(account)
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Markt", "agenda": AGENDA})
    planned = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(planned.id), planned.join_code, coach, str(network.network.id), str(network.towns[0].id))


class ClusterRoom(Room):
    clusters: list[str]

    async def cluster_vote(self, guest: int, cluster: str, **scores: int) -> Any:
        url = f"{self.base}/votes"
        body = {"cluster_id": cluster, **scores}
        return await as_guest(self.client, "POST", url, self.guests[guest]["token"], json=body)

    async def move(self, idea: str, cluster: str | None) -> None:
        response = await self.command(type="move_idea", idea_id=idea, cluster_id=cluster)
        assert response.status_code == 200, response.text


@pytest.fixture
async def clustered(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> ClusterRoom:
    """Three guests, five cards; in the cluster step three clusters: "Aufenthalt" (2 cards), "Handel" (2 cards)
    and "Leer" (none); one card stays unsorted."""
    room = ClusterRoom(coach_client, workshop)
    await room.step(COLLECT)
    for name in ("Anna", "Bert", "Cem"):
        room.guests.append(await join(coach_client, workshop.code, name))
    for index, text in enumerate(TEXTS):
        url = f"{room.base}/ideas"
        posted = await as_guest(coach_client, "POST", url, room.guests[index % 3]["token"], json={"text": text})
        assert posted.status_code == 201, posted.text
        room.ideas.append(posted.json()["id"])
    await room.step(CLUSTER)
    for name in ("Aufenthalt", "Handel", "Leer"):
        assert (await room.command(type="create_cluster", name=name)).status_code == 200
    room.clusters = [c["id"] for c in (await room.results())["clusters"]]
    aufenthalt, handel, _leer = room.clusters
    for idea, cluster in zip(room.ideas[:4], (aufenthalt, aufenthalt, handel, handel), strict=True):
        await room.move(idea, cluster)
    return room


async def test_dots_on_clusters_count_with_budget_and_cap(clustered: ClusterRoom) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)
    first = await room.cluster_vote(0, aufenthalt)
    assert first.status_code == 201, first.text
    assert first.json()["cluster_id"] == aufenthalt and first.json()["idea_id"] is None
    assert first.json()["remaining"] == 2
    assert (await room.cluster_vote(0, aufenthalt)).status_code == 201
    capped = await room.cluster_vote(0, aufenthalt)
    assert capped.status_code == 409 and "höchstens 2 Punkte" in capped.json()["detail"]
    assert (await room.cluster_vote(0, handel)).status_code == 201
    spent = await room.cluster_vote(0, handel)
    assert spent.status_code == 409 and "alle 3 Punkte" in spent.json()["detail"]
    assert (await room.cluster_vote(1, handel)).status_code == 201
    results = await room.results()
    by_id = {c["id"]: c for c in results["clusters"]}
    assert by_id[aufenthalt]["votes"] == 2 and by_id[handel]["votes"] == 2
    assert [c["text"] for c in by_id[aufenthalt]["cards"]] == TEXTS[:2]
    assert {i["votes"] for i in results["ideas"]} == {0}, "dots on clusters are not dots on cards"
    steps = {s["step"]: s for s in results["steps"]}
    assert steps[VOTE]["cards"] == {"from": "clusters", "step": CLUSTER, "frozen_at": VOTE, "default": False}
    assert steps[VOTE]["items"] == [aufenthalt, handel], "the empty cluster is not offered"
    assert steps[RANK]["items"] == [aufenthalt, handel], "the rank step takes the vote's clusters"


async def test_refusals_card_in_cluster_step_empty_cluster_and_other_workshop(
    clustered: ClusterRoom, db: AsyncSession
) -> None:
    room = clustered
    _aufenthalt, _handel, leer = room.clusters
    await room.step(VOTE)
    card = await room.vote(0, room.ideas[0])
    assert card.status_code == 409 and "über Cluster" in card.json()["detail"]
    empty = await room.cluster_vote(0, leer)
    assert empty.status_code == 409
    assert empty.json()["detail"] == "Dieser Cluster steht in diesem Schritt nicht zur Wahl."
    unknown = await room.cluster_vote(0, "0190a000-0000-7000-8000-000000000000")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Diesen Cluster gibt es nicht."
    both = await as_guest(
        room.client,
        "POST",
        f"{room.base}/votes",
        room.guests[0]["token"],
        json={"idea_id": room.ideas[0], "cluster_id": leer},
    )
    assert both.status_code == 422
    assert int((await db.execute(select(func.count(Vote.id)))).scalar_one()) == 0


async def test_a_cluster_of_another_workshop_is_404(
    clustered: ClusterRoom, coach_client: AsyncTestClient[Any], db: AsyncSession
) -> None:
    room = clustered
    network = await make_network(db)
    account = await make_account(db, Role.coach, network.network)
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Andere", "agenda": AGENDA})
    other = await create_workshop(db, account_snapshot(account), data)
    from werkstatt.board.models import Cluster

    foreign = Cluster(workshop_id=other.id, name="Fremd", position=0)
    db.add(foreign)
    await db.commit()
    await room.step(VOTE)
    refused = await room.cluster_vote(0, str(foreign.id))
    assert refused.status_code == 404


async def test_cards_are_fixed_when_the_step_starts(clustered: ClusterRoom, db: AsyncSession) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)
    assert (await room.cluster_vote(0, aufenthalt)).status_code == 201
    await room.move(room.ideas[0], handel)  # moved after the start: the vote stays on what it was
    await room.move(room.ideas[4], aufenthalt)
    results = await room.results()
    by_id = {c["id"]: c for c in results["clusters"]}
    assert [c["text"] for c in by_id[aufenthalt]["cards"]] == TEXTS[:2]
    assert [c["text"] for c in by_id[handel]["cards"]] == TEXTS[2:4]
    assert by_id[aufenthalt]["votes"] == 1
    rows = await db.execute(select(StepClusterCard.idea_id).where(StepClusterCard.cluster_id == UUID(aufenthalt)))
    assert sorted(str(i) for i in rows.scalars()) == sorted(room.ideas[:2])


async def test_the_card_rules_decide_inside_a_cluster(clustered: ClusterRoom) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)
    assert (await room.cluster_vote(1, handel)).status_code == 201
    for idea in room.ideas[2:4]:
        assert (await room.command(type="hide_idea", idea_id=idea)).status_code == 200
    refused = await room.cluster_vote(0, handel)
    assert refused.status_code == 409, "a cluster whose cards are all hidden is no longer offered"
    steps = {s["step"]: s for s in (await room.results())["steps"]}
    assert steps[VOTE]["items"] == [aufenthalt]


async def test_parallel_votes_on_a_cluster_keep_budget_and_cap(clustered: ClusterRoom, db: AsyncSession) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)
    answers = await asyncio.gather(*(room.cluster_vote(0, aufenthalt) for _ in range(8)))
    assert sorted(a.status_code for a in answers).count(201) == 2
    await asyncio.gather(*(room.cluster_vote(0, (aufenthalt, handel)[i % 2]) for i in range(8)))
    mine = select(func.count(Vote.id)).where(Vote.participant_id == UUID(room.guests[0]["participant_id"]))
    assert int((await db.execute(mine)).scalar_one()) == 3


async def test_rank_and_matrix_show_clusters(clustered: ClusterRoom) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)
    for guest in range(3):
        assert (await room.cluster_vote(guest, handel)).status_code == 201
    assert (await room.cluster_vote(0, aufenthalt)).status_code == 201
    await room.step(RANK)
    panel = await as_guest(room.client, "GET", f"/w/{room.workshop.id}/stimmen", room.guests[1]["token"])
    page = parse(panel.text)
    assert [li.select_one(".ranking-text").get_text() for li in page.select(".ranking-item")] == [
        "Handel",
        "Aufenthalt",
    ]
    assert "Leerstand" in page.select_one(".ranking-item details").get_text(" ", strip=True)
    await room.step(MATRIX)
    rated = await room.cluster_vote(2, aufenthalt, score_x=2, score_y=5)
    assert rated.status_code == 201, rated.text
    again = await room.cluster_vote(2, aufenthalt, score_x=3, score_y=5)
    assert again.json()["id"] == rated.json()["id"], "a second rating replaces the first"
    by_id = {c["id"]: c for c in (await room.results())["clusters"]}
    assert by_id[aufenthalt]["score_x"] == 3.0 and by_id[aufenthalt]["score_y"] == 5.0
    panel = await as_guest(room.client, "GET", f"/w/{room.workshop.id}/stimmen", room.guests[2]["token"])
    page = parse(panel.text)
    assert page.select_one(f"#vote-item-{aufenthalt} input[name=cluster_id]") is not None
    await room.step(CARD_VOTE)
    assert (await room.vote(0, room.ideas[0])).status_code == 201, "a later card step votes on cards again"


async def test_vote_panel_lists_clusters_with_their_cards(clustered: ClusterRoom) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)
    assert (await room.cluster_vote(0, handel)).status_code == 201
    panel = await as_guest(room.client, "GET", f"/w/{room.workshop.id}/stimmen", room.guests[0]["token"])
    page = parse(panel.text)
    items = page.select(".vote-item")
    assert [li["id"] for li in items] == [f"vote-item-{aufenthalt}", f"vote-item-{handel}"]
    handel_item = page.select_one(f"#vote-item-{handel}")
    assert handel_item is not None
    assert handel_item.select_one("summary").get_text(strip=True) == "2 Karten"
    assert [li.get_text(" ", strip=True) for li in handel_item.select(".cluster-card-list li")] == [
        f"Nr. 3 {TEXTS[2]}",
        f"Nr. 4 {TEXTS[3]}",
    ]
    assert handel_item.select_one(f"#tally-{VOTE}-{handel} .vote-tally").get_text() == "1"
    assert handel_item.select_one("input[name=cluster_id]")["value"] == handel
    coach_cookies, room.client.cookies = room.client.cookies, httpx.Cookies()
    try:  # Dora votes in her browser (a cookie session, the panel's forms)
        headers = {**await csrf_headers(room.client), "HX-Request": "true"}
        await room.client.post(f"/beitreten/{room.workshop.code}", data={"display_name": "Dora"}, headers=headers)
        url = f"/w/{room.workshop.id}/stimmen"
        given = await room.client.post(f"{url}/", data={"cluster_id": handel}, headers=headers)
        assert given.status_code == 200, given.text
        assert parse(given.text).select_one(f"#vote-mine-{handel} .muted").get_text() == "1"
        taken = await room.client.post(f"{url}/zuruecknehmen", data={"cluster_id": handel}, headers=headers)
        assert taken.status_code == 200, taken.text
        assert parse(taken.text).select_one(f"#vote-mine-{handel} .muted").get_text() == "0"
    finally:
        room.client.cookies = coach_cookies


async def test_every_export_shows_the_clusters_result_with_their_cards(clustered: ClusterRoom) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)
    for guest in range(3):
        assert (await room.cluster_vote(guest, handel)).status_code == 201
    assert (await room.cluster_vote(0, aufenthalt)).status_code == 201
    await room.move(room.ideas[2], aufenthalt)  # after the start: the export shows what was voted on

    async def export(fmt: str) -> bytes:
        response = await room.client.get(f"{room.base}/export", params={"format": fmt})
        assert response.status_code == 200, response.text
        return bytes(response.content)

    heading = "1. Handel (2 Karten, 3 Punkte)"
    data = json.loads(await export("json"))
    first = data["clusters"][0]
    assert (first["name"], first["votes"], first["rank"]) == ("Handel", 3, 1)
    assert [card["text"] for card in first["cards"]] == TEXTS[2:4]
    markdown = (await export("md")).decode()
    assert f"Handel (2 Karten, 3 Punkte)**: {TEXTS[2]}; {TEXTS[3]}" in markdown
    csv_text = (await export("csv")).decode("utf-8-sig")
    assert f"Cluster „Handel“: {TEXTS[2]}; {TEXTS[3]}" in csv_text
    book = load_workbook(io.BytesIO(await export("xlsx")))
    rows = list(book["Cluster"].iter_rows(min_row=2, values_only=True))
    assert rows[0][:5] == (1, None, "Handel", f"{TEXTS[2]}\n{TEXTS[3]}", 3)
    document = Document(io.BytesIO(await export("docx")))
    assert any(p.text.startswith(heading) and TEXTS[3] in p.text for p in document.paragraphs)
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(await export("pdf"))).pages)
    assert "Handel (2 Karten, 3 Punkte)" in " ".join(pdf.split())


async def test_tally_push_counts_clusters_and_names_only_the_changed(clustered: ClusterRoom) -> None:
    room = clustered
    aufenthalt, handel, _leer = room.clusters
    await room.step(VOTE)

    async def tallies() -> list[dict[str, Any]]:
        return [e["data"] for e in await room.events() if e["type"] == "tally_updated"]

    assert (await room.cluster_vote(0, handel)).status_code == 201
    await until(lambda: _counted(tallies, {aufenthalt: 0, handel: 1}), what="the first cluster tally")
    assert (await room.cluster_vote(1, aufenthalt)).status_code == 201
    await until(lambda: _counted(tallies, {aufenthalt: 1, handel: 1}), what="the second cluster tally")
    assert (await tallies())[-1]["changed"] == [aufenthalt], "only the cluster whose count changed is redrawn"
    page = parse((await room.client.get(f"/w/{room.workshop.id}/ergebnis")).text)
    ranked = page.select("#result-clusters .ranking-item")
    assert [li.select_one(".ranking-text").get_text() for li in ranked][:2] == ["Aufenthalt", "Handel"]


async def _counted(tallies: Any, expected: dict[str, int]) -> bool:
    found = await tallies()
    return bool(found) and found[-1]["tallies"] == expected


def test_card_source_reads_clusters_and_the_planner_offers_them() -> None:
    from pydantic import ValidationError

    from werkstatt.board import step_cards
    from werkstatt.catalogue.schema import CardSource, VoteConfig
    from werkstatt.workshops.models import AgendaStep, Workshop

    assert CardSource.model_validate("clusters:1").model_dump() == {"from": "clusters", "step": 1}
    assert CardSource.model_validate({"from": "clusters"}).short == "clusters"
    with pytest.raises(ValidationError, match="Bei Clustern gibt es keine Anzahl"):
        VoteConfig.model_validate({"cards": {"from": "clusters", "n": 3}})
    steps = [
        AgendaStep(
            position=i,
            title=s["title"],
            mechanic=s["board"]["mechanic"],
            config=s["board"].get("config") or {},
            question="",
        )
        for i, s in enumerate(AGENDA)
    ]
    workshop = Workshop(steps=steps)
    offered = dict(step_cards.choices(workshop, steps[VOTE]))
    assert offered["clusters:1"] == "Cluster aus Schritt 2 „Clustern“" and "clusters" in offered
    rank = step_cards.chosen_cards(workshop, steps[RANK])
    assert (rank.kind, rank.frozen_at, rank.explicit) == ("clusters", VOTE, False), "a rank step takes the vote's"
    assert step_cards.chosen_cards(workshop, steps[MATRIX]).frozen_at == MATRIX
