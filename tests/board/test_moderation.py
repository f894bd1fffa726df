"""The coach's moderation toolkit: blind mode without leaks, the shared timer, clustering that converges,
lock/close, hide/merge/spotlight, removing a participant — and every command refused to guests."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join
from tests.conftest import csrf_headers
from tests.html import parse
from werkstatt.board.commands import COMMANDS, PARTICIPANT_COMMANDS
from werkstatt.board.models import Cluster, Comment, Idea, Reaction
from werkstatt.live.models import WorkshopEvent
from werkstatt.workshops.models import AgendaStep

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
CLUSTER_AGENDA = [
    {"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect"}},
    {"title": "Ordnen", "minutes": 10, "board": {"mechanic": "cluster", "config": {"who": "all"}}},
]


def drain(socket: Any) -> None:
    for _ in range(5):
        socket.receive_text(timeout=5)


async def command(
    client: AsyncTestClient[Any], workshop_id: str, body: dict[str, Any], token: str | None = None
) -> Any:
    url = f"/api/workshops/{workshop_id}/commands"
    if token:
        return await as_guest(client, "POST", url, token, json=body)
    return await client.post(url, json=body, headers=SAME_ORIGIN)


async def events_count(db: AsyncSession, workshop_id: str) -> int:
    query = select(func.count(WorkshopEvent.id)).where(WorkshopEvent.workshop_id == uuid.UUID(workshop_id))
    return int((await db.execute(query)).scalar_one())


async def test_blind_cards_never_leak_before_reveal(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    assert (await command(coach_client, workshop.id, {"type": "start_step", "step": 1})).status_code == 200
    anna = await join(coach_client, workshop.code, "Anna")
    bernd = await join(coach_client, workshop.code, "Bernd")
    secret = "Geheimtipp: Markthalle als Kulturort"
    saved = coach_client.cookies
    coach_client.cookies = httpx.Cookies()
    with (
        await coach_client.websocket_connect(
            f"/w/{workshop.id}/live?after=3", headers=bearer(bernd["token"])
        ) as html_socket,
        await coach_client.websocket_connect(
            f"/api/workshops/{workshop.id}/live?after=3", headers=bearer(bernd["token"])
        ) as json_socket,
    ):
        posted = await as_guest(
            coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", anna["token"], json={"text": secret}
        )
        assert posted.status_code == 201
        html_message = next(
            m for m in iter(lambda: html_socket.receive_text(timeout=5), None) if m.startswith("<!--seq:4")
        )
        json_message = next(m for m in iter(lambda: json_socket.receive_text(timeout=5), None) if '"seq":4' in m)
    coach_client.cookies = saved
    assert secret not in html_message and "Anna" not in html_message
    assert "Verdeckte Karte" in parse(html_message).get_text()
    assert secret not in json_message and "Anna" not in json_message
    views = {
        "page": (await as_guest(coach_client, "GET", f"/w/{workshop.id}", bernd["token"])).text,
        "fragment": (
            await as_guest(
                coach_client, "GET", f"/w/{workshop.id}/board", bernd["token"], headers={"hx-request": "true"}
            )
        ).text,
        "events": (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", bernd["token"])).text,
        "ideas": (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/ideas", bernd["token"])).text,
    }
    results = await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/results", bernd["token"])
    if results.status_code == 200:
        views["results"] = results.text
    for name, body in views.items():
        assert secret not in body, f"blind card leaked through {name}"
    assert secret in (await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", anna["token"])).text
    assert secret in (await coach_client.get(f"/w/{workshop.id}/board")).text
    assert (await command(coach_client, workshop.id, {"type": "reveal"})).status_code == 200
    assert secret in (await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", bernd["token"])).text
    assert secret in (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/ideas", bernd["token"])).text


async def test_comments_and_reactions_only_on_cards_one_can_see(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    """A blind card's author may think it further, but nobody else reads that before the reveal; a card the
    coach hid takes no comments or reactions from guests."""
    assert (await command(coach_client, workshop.id, {"type": "start_step", "step": 1})).status_code == 200  # blind
    anna = await join(coach_client, workshop.code, "Anna")
    bernd = await join(coach_client, workshop.code, "Bernd")
    url = f"/api/workshops/{workshop.id}/ideas"
    card = (await as_guest(coach_client, "POST", url, anna["token"], json={"text": "Markthalle öffnen"})).json()
    further = "Weitergedacht: mit Wochenmarkt am Samstag"
    own = await as_guest(coach_client, "POST", f"{url}/{card['id']}/comments", anna["token"], json={"text": further})
    assert own.status_code == 201
    bernd_tries = await as_guest(
        coach_client, "POST", f"{url}/{card['id']}/comments", bernd["token"], json={"text": "?"}
    )
    assert bernd_tries.status_code == 404

    def events(token: str | None) -> Any:
        return as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", token)

    assert further not in (await events(bernd["token"])).text, "a comment on a blind card leaked before reveal"
    assert further in (await events(anna["token"])).text
    assert further in (await coach_client.get(f"/api/workshops/{workshop.id}/events")).text
    seqs = [event["seq"] for event in (await events(bernd["token"])).json()]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "the seq still moves on for Bernd"
    assert (await command(coach_client, workshop.id, {"type": "reveal"})).status_code == 200
    assert further in (await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", bernd["token"])).text

    coach_cookies, coach_client.cookies = coach_client.cookies, httpx.Cookies()
    headers = await csrf_headers(coach_client)  # Clara joins in her browser (a cookie session, forms)
    await coach_client.post(f"/beitreten/{workshop.code}", data={"display_name": "Clara"}, headers=headers)
    react = f"/w/{workshop.id}/ideen/{card['id']}/reaktion"
    assert (await coach_client.post(react, data={"kind": "zustimmung"}, headers=headers)).status_code == 200
    clara_cookies, coach_client.cookies = coach_client.cookies, coach_cookies
    hide = {"type": "hide_idea", "idea_id": card["id"], "reason": "Doppelt"}
    assert (await command(coach_client, workshop.id, hide)).status_code == 200
    for token in (anna["token"], bernd["token"]):
        comment = await as_guest(coach_client, "POST", f"{url}/{card['id']}/comments", token, json={"text": "Hallo?"})
        assert comment.status_code == 404
    coach_client.cookies = clara_cookies
    assert (await coach_client.post(react, data={"kind": "zustimmung"}, headers=headers)).status_code == 404
    coach_client.cookies = coach_cookies


async def test_timer_state_after_reconnect_matches_the_server(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await command(coach_client, workshop.id, {"type": "start_step", "step": 0})
    misspelt = await command(coach_client, workshop.id, {"type": "start_timer", "secs": 60})
    assert misspelt.status_code == 422, "an unknown field is refused, not ignored for the default time"
    assert misspelt.json()["errors"] == [{"field": "secs", "message": "Unbekanntes Feld."}]
    assert (await command(coach_client, workshop.id, {"type": "start_timer", "seconds": 300})).status_code == 200
    guest = await join(coach_client, workshop.code)
    step = (
        await db.execute(
            select(AgendaStep).where(AgendaStep.workshop_id == uuid.UUID(workshop.id), AgendaStep.position == 0)
        )
    ).scalar_one()
    await db.refresh(step)
    fragment = await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", guest["token"])
    timer = parse(fragment.text).select_one("#timer")
    assert datetime.fromisoformat(timer["data-ends-at"]) == step.timer_ends_at
    assert timer["data-total"] == "600"
    events = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", guest["token"])).json()
    timer_event = next(e for e in events if e["type"] == "timer_changed")
    assert datetime.fromisoformat(timer_event["data"]["timer"]["ends_at"]) == step.timer_ends_at
    assert (await command(coach_client, workshop.id, {"type": "pause_timer"})).status_code == 200
    await db.refresh(step)
    paused = parse((await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", guest["token"])).text).select_one(
        "#timer"
    )
    assert paused["data-ends-at"] == "" and int(paused["data-remaining"]) == step.timer_remaining
    assert 295 <= step.timer_remaining <= 300
    assert (await command(coach_client, workshop.id, {"type": "add_minute"})).status_code == 200
    await db.refresh(step)
    assert 355 <= step.timer_remaining <= 360
    bad = await command(coach_client, workshop.id, {"type": "start_timer", "seconds": -5})
    assert bad.status_code == 422 and "Sekunde" in bad.json()["detail"]
    assert (await command(coach_client, workshop.id, {"type": "stop_timer"})).status_code == 200
    assert (await command(coach_client, workshop.id, {"type": "add_minute"})).status_code == 200
    await db.refresh(step)
    assert (step.timer_ends_at, step.timer_remaining) == (None, 11 * 60), "not started: the step's 10 min + 1"
    assert (await command(coach_client, workshop.id, {"type": "start_timer", "seconds": 6 * 3600})).status_code == 200
    too_long = await command(coach_client, workshop.id, {"type": "add_minute"})
    assert too_long.status_code == 422 and "6 Stunden" in too_long.json()["detail"]
    # Away to the next step and back: the step starts with a fresh timer, not the one left running.
    assert (await command(coach_client, workshop.id, {"type": "start_step", "step": 1})).status_code == 200
    assert (await command(coach_client, workshop.id, {"type": "start_step", "step": 0})).status_code == 200
    await db.refresh(step)
    assert (step.timer_ends_at, step.timer_remaining) == (None, None)


async def test_concurrent_clustering_converges(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    planned = await plan_with(db, workshop, CLUSTER_AGENDA)
    wid = str(planned.id)
    await command(coach_client, wid, {"type": "start_step", "step": 0})
    anna = await join(coach_client, planned.join_code, "Anna")
    bernd = await join(coach_client, planned.join_code, "Bernd")
    idea = (
        await as_guest(coach_client, "POST", f"/api/workshops/{wid}/ideas", anna["token"], json={"text": "Parkhaus"})
    ).json()
    await command(coach_client, wid, {"type": "start_step", "step": 1})
    clusters = []
    for name in ("Verkehr", "Handel"):
        response = await command(coach_client, wid, {"type": "create_cluster", "name": name}, anna["token"])
        assert response.status_code == 200, response.text
    clusters = [
        str(c.id) for c in (await db.execute(select(Cluster).where(Cluster.workshop_id == planned.id))).scalars()
    ]

    async def move(token: str, cluster_id: str) -> int:
        response = await command(
            coach_client, wid, {"type": "move_idea", "idea_id": idea["id"], "cluster_id": cluster_id}, token
        )
        return response.status_code

    statuses = await asyncio.gather(*(move((anna, bernd)[i % 2]["token"], clusters[i % 2]) for i in range(12)))
    assert statuses == [200] * 12
    final = (await db.execute(select(Idea.cluster_id).where(Idea.id == uuid.UUID(idea["id"])))).scalar_one()
    for viewer in (anna, bernd):
        events = (await as_guest(coach_client, "GET", f"/api/workshops/{wid}/events", viewer["token"])).json()
        moves = [e for e in events if e["type"] == "idea_moved"]
        assert [e["seq"] for e in moves] == sorted(e["seq"] for e in moves)
        assert moves[-1]["data"]["idea"]["cluster_id"] == str(final)
    board = parse((await coach_client.get(f"/w/{wid}/board")).text)
    holder = board.select_one(f"#idea-{idea['id']}").find_parent(attrs={"data-cluster-id": True})
    assert holder["data-cluster-id"] == str(final)


async def plan_with(db: AsyncSession, workshop: LiveWorkshop, agenda: list[dict[str, Any]]) -> Any:
    from werkstatt.workshops.schemas import WorkshopCreate
    from werkstatt.workshops.service import create_workshop

    data = WorkshopCreate.model_validate({"town_id": workshop.town_id, "title": "Clustern", "agenda": agenda})
    planned = await create_workshop(db, workshop.coach, data)
    await db.commit()
    return planned


async def test_lock_and_close_refuse_posts_and_broadcast_nothing(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await command(coach_client, workshop.id, {"type": "start_step", "step": 0})
    guest = await join(coach_client, workshop.code)
    assert (await command(coach_client, workshop.id, {"type": "lock"})).status_code == 200
    before = await events_count(db, workshop.id)
    locked = await as_guest(
        coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": "Hallo"}
    )
    assert locked.status_code == 403 and "gesperrt" in locked.json()["detail"]
    assert await events_count(db, workshop.id) == before
    assert (await command(coach_client, workshop.id, {"type": "unlock"})).status_code == 200
    assert (await command(coach_client, workshop.id, {"type": "close"})).status_code == 200
    before = await events_count(db, workshop.id)
    closed = await as_guest(
        coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": "Hallo"}
    )
    assert closed.status_code == 403 and "beendet" in closed.json()["detail"]
    assert (await command(coach_client, workshop.id, {"type": "lock"})).status_code == 403
    assert await events_count(db, workshop.id) == before
    assert (await db.execute(select(func.count(Idea.id)))).scalar_one() == 0
    board = await as_guest(coach_client, "GET", f"/w/{workshop.id}", guest["token"])
    notice = board.text.split('id="closed-notice"', 1)[1].split("</p>", 1)[0]
    assert f'<a href="/w/{workshop.id}/ergebnis">Ergebnis ansehen</a>' in notice, "the way to the result"


@pytest.mark.parametrize("kind", sorted(set(COMMANDS) - PARTICIPANT_COMMANDS))
async def test_every_command_is_refused_to_guests(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, kind: str
) -> None:
    await command(coach_client, workshop.id, {"type": "start_step", "step": 0})
    guest = await join(coach_client, workshop.code)
    before = await events_count(db, workshop.id)
    body = {
        "type": kind,
        "step": 1,
        "seconds": 60,
        "target": "",
        "idea_id": str(uuid.uuid4()),
        "participant_id": guest["participant_id"],
    }
    response = await command(coach_client, workshop.id, body, guest["token"])
    assert response.status_code == 403, response.text
    coach_client.cookies = httpx.Cookies()
    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live?after={before}", headers=bearer(guest["token"])
    ) as socket:
        socket.send_text(json.dumps(body))
        reply = next(
            m
            for m in map(json.loads, iter(lambda: socket.receive_text(timeout=5), None))
            if m.get("type") != "presence"
        )
    assert reply["type"] == "error" and reply["status"] == 403
    assert await events_count(db, workshop.id) == before


async def test_merge_carries_reactions_over_and_counts_each_person_once(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await command(coach_client, workshop.id, {"type": "start_step", "step": 0})
    anna = await join(coach_client, workshop.code, "Anna")
    url = f"/api/workshops/{workshop.id}/ideas"
    keep = (await as_guest(coach_client, "POST", url, anna["token"], json={"text": "Mehr Grün"})).json()
    twin = (await as_guest(coach_client, "POST", url, anna["token"], json={"text": "Mehr Bäume"})).json()
    coach_cookies = coach_client.cookies
    for name in ("Clara", "Dora"):  # two people in their browsers
        coach_client.cookies = httpx.Cookies()
        headers = await csrf_headers(coach_client)
        await coach_client.post(f"/beitreten/{workshop.code}", data={"display_name": name}, headers=headers)
        cards = (twin["id"], keep["id"]) if name == "Clara" else (twin["id"],)
        for card in cards:
            reacted = await coach_client.post(
                f"/w/{workshop.id}/ideen/{card}/reaktion", data={"kind": "zustimmung"}, headers=headers
            )
            assert reacted.status_code == 200
    coach_client.cookies = coach_cookies
    merged = await command(
        coach_client, workshop.id, {"type": "merge_ideas", "source_id": twin["id"], "target_id": keep["id"]}
    )
    assert merged.status_code == 200
    await db.rollback()
    on_keep = await db.scalar(
        select(func.count()).select_from(Reaction).where(Reaction.idea_id == uuid.UUID(keep["id"]))
    )
    on_twin = await db.scalar(
        select(func.count()).select_from(Reaction).where(Reaction.idea_id == uuid.UUID(twin["id"]))
    )
    # Clara once (she liked both: her second reaction stays behind on the merged card, for an undo), Dora moved over
    assert (on_keep, on_twin) == (2, 1)


async def test_hide_merge_and_spotlight(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await command(coach_client, workshop.id, {"type": "start_step", "step": 0})
    anna = await join(coach_client, workshop.code, "Anna")
    bernd = await join(coach_client, workshop.code, "Bernd")
    url = f"/api/workshops/{workshop.id}/ideas"
    first = (await as_guest(coach_client, "POST", url, anna["token"], json={"text": "Mehr Parkplätze"})).json()
    duplicate = (await as_guest(coach_client, "POST", url, bernd["token"], json={"text": "Parkplätze fehlen"})).json()
    rude = (await as_guest(coach_client, "POST", url, bernd["token"], json={"text": "Beleidigung"})).json()
    await as_guest(
        coach_client, "POST", f"{url}/{duplicate['id']}/comments", anna["token"], json={"text": "Am Bahnhof!"}
    )
    assert (
        await command(coach_client, workshop.id, {"type": "hide_idea", "idea_id": rude["id"], "reason": "Beleidigend"})
    ).status_code == 200
    seen = [i["text"] for i in (await as_guest(coach_client, "GET", url, anna["token"])).json()]
    assert "Beleidigung" not in seen
    coach_view = parse((await coach_client.get(f"/w/{workshop.id}/board")).text)
    assert "Beleidigend" in coach_view.select_one(f"#idea-{rude['id']}").get_text()
    assert "Beleidigend" not in (await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", anna["token"])).text
    assert (
        await command(coach_client, workshop.id, {"type": "restore_idea", "idea_id": rude["id"]})
    ).status_code == 200
    assert "Beleidigung" in [i["text"] for i in (await as_guest(coach_client, "GET", url, anna["token"])).json()]

    merged = await command(
        coach_client, workshop.id, {"type": "merge_ideas", "source_id": duplicate["id"], "target_id": first["id"]}
    )
    assert merged.status_code == 200
    card = parse((await coach_client.get(f"/w/{workshop.id}/board")).text).select_one(f"#idea-{first['id']}")
    assert "Bernd" in card.get_text() and "Am Bahnhof!" in card.get_text()
    assert (await db.execute(select(Comment.idea_id))).scalar_one() == uuid.UUID(first["id"])
    assert "Parkplätze fehlen" not in [
        i["text"] for i in (await as_guest(coach_client, "GET", url, anna["token"])).json()
    ]

    assert (
        await command(coach_client, workshop.id, {"type": "spotlight", "target": f"idea:{first['id']}"})
    ).status_code == 200
    banner = parse((await as_guest(coach_client, "GET", f"/w/{workshop.id}/board", bernd["token"])).text).select_one(
        "#spotlight"
    )
    assert "Mehr Parkplätze" in banner.get_text()
    projector = parse((await coach_client.get(f"/w/{workshop.id}/beamer")).text)
    assert "Mehr Parkplätze" in projector.select_one("#spotlight").get_text()


async def test_removed_participant_is_disconnected_and_can_do_nothing(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await command(coach_client, workshop.id, {"type": "start_step", "step": 0})
    guest = await join(coach_client, workshop.code, "Störer")
    saved = coach_client.cookies
    coach_client.cookies = httpx.Cookies()
    with await coach_client.websocket_connect(
        f"/api/workshops/{workshop.id}/live?after=2", headers=bearer(guest["token"])
    ) as socket:
        coach_client.cookies = saved
        removed = await command(
            coach_client, workshop.id, {"type": "remove_participant", "participant_id": guest["participant_id"]}
        )
        assert removed.status_code == 200
        with pytest.raises(WebSocketDisconnect) as closed:
            drain(socket)
        assert closed.value.code == 4403
    posted = await as_guest(
        coach_client, "POST", f"/api/workshops/{workshop.id}/ideas", guest["token"], json={"text": "noch da?"}
    )
    assert posted.status_code == 404
    coach_client.cookies = httpx.Cookies()
    with (
        pytest.raises(WebSocketDisconnect),
        await coach_client.websocket_connect(
            f"/api/workshops/{workshop.id}/live", headers=bearer(guest["token"])
        ) as socket,
    ):
        socket.receive_text(timeout=2)
