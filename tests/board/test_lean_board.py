"""The lean board: others' blind cards as one line, columns that show their first cards with "weitere
anzeigen", and merging and moving through the page's one shared dialog (the per-card lists are gone)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, bearer, coach_client, join, start
from tests.board.test_page_size import add_cards
from tests.conftest import csrf_headers
from tests.factories import make_account, make_network
from tests.html import by_id, parse
from werkstatt.board import queries
from werkstatt.board.models import Cluster, Idea
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

__all__ = ["coach_client"]

AGENDA = [
    {"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect", "config": {"max_length": 280}}},
    {"title": "Verdeckt", "minutes": 10, "board": {"mechanic": "collect", "config": {"blind": True}}},
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "coach"}}},
]


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    network = await make_network(db)
    coach = account_snapshot(await make_account(db, Role.coach, network.network))
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Marktplatz", "agenda": AGENDA})
    created = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(created.id), created.join_code, coach, str(network.network.id), str(network.towns[0].id))


async def post_card(client: AsyncTestClient[Any], workshop: LiveWorkshop, token: str, text: str) -> str:
    response = await as_guest(client, "POST", f"/api/workshops/{workshop.id}/ideas", token, json={"text": text})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def card_texts(html: str) -> list[str]:
    return [p.get_text(strip=True) for p in parse(html).select("#board article.idea .idea-text")]


async def test_others_blind_cards_collapse_into_one_line(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop, 1)
    names = ("Anna", "Bernd", "Clara", "Dora", "Emil")
    people = {name: (await join(coach_client, workshop.code, name))["token"] for name in names}
    await post_card(coach_client, workshop, people["Anna"], "Trinkbrunnen am Markt")
    for n in range(12):  # three each: within one person's burst of five
        await post_card(coach_client, workshop, people[names[1 + n % 4]], f"Geheim {n}")
    board = f"/w/{workshop.id}"

    anna = (await as_guest(coach_client, "GET", board, people["Anna"])).text
    assert by_id(anna, "blind-count-step-1").get_text(strip=True) == "12 verdeckte Karten"
    assert card_texts(anna) == ["Trinkbrunnen am Markt"], "her own blind card is a normal card"
    assert not parse(anna).select("#board .idea-blind") and "Geheim" not in anna

    projector = (await coach_client.get(f"{board}/beamer")).text
    assert by_id(projector, "blind-count-step-1").get_text(strip=True) == "13 verdeckte Karten"
    assert card_texts(projector) == []

    coach = (await coach_client.get(board)).text
    assert parse(coach).find(id="blind-count-step-1") is None
    assert len(card_texts(coach)) == 13

    english = (await as_guest(coach_client, "GET", board, people["Bernd"], headers={"accept-language": "en"})).text
    line = by_id(english, "blind-count-step-1")
    assert line["data-one"] and line["data-other"]  # the browser words the number when cards arrive live


async def test_weitere_anzeigen_brings_the_rest_in_batches(
    coach_client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "CARDS_PER_COLUMN", 20)
    await start(coach_client, workshop, 0)
    guest = (await join(coach_client, workshop.code, "Gast"))["token"]
    await add_cards(db, workshop.id, 0, 45)
    expected = [f"Idee {i}:" for i in range(45)]
    for as_coach in (True, False):
        html = (
            (await coach_client.get(f"/w/{workshop.id}")).text
            if as_coach
            else (await as_guest(coach_client, "GET", f"/w/{workshop.id}", guest)).text
        )
        seen = card_texts(html)
        more = parse(html).select_one("#ideas-step-0 .more-cards a")
        assert more is not None and more.get_text(strip=True) == "25 weitere anzeigen"
        while more is not None:
            headers = {"hx-request": "true"} if as_coach else {"hx-request": "true", **bearer(guest)}
            fragment = (
                await coach_client.get(str(more["hx-get"]), headers=headers)
                if as_coach
                else await as_guest(coach_client, "GET", str(more["hx-get"]), guest, headers={"hx-request": "true"})
            )
            assert fragment.status_code == 200, fragment.text
            batch = parse(fragment.text)
            seen += [p.get_text(strip=True) for p in batch.select("article.idea .idea-text")]
            more = batch.select_one(".more-cards a")
        assert [text.split(" ", 2)[0] + " " + text.split(" ", 2)[1] for text in seen] == expected


async def test_cluster_columns_show_their_first_cards_and_their_count(
    coach_client: AsyncTestClient[Any], db: AsyncSession, workshop: LiveWorkshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "CARDS_PER_COLUMN", 10)
    await add_cards(db, workshop.id, 0, 30)
    cluster = Cluster(workshop_id=UUID(workshop.id), name="Schatten", position=0)
    db.add(cluster)
    await db.flush()
    ideas = (await db.execute(select(Idea).where(Idea.workshop_id == UUID(workshop.id)))).scalars().all()
    for idea in ideas[:14]:
        idea.cluster_id = cluster.id
    await db.commit()
    await start(coach_client, workshop, 2)
    html = (await coach_client.get(f"/w/{workshop.id}")).text
    column = parse(html).select_one(f"#cluster-{cluster.id}")
    assert column is not None
    assert by_id(html, f"cluster-count-{cluster.id}").get_text(strip=True) == "14"
    assert by_id(html, "cluster-count-none").get_text(strip=True) == "16"
    assert len(column.select(f"#cluster-cards-{cluster.id} article.idea")) == 10
    more = column.select_one(".more-cards a")
    assert more is not None and more.get_text(strip=True) == "4 weitere anzeigen"
    rest = await coach_client.get(str(more["hx-get"]), headers={"hx-request": "true"})
    moved = parse(rest.text).select("article.idea")
    assert len(moved) == 4 and all(card.select_one("[data-open='move-dialog']") for card in moved)


def dialog_form(html: str, dialog: str) -> tuple[str, dict[str, str]]:
    form = parse(html).select_one(f"dialog#{dialog} form")
    assert form is not None, f"no form in #{dialog}"
    fields = {str(i["name"]): str(i.get("value", "")) for i in form.select("input[type=hidden]")}
    return str(form["action"]), fields


async def test_merge_and_move_through_the_shared_dialogs(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop, 0)
    guest = (await join(coach_client, workshop.code, "Gast"))["token"]
    first = await post_card(coach_client, workshop, guest, "Mehr Bänke")
    second = await post_card(coach_client, workshop, guest, "Mehr Bänke am Markt")
    board = f"/w/{workshop.id}"
    html = (await coach_client.get(board)).text
    assert not parse(html).select("#board article select"), "no card carries a list of the others any more"
    assert len(parse(html).select("#board [data-open='merge-dialog']")) == 2
    assert parse(html).select_one("select#merge-target[name=target_id]") is not None
    action, fields = dialog_form(html, "merge-dialog")
    headers = {"hx-request": "true", **await csrf_headers(coach_client)}
    merged = await coach_client.post(action, data={**fields, "source_id": first, "target_id": second}, headers=headers)
    assert merged.status_code == 200, merged.text
    assert card_texts((await coach_client.get(board)).text) == ["Mehr Bänke am Markt"]

    await start(coach_client, workshop, 2)
    created = await coach_client.post(
        f"{board}/steuerung", data={"type": "create_cluster", "name": "Sitzen"}, headers=headers
    )
    assert created.status_code == 200, created.text
    html = (await coach_client.get(board)).text
    cluster_id = parse(html).select_one(".cluster:not(.cluster-unsorted) .cluster-cards")["data-cluster-id"]
    assert parse(html).select_one(f"#idea-{second} [data-open='move-dialog']") is not None
    action, fields = dialog_form(html, "move-dialog")
    moved = await coach_client.post(
        action, data={**fields, "idea_id": second, "cluster_id": cluster_id}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    html = (await coach_client.get(board)).text
    assert parse(html).select_one(f"#cluster-cards-{cluster_id} #idea-{second}") is not None
    assert by_id(html, f"cluster-count-{cluster_id}").get_text(strip=True) == "1"

    guest_html = (await as_guest(coach_client, "GET", board, guest)).text
    assert parse(guest_html).find(id="merge-dialog") is None, "only the coach merges"
    edit = parse(guest_html).select_one(f"#idea-{second} [data-open='edit-dialog']")
    assert edit is not None and edit.has_attr("data-own-only") and not edit.has_attr("hidden"), "her own card"
