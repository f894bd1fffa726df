"""Typed commands: one model per command, one registry that the JSON API, the board's forms and the websocket
share, and an OpenAPI schema that documents every command with its fields and limits."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, start
from tests.board.test_reader_language import error_frame
from tests.conftest import csrf_headers
from werkstatt.board.commands import COMMANDS, PARTICIPANT_COMMANDS, MoveIdea, StartStep, parse_command
from werkstatt.errors import Invalid
from werkstatt.live.models import WorkshopEvent
from werkstatt.workshops.models import AgendaStep

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
CARD = str(uuid.uuid4())


def test_the_registry_holds_every_command_of_the_contract() -> None:
    """API.md names these; the board's own controls add the rest."""
    contract = {"start_step", "reveal", "lock", "unlock", "spotlight", "start_timer", "close"}
    contract |= {"merge_ideas", "unmerge_idea"}
    assert contract <= set(COMMANDS)
    assert {"create_cluster", "rename_cluster", "move_idea"} == PARTICIPANT_COMMANDS


@pytest.mark.parametrize(
    ("raw", "detail", "errors"),
    [
        ({"type": "zaubern"}, "Unbekannter Befehl: zaubern", {"type": "Unbekannter Befehl."}),
        ({"type": "z" * 500}, f"Unbekannter Befehl: {'z' * 40}", {"type": "Unbekannter Befehl."}),
        ({"step": 1}, "Nachricht braucht ein Feld type.", {"type": "Pflichtfeld fehlt."}),
        (
            {"type": "start_timer", "secs": 60, "x": 1},
            "Unbekannte Felder für start_timer: secs, x",
            {"secs": "Unbekanntes Feld.", "x": "Unbekanntes Feld."},
        ),
        (
            {"type": "start_step", "step": 99},
            "Diesen Schritt gibt es im Ablauf nicht.",
            {"step": "Unbekannter Schritt."},
        ),
        (
            {"type": "start_step", "step": True},
            "Bitte prüfen Sie die markierten Felder.",
            {"step": "Muss eine ganze Zahl sein."},
        ),
        (
            {"type": "start_step", "step": "2"},
            "Bitte prüfen Sie die markierten Felder.",
            {"step": "Muss eine ganze Zahl sein."},
        ),
        ({"type": "start_step"}, "Bitte prüfen Sie die markierten Felder.", {"step": "Pflichtfeld fehlt."}),
        (
            {"type": "start_timer", "seconds": 0},
            "Die Zeit muss zwischen 1 Sekunde und 6 Stunden liegen.",
            {"seconds": "Ungültige Dauer."},
        ),
        (
            {"type": "spotlight", "target": "person:1"},
            "Hervorheben geht für eine Karte oder einen Cluster.",
            {"target": "Ungültiges Ziel."},
        ),
        (
            {"type": "merge_ideas", "source_id": "abc"},
            "Bitte prüfen Sie die markierten Felder.",
            {"source_id": "Ist keine gültige Kennung.", "target_id": "Pflichtfeld fehlt."},
        ),
        (
            {"type": "hide_idea", "idea_id": CARD, "reason": "x" * 201},
            "Bitte prüfen Sie die markierten Felder.",
            {"reason": "Höchstens 200 Zeichen erlaubt."},
        ),
    ],
)
def test_a_bad_command_is_refused_in_german_naming_its_fields(
    raw: dict[str, Any], detail: str, errors: dict[str, str]
) -> None:
    with pytest.raises(Invalid) as refused:
        parse_command(raw)
    assert (refused.value.detail, refused.value.errors) == (detail, errors)


def test_a_command_reads_as_its_typed_model() -> None:
    assert parse_command({"type": "start_step", "step": 2}) == StartStep(type="start_step", step=2)
    moved = parse_command({"type": "move_idea", "idea_id": CARD, "cluster_id": ""})
    assert moved == MoveIdea(type="move_idea", idea_id=uuid.UUID(CARD), cluster_id=None), "empty: the unsorted cards"


async def test_the_openapi_schema_documents_every_command(client: AsyncTestClient[Any]) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    body = schema["paths"]["/api/workshops/{workshop_id}/commands"]["post"]["requestBody"]["content"]
    members = [
        schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
        for ref in body["application/json"]["schema"]["oneOf"]
    ]
    by_type = {member["properties"]["type"]["const"]: member for member in members}
    assert set(by_type) == set(COMMANDS)
    for kind, member in by_type.items():
        assert set(member["properties"]) == set(COMMANDS[kind].model_fields), kind
        assert "type" in member["required"], kind
    assert (by_type["start_step"]["properties"]["step"]["minimum"], by_type["start_step"]["required"]) == (
        0,
        ["step", "type"],
    )
    assert by_type["start_timer"]["properties"]["seconds"]["maximum"] == 6 * 3600
    assert by_type["merge_ideas"]["properties"]["source_id"]["format"] == "uuid"
    assert by_type["edit_step"]["properties"]["instructions"]["maxLength"] == 4000


async def events(db: AsyncSession, workshop: LiveWorkshop) -> int:
    query = select(func.count(WorkshopEvent.id)).where(WorkshopEvent.workshop_id == uuid.UUID(workshop.id))
    return int((await db.execute(query)).scalar_one())


async def test_the_api_the_form_and_the_socket_refuse_alike_and_change_nothing(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    before = await events(db, workshop)
    bad = {"type": "start_timer", "seconds": 0}
    expected = "Die Zeit muss zwischen 1 Sekunde und 6 Stunden liegen."

    api = await coach_client.post(f"/api/workshops/{workshop.id}/commands", json=bad, headers=SAME_ORIGIN)
    assert api.status_code == 422
    assert (api.json()["detail"], api.json()["errors"]) == (
        expected,
        [{"field": "seconds", "message": "Ungültige Dauer."}],
    )

    headers = {**await csrf_headers(coach_client), "HX-Request": "true"}
    form = await coach_client.post(f"/w/{workshop.id}/steuerung", data={**bad, "seconds": "0"}, headers=headers)
    assert form.status_code == 422 and expected in form.text

    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live?after=100000", headers={"origin": "http://testserver.local"}
    ) as socket:
        socket.send_text(json.dumps(bad))
        frame = error_frame(socket)
    assert (frame["status"], frame["detail"]) == (422, expected)
    assert await events(db, workshop) == before


async def test_a_form_command_runs_through_the_same_model(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    """Form fields are text: the step's number is read as a number; the CSRF token is not a command field."""
    await start(coach_client, workshop)
    headers = {**await csrf_headers(coach_client), "HX-Request": "true"}
    started = await coach_client.post(
        f"/w/{workshop.id}/steuerung", data={"type": "start_timer", "seconds": "90"}, headers=headers
    )
    assert started.status_code == 200, started.text
    step = (
        await db.execute(
            select(AgendaStep).where(AgendaStep.workshop_id == uuid.UUID(workshop.id), AgendaStep.position == 0)
        )
    ).scalar_one()
    await db.refresh(step)
    assert step.timer_ends_at is not None


async def test_a_guest_is_refused_a_coach_command_before_its_fields_are_read(
    client: AsyncTestClient[Any], coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    joined = await coach_client.post("/api/join", json={"code": workshop.code, "display_name": "Gast"})
    token = joined.json()["token"]
    client.cookies = httpx.Cookies()
    refused = await client.post(
        f"/api/workshops/{workshop.id}/commands",
        json={"type": "lock", "nonsense": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403, refused.text
