"""Each step chooses its cards: answers to different questions stay apart in voting, ranking, matrix and results."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, join
from tests.factories import make_account, make_network
from tests.html import parse
from tests.voting.conftest import SAME_ORIGIN, Room
from werkstatt.board import step_cards
from werkstatt.catalogue.schema import VoteConfig
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops.models import AgendaStep, Workshop
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

BLITZ, STOERT, VOTE, RANK, MATRIX, VOTE_BLITZ, VOTE_ALL = 0, 1, 3, 4, 5, 6, 7
AGENDA: list[dict[str, Any]] = [
    {
        "title": "Blitzlicht",
        "minutes": 5,
        "question": "Mit welchem Gedanken kommen Sie?",
        "board": {"mechanic": "collect"},
    },
    {"title": "Was stört Sie?", "minutes": 10, "question": "Was stört Sie?", "board": {"mechanic": "collect"}},
    {"title": "Ordnen", "minutes": 5, "board": {"mechanic": "cluster"}},
    {
        "title": "Punkten",
        "minutes": 5,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "hidden": False}},
    },
    {"title": "Ergebnis zeigen", "minutes": 5, "board": {"mechanic": "rank"}},
    {
        "title": "Aufwand und Nutzen",
        "minutes": 5,
        "board": {"mechanic": "rate_matrix", "config": {"cards": {"from": "top", "step": VOTE, "n": 1}}},
    },
    {"title": "Stimmung", "minutes": 5, "board": {"mechanic": "vote", "config": {"cards": "step:0", "hidden": False}}},
    {"title": "Alles", "minutes": 5, "board": {"mechanic": "vote", "config": {"cards": {"from": "all"}}}},
]
BLITZ_TEXTS = ["neugierig", "müde"]
STOERT_TEXTS = ["Leerstand am Markt", "Zu wenig Bänke", "Parkplatzsuche"]


def steps(*specs: tuple[str, dict[str, Any], str]) -> Workshop:
    workshop = Workshop(title="t")
    workshop.steps = [
        AgendaStep(position=n, title=f"S{n}", minutes=5, mechanic=mechanic, config=config, question=question)
        for n, (mechanic, config, question) in enumerate(specs)
    ]
    return workshop


def test_default_takes_the_nearest_collect_question_and_carries_through_votes() -> None:
    w = steps(
        ("collect", {}, "A"),
        ("collect", {}, "B"),
        ("collect", {}, "B"),
        ("cluster", {}, ""),
        ("vote", {}, ""),
        ("rank", {}, ""),
        ("collect", {}, "C"),
        ("rate_matrix", {}, ""),
        ("rank", {}, ""),
    )
    assert step_cards.chosen_cards(w, w.steps[4]) == step_cards.StepCards("step", (1, 2))
    assert step_cards.chosen_cards(w, w.steps[5]) == step_cards.StepCards("step", (1, 2)), "rank shows the vote's cards"
    assert step_cards.chosen_cards(w, w.steps[7]) == step_cards.StepCards("step", (6,))
    assert step_cards.chosen_cards(w, w.steps[8]) == step_cards.StepCards("step", (6,))
    assert step_cards.chosen_cards(w, w.steps[0]) == step_cards.EVERY_CARD, "a collect step chooses none"
    unnamed = steps(("collect", {}, ""), ("collect", {"blind": True}, ""), ("cluster", {}, ""), ("vote", {}, ""))
    assert step_cards.chosen_cards(unnamed, unnamed.steps[3]) == step_cards.StepCards("step", (0, 1))
    lone = steps(("discuss", {}, ""), ("vote", {}, ""))
    assert step_cards.chosen_cards(lone, lone.steps[1]) == step_cards.EVERY_CARD


def test_explicit_choice_and_fallback_when_the_reference_does_not_fit() -> None:
    w = steps(
        ("collect", {}, "A"), ("vote", {}, ""), ("vote", {"cards": "top:1:5"}, ""), ("vote", {"cards": "step:3"}, "")
    )
    top = step_cards.chosen_cards(w, w.steps[2])
    assert (top.kind, top.top_of, top.n, top.of, top.explicit) == (
        "top",
        1,
        5,
        step_cards.StepCards("step", (0,)),
        True,
    )
    assert step_cards.chosen_cards(w, w.steps[3]) == top, "not an earlier step: the previous vote step's cards"
    bad = steps(("collect", {}, "A"), ("vote", {"cards": {"from": "step"}}, ""))
    assert step_cards.chosen_cards(bad, bad.steps[1]) == step_cards.StepCards("step", (0,)), "an unreadable setting"
    labels = dict(step_cards.choices(w, w.steps[3]))
    assert labels[""] == "Standard: die 5 Karten mit den meisten Punkten aus Schritt 2 „S1“"
    assert labels["top:1:10"] == "Top 10 aus Schritt 2 „S1“" and labels["all"] == "Alle Karten der Werkstatt"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"from": "top", "step": 1}, "wie viele Karten"),
        ({"from": "all", "step": 1}, "keinen Schritt"),
        ({"from": "step", "step": 1, "n": 3}, "nur bei den meistgepunkteten"),
        ("top:x", "Unbekannte Kartenauswahl"),
        ({"from": "cards", "step": 1}, "from"),
        ({"from": "step", "step": 99}, "39"),
    ],
)
def test_card_source_is_typed_and_limited(value: Any, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        VoteConfig.model_validate({"cards": value})


@pytest.fixture
async def workshop(db: AsyncSession) -> LiveWorkshop:
    """This module's agenda (the coach_client signs in as its coach)."""
    network = await make_network(db)
    account = await make_account(db, Role.coach, network.network)
    coach = account_snapshot(account)
    data = WorkshopCreate.model_validate({"town_id": str(network.towns[0].id), "title": "Abend", "agenda": AGENDA})
    planned = await create_workshop(db, coach, data)
    await db.commit()
    return LiveWorkshop(str(planned.id), planned.join_code, coach, str(network.network.id), str(network.towns[0].id))


@pytest.fixture
async def evening(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> Room:
    """Three guests; two Blitzlicht keywords in step 0 and three "Was stört Sie?" cards in step 1."""
    room = Room(coach_client, workshop)
    for name in ("Anna", "Bert", "Cem"):
        room.guests.append(await join(coach_client, workshop.code, name))
    for position, texts in ((BLITZ, BLITZ_TEXTS), (STOERT, STOERT_TEXTS)):
        await room.step(position)
        for index, text in enumerate(texts):
            url = f"{room.base}/ideas"
            posted = await as_guest(coach_client, "POST", url, room.guests[index]["token"], json={"text": text})
            assert posted.status_code == 201, posted.text
            room.ideas.append(posted.json()["id"])
    return room


async def board_texts(room: Room, guest: int) -> list[str]:
    response = await as_guest(room.client, "GET", f"{room.base}/ideas", room.guests[guest]["token"])
    assert response.status_code == 200, response.text
    return sorted(idea["text"] for idea in response.json())


async def test_vote_rank_and_matrix_offer_only_their_cards(evening: Room) -> None:
    room = evening
    blitz, stoert = room.ideas[:2], room.ideas[2:]
    await room.step(VOTE)
    assert await board_texts(room, 0) == sorted(STOERT_TEXTS), "the Blitzlicht keywords are not on the vote board"
    refused = await room.vote(0, blitz[0])
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == "Diese Karte steht in diesem Schritt nicht zur Wahl."
    for guest in range(3):
        assert (await room.vote(guest, stoert[1])).status_code == 201
    assert (await room.vote(0, stoert[0])).status_code == 201
    panel = await as_guest(room.client, "GET", f"/w/{room.workshop.id}/stimmen", room.guests[0]["token"])
    page = parse(panel.text)
    assert "Zur Wahl stehen die Karten aus Schritt 2 „Was stört Sie?“." in page.get_text(" ", strip=True)
    assert [li["id"] for li in page.select(".vote-item")] == [f"vote-item-{i}" for i in stoert]

    await room.step(RANK)
    assert await board_texts(room, 1) == sorted(STOERT_TEXTS)
    results = await room.results()
    by_step = {entry["step"]: entry for entry in results["steps"]}
    assert by_step[VOTE]["cards"] == {"from": "step", "steps": [STOERT], "default": True}
    assert sorted(by_step[VOTE]["items"]) == sorted(stoert) and by_step[RANK]["items"] == by_step[VOTE]["items"]
    assert by_step[MATRIX]["cards"] == {"from": "top", "step": VOTE, "n": 1, "default": False}
    assert by_step[MATRIX]["items"] == [stoert[1]], "the card with the most dots"
    assert sorted(by_step[VOTE_BLITZ]["items"]) == sorted(blitz) and len(by_step[VOTE_ALL]["items"]) == 5
    assert {i["id"]: i["step"] for i in results["ideas"]}[blitz[0]] == BLITZ
    order = {"idea_ids": [blitz[0], stoert[1]]}
    refused_order = await room.client.post(f"{room.base}/ranking", json=order, headers=SAME_ORIGIN)
    assert refused_order.status_code == 422, "the rank step orders its own cards only"
    order = {"idea_ids": [stoert[1], stoert[0]]}
    assert (await room.client.post(f"{room.base}/ranking", json=order, headers=SAME_ORIGIN)).status_code == 200

    await room.step(MATRIX)
    assert await board_texts(room, 2) == ["Zu wenig Bänke"]
    assert (await room.vote(2, stoert[0], score_x=2, score_y=4)).status_code == 409
    assert (await room.vote(2, stoert[1], score_x=2, score_y=4)).status_code == 201
    panel = await as_guest(room.client, "GET", f"/w/{room.workshop.id}/stimmen", room.guests[0]["token"])
    page = parse(panel.text)
    for axis in ("sx", "sy"):
        chosen = page.select_one(f"#{axis}-{stoert[1]} option[selected]")
        assert chosen is not None and chosen.get_text() == "nicht bewertet" and chosen["value"] == ""
    axes = page.select_one("#matrix-axes")
    assert axes is not None and "1 = wenig Aufwand, 5 = viel Aufwand" in axes.get_text(" ", strip=True)

    await room.step(VOTE_BLITZ)
    assert await board_texts(room, 0) == sorted(BLITZ_TEXTS)
    assert (await room.vote(0, stoert[1])).status_code == 409
    assert (await room.vote(0, blitz[1])).status_code == 201


async def test_openapi_documents_the_card_source_and_the_result_steps(client: AsyncTestClient[Any]) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    results = schema["paths"]["/api/workshops/{workshop_id}/results"]["get"]["description"]
    assert "`steps`" in results and "`items`" in results and "ideas[].step" in results
    board = schema["components"]["schemas"]["BoardIn"]["properties"]["config"]["description"]
    assert '{"from": "top", "step": 5, "n": 10}' in board and "x_hint" in board
