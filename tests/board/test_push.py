"""Moderation is pushed, never pulled: every event reaches every board as the fragments it changes (or, on a
step change, a reveal or the close, as a whole board rendered once per audience), and no message asks a
browser to fetch anything."""

from __future__ import annotations

import json
import queue
import re
from contextlib import ExitStack
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join, start
from tests.html import parse

SEQ = re.compile(r"^<!--seq:(\d+)-->")
ORIGIN = {"origin": "http://testserver.local"}
PULLS = ("hx-trigger", "hx-get")


def until_seq(socket: Any, seq: int) -> list[str]:
    """Every message up to and including the one numbered `seq` (presence and personal parts included)."""
    seen: list[str] = []
    while True:
        text = socket.receive_text(timeout=5)
        seen.append(text)
        match = SEQ.match(text)
        if match and int(match.group(1)) >= seq:
            return seen


def after_seq(socket: Any, wait: float = 0.3) -> list[str]:
    """What follows a numbered message at once (a personal part), without waiting long; presence (coalesced,
    it comes when it comes) left out."""
    seen: list[str] = []
    try:
        while True:
            message = socket.receive_text(timeout=wait)
            if 'id="presence"' not in message:
                seen.append(message)
    except queue.Empty:
        return seen


async def command(client: AsyncTestClient[Any], workshop: LiveWorkshop, **body: Any) -> int:
    response = await client.post(
        f"/api/workshops/{workshop.id}/commands", json=body, headers={"sec-fetch-site": "same-origin"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["seq"])


async def post(client: AsyncTestClient[Any], workshop: LiveWorkshop, token: str, text: str) -> str:
    response = await as_guest(client, "POST", f"/api/workshops/{workshop.id}/ideas", token, json={"text": text})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def no_pulls(messages: list[str]) -> None:
    for message in messages:
        for pull in PULLS:
            assert pull not in message, message[:300]


async def test_every_moderation_event_is_pushed_without_a_fetch(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop, 1)  # blind collecting
    anna = await join(coach_client, workshop.code, "Anna")
    bernd = await join(coach_client, workshop.code, "Bernd")
    secret_a = await post(coach_client, workshop, anna["token"], "Geheim von Anna")
    secret_b = await post(coach_client, workshop, bernd["token"], "Geheim von Bernd")
    base = f"/w/{workshop.id}/live"
    with ExitStack() as stack:
        coach = stack.enter_context(await coach_client.websocket_connect(f"{base}?after=-1", headers=ORIGIN))
        beamer = stack.enter_context(
            await coach_client.websocket_connect(f"{base}?after=-1&view=projector", headers=ORIGIN)
        )
        cookies = coach_client.cookies
        coach_client.cookies = type(cookies)()
        guest = stack.enter_context(
            await coach_client.websocket_connect(f"{base}?after=-1", headers=bearer(anna["token"]))
        )
        api = stack.enter_context(
            await coach_client.websocket_connect(
                f"/api/workshops/{workshop.id}/live?after=-1", headers=bearer(anna["token"])
            )
        )
        coach_client.cookies = cookies
        boards = {"coach": coach, "projector": beamer, "guest": guest}
        for socket in (*boards.values(), api):
            socket.receive_text(timeout=5)  # the fresh board (resync) of a new socket

        def everywhere(seq: int) -> dict[str, list[str]]:
            got = {name: until_seq(socket, seq) for name, socket in boards.items()}
            for messages in got.values():
                no_pulls(messages)
            return got

        # Back to the first step and to the blind one again: whole boards, rendered per role, no fetch.
        everywhere(await command(coach_client, workshop, type="start_step", step=0))
        seq = await command(coach_client, workshop, type="start_step", step=1)
        got = everywhere(seq)
        pushed = {name: next(m for m in messages if SEQ.match(m)) for name, messages in got.items()}
        for message in pushed.values():
            assert "<!--board-->" in message and "Verdeckt sammeln" in message
        assert "Geheim von Anna" in pushed["coach"] and "Geheim von Bernd" in pushed["coach"]
        assert "Geheim von Anna" not in pushed["guest"] and "Geheim von Bernd" not in pushed["guest"]
        own = "".join(after_seq(guest))
        assert "Geheim von Anna" in own and "Geheim von Bernd" not in own  # her own card, to her alone
        assert 'data-op="place"' in own

        # The timer: the clock for everyone, the controls for the coach.
        got = everywhere(await command(coach_client, workshop, type="start_timer", seconds=120))
        for name, messages in got.items():
            clock = parse(messages[-1]).select_one("#timer")
            assert clock is not None and "is-running" in clock["class"], name
        assert 'id="timer-controls"' in got["coach"][-1] and 'id="timer-controls"' not in got["guest"][-1]

        # Reveal: a whole board with both cards for the guest.
        got = everywhere(await command(coach_client, workshop, type="reveal"))
        assert "Geheim von Bernd" in got["guest"][-1] and "<!--board-->" in got["guest"][-1]

        # Spotlight: the banner's text comes with the event.
        got = everywhere(await command(coach_client, workshop, type="spotlight", target=f"idea:{secret_b}"))
        banner = parse(got["projector"][-1]).select_one("#spotlight")
        assert banner is not None and "Geheim von Bernd" in banner.get_text()
        assert f'data-target="idea-{secret_b}"' in got["guest"][-1]

        # Lock: a class on the board; the coach's button turns into "Board freigeben".
        got = everywhere(await command(coach_client, workshop, type="lock"))
        assert 'data-class="is-locked"' in got["guest"][-1] and 'data-on="true"' in got["guest"][-1]
        assert "Board freigeben" in got["coach"][-1]

        # The step's question, edited live.
        got = everywhere(await command(coach_client, workshop, type="edit_step", question="Was fehlt?"))
        assert "Was fehlt?" in got["guest"][-1] and "Was fehlt?" in got["projector"][-1]

        # Hide: the card leaves the guest's board; the coach's copy shows it is hidden.
        got = everywhere(await command(coach_client, workshop, type="hide_idea", idea_id=secret_b, reason="Spam"))
        assert f'id="idea-{secret_b}" hx-swap-oob="delete"' in got["guest"][-1]
        assert "Geheim von Bernd" not in got["guest"][-1]
        assert "ausgeblendet" in got["coach"][-1] and "Spam" in got["coach"][-1]

        # Restore: the guest gets the card whole, to put where it belongs.
        got = everywhere(await command(coach_client, workshop, type="restore_idea", idea_id=secret_b))
        assert 'data-op="place"' in got["guest"][-1] and "Geheim von Bernd" in got["guest"][-1]

        # Merge: the duplicate leaves, the surviving card comes whole.
        got = everywhere(
            await command(coach_client, workshop, type="merge_ideas", source_id=secret_b, target_id=secret_a)
        )
        assert f'id="idea-{secret_b}" hx-swap-oob="delete"' in got["guest"][-1]
        assert f'id="idea-{secret_a}"' in got["guest"][-1]

        # Someone joins: one list item on the coach's board, nothing for the others.
        await join(coach_client, workshop.code, "Clara")
        joined = until_seq(coach, seq + 9)
        no_pulls(joined)
        assert "Clara" in joined[-1] and "participants-list" in joined[-1]
        assert not any("Clara" in message for message in after_seq(guest) + after_seq(beamer))  # not theirs

        # The JSON socket got the same events, without anything the worker prepared.
        events = []
        while len(events) < 11:
            message = json.loads(api.receive_text(timeout=5))
            if "seq" in message:
                events.append(message)
        assert all(not key.startswith("_") for event in events for key in event)
        no_pulls([json.dumps(event) for event in events])


async def test_a_pushed_vote_board_gives_each_voter_their_own_dots(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    from dataclasses import replace

    from tests.board.test_moderation import plan_with

    agenda = [
        {"title": "Sammeln", "minutes": 5, "board": {"mechanic": "collect"}},
        {
            "title": "Punkten",
            "minutes": 5,
            "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 2}},
        },
        {"title": "Gespräch", "minutes": 5, "board": {"mechanic": "discuss"}},
    ]
    planned = await plan_with(db, workshop, agenda)
    room = replace(workshop, id=str(planned.id), code=planned.join_code)
    await start(coach_client, room, 0)
    anna = await join(coach_client, room.code, "Anna")
    bernd = await join(coach_client, room.code, "Bernd")
    card = await post(coach_client, room, anna["token"], "Trinkbrunnen")
    await start(coach_client, room, 1)
    for _ in range(2):
        answer = await as_guest(
            coach_client, "POST", f"/api/workshops/{room.id}/votes", anna["token"], json={"idea_id": card}
        )
        assert answer.status_code == 201, answer.text
    await start(coach_client, room, 2)
    saved = coach_client.cookies
    coach_client.cookies = type(saved)()
    base = f"/w/{room.id}/live?after=-1"
    with (
        await coach_client.websocket_connect(base, headers=bearer(anna["token"])) as mine,
        await coach_client.websocket_connect(base, headers=bearer(bernd["token"])) as theirs,
    ):
        coach_client.cookies = saved
        for socket in (mine, theirs):
            socket.receive_text(timeout=5)
        seq = await command(coach_client, room, type="start_step", step=1)
        shared = {name: until_seq(socket, seq)[-1] for name, socket in (("anna", mine), ("bernd", theirs))}
        assert shared["anna"] == shared["bernd"], "one board for all participants"
        assert by_remaining(shared["bernd"]) == "3"
        own = "".join(m for m in after_seq(mine) if not SEQ.match(m))  # not the tally that may follow
        assert by_remaining(own) == "1" and f'id="vote-mine-{card}"' in own
        assert [m for m in after_seq(theirs) if not SEQ.match(m)] == [], "Bernd has no dots: nothing his own"


def by_remaining(html: str) -> str | None:
    line = parse(html).select_one("#voting-remaining")
    return str(line["data-remaining"]) if line is not None else None
