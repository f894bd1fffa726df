"""Whole boards pushed over the websocket, rendered once per audience.

A step change, a reveal or the close changes the whole board. No browser fetches it: the worker reads the
board once per role present in its room (coach, participant, projector: at most three reads per event and
worker, whatever the room's size), renders it once per role and locale, and every socket of that audience
gets the same bytes. What is personal stays out of the shared render: own cards are marked in the browser
from the ids it knows (board.js), and a participant's own blind cards, which nobody else may read, come as a
small per-person fragment after the shared board."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from jinja2_fragments import render_block
from sqlalchemy import select

from werkstatt.board import rules
from werkstatt.board.cards import empty_extras
from werkstatt.board.models import Idea
from werkstatt.board.queries import CARDS_PER_COLUMN, board_state
from werkstatt.board.service import idea_view
from werkstatt.live.hub import PERSONAL
from werkstatt.live.visibility import COACH, PARTICIPANT, PROJECTOR, Viewer
from werkstatt.network.models import FocusTopic, Town
from werkstatt.voting.service import dots_by_participant, own_dots_view, step_items
from werkstatt.web import environment
from werkstatt.workshops.models import FORMAT_LABELS, Participant
from werkstatt.workshops.service import get_workshop
from werkstatt.workshops.step_settings import blind_now

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.settings import Settings

BOARD = "_board"
# Events that change the whole board. A vote's reveal carries its tallies and is pushed as counts instead.
WHOLE_BOARD_TYPES = {"step_started", "workshop_closed", "revealed"}
# ... except on the projector, which shows a vote's result sorted, largest first: a vote's reveal and a fixed
# order give it a whole board (read once per event and worker, only when a projector is connected).
PROJECTOR_BOARD_TYPES = {"revealed", "ranking_fixed"}
MARK = "<!--board-->"  # board.js morphs what follows into #board


def changes_whole_board(event: dict[str, Any], role: str | None = None) -> bool:
    """Whether the event gives `role` a whole board (None: any audience, i.e. whether to prepare one)."""
    kind = event.get("type")
    if kind in WHOLE_BOARD_TYPES and not (kind == "revealed" and "tallies" in (event.get("data") or {})):
        return True
    return kind in PROJECTOR_BOARD_TYPES and role in (None, PROJECTOR)


class BoardPush:
    """The hub's preparer (reads) and the board's part of its renderer (renders), bound to one app."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, url: Callable[..., str | None]
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.url = url

    async def prepare(self, event: dict[str, Any], audiences: set[tuple[str, str]]) -> None:
        """Read once per role, then render once per audience in a thread: a board of thousands of cards must
        not hold the event loop (the worker's other sockets and requests go on meanwhile)."""
        if not changes_whole_board(event):
            return
        roles = {role for role, _locale in audiences if changes_whole_board(event, role)}
        workshop_id = UUID(str(event["workshop_id"]))
        async with self.sessionmaker() as db:
            workshop = await get_workshop(db, workshop_id)
            town = await db.get(Town, workshop.town_id)
            boards: dict[str, dict[str, Any]] = {}
            for role in sorted(roles & {COACH, PARTICIPANT, PROJECTOR}):
                viewer = Viewer(workshop_id=str(workshop_id), role=role, participant_id=None)
                state = await board_state(db, workshop, viewer, column_limit=CARDS_PER_COLUMN)
                state.update(
                    viewer=viewer,
                    town=town,
                    format_label=FORMAT_LABELS.get(workshop.format, workshop.format),
                    join_url=f"{self.settings.public_url or ''}/beitreten/{workshop.join_code}",
                    presence=event.get("_presence") or {"connected": 0, "by_target_group": {}},
                )
                boards[role] = state
            personal: dict[str, dict[str, Any]] = {}
            if PARTICIPANT in boards:
                personal = await own_blind_cards(db, workshop_id, boards)
                for pid, dots in (await own_dots(db, workshop_id, boards)).items():
                    personal.setdefault(pid, {})["dots"] = dots
        wanted = sorted((role, locale) for role, locale in audiences if role in boards)
        rendered = await asyncio.to_thread(
            lambda: {(role, locale): self._render(boards[role], role, locale) for role, locale in wanted}
        )
        event[BOARD] = rendered
        if personal:
            event[PERSONAL] = personal

    def render(self, event: dict[str, Any], viewer: Viewer) -> str | None:
        """The board for this audience, or None when the event was not prepared (replay, a failed read):
        the caller then asks the board to resync."""
        found = (event.get(BOARD) or {}).get((viewer.role, viewer.locale))
        return MARK + found if found is not None else None

    def _render(self, state: dict[str, Any], role: str, locale: str) -> str:
        viewer = state["viewer"]
        template = "board/projector.html" if role == PROJECTOR else "board/board.html"
        return str(render_block(environment(locale), template, "board", **state, **self._globals(viewer)))

    def render_personal(self, event: dict[str, Any], viewer: Viewer) -> str | None:
        mine = (event.get(PERSONAL) or {}).get(viewer.participant_id)
        if not mine or viewer.format != "html":  # a program reads its own cards from the events themselves
            return None
        module: Any = environment(viewer.locale).get_template("board/_push.html").module
        parts = []
        if "ideas" in mine:
            parts.append(str(module.own_cards(mine["ideas"], mine["others_blind"], viewer.workshop_id)))
        if "dots" in mine:
            voting: Any = environment(viewer.locale).get_template("voting/_live.html").module
            parts.append(str(voting.own_dots(mine["dots"], viewer.workshop_id)))
        return "".join(parts)

    def _globals(self, viewer: Viewer) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "csrf_token": "",  # htmx sends the page's token as a header (base.html: hx-headers)
            "account": None,
            "path": f"/w/{viewer.workshop_id}",
            "url": self._url,
        }

    def _url(self, name: str, **params: Any) -> str | None:
        try:
            return self.url(name, **params)
        except Exception:  # as web.url_for: a part of Werkstatt that is not installed has no link
            return None


async def own_blind_cards(
    db: AsyncSession, workshop_id: UUID, boards: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each participant's own cards that the shared board shows them only as a count (blind, not revealed)."""
    state = boards[PARTICIPANT]
    step = state.get("step")
    if step is None or step.mechanic != "collect" or not blind_now(step):
        return {}
    rows = (
        await db.execute(
            select(Idea, Participant)
            .join(Participant, Participant.id == Idea.participant_id)
            .where(
                Idea.workshop_id == workshop_id,
                Idea.step_position == step.position,
                *rules.ON_THE_BOARD,
            )
            .order_by(Idea.created_at, Idea.id)
        )
    ).all()
    topic_ids = {idea.focus_topic_id for idea, _ in rows if idea.focus_topic_id}
    topics = (
        {t.id: t for t in (await db.execute(select(FocusTopic).where(FocusTopic.id.in_(topic_ids)))).scalars()}
        if topic_ids
        else {}
    )
    own: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for idea, author in rows:
        view = idea_view(idea, author, step, topics.get(idea.focus_topic_id) if idea.focus_topic_id else None)
        view.update(own=True, **empty_extras())
        own[str(author.id)].append(view)
    blind = len(rows)  # the shared board counts them all as hidden; each author's line counts the others'
    return {pid: {"ideas": ideas, "others_blind": {step.position: blind - len(ideas)}} for pid, ideas in own.items()}


async def own_dots(db: AsyncSession, workshop_id: UUID, boards: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each voter's remaining dots and dots per card, when the pushed board is a dot vote: the shared board
    shows the whole budget."""
    step = boards[PARTICIPANT].get("step")
    if step is None or step.mechanic != "vote":
        return {}
    found = await dots_by_participant(db, workshop_id, step)
    field = (await step_items(db, step)).field  # a step on clusters: the forms name `cluster_id`
    return {pid: own_dots_view(step, mine, field) for pid, mine in found.items() if mine}
