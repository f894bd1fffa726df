"""JSON live API (API.md): join, ideas, comments, commands and the event log. Same commands as the pages."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board import service as board
from werkstatt.board.commands import CommandBody, run_command
from werkstatt.board.common import actor_for, viewer_for
from werkstatt.board.joinlimit import check_join_limit, count_join_failure
from werkstatt.board.queries import board_state
from werkstatt.board.visibility import redact_idea
from werkstatt.errors import Invalid
from werkstatt.idempotency import Effect, IdempotentOperation, idempotent
from werkstatt.live.events import event_dict, events_after
from werkstatt.live.visibility import sees, view_event
from werkstatt.ratelimit import Limiter
from werkstatt.settings import Settings
from werkstatt.workshops.schemas import CommentIn, IdeaEdit, IdeaIn, JoinIn
from werkstatt.workshops.service import join_workshop


class JoinApi(Controller):
    path = "/api/join"
    tags = ("Teilnahme",)  # type: ignore[assignment]

    @post(
        "/",
        status_code=201,
        summary="Einer Werkstatt per Code beitreten (Gast-Token)",
        operation_class=IdempotentOperation,
    )
    async def join(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        limiter: NamedDependency[Limiter],
        data: JSONBody[JoinIn],
    ) -> dict[str, Any]:
        await check_join_limit(request, settings, limiter)

        async def run() -> Effect:
            try:
                workshop, participant, token, _event = await join_workshop(
                    db, data, request.scope["state"].get("account"), code_days=settings.join_code_days
                )
            except Invalid as error:
                if "code" in error.errors:
                    await count_join_failure(request, settings, limiter)
                raise
            return Effect({"token": token, "workshop_id": str(workshop.id), "participant_id": str(participant.id)})

        return (await idempotent(request, db, settings, run, data=data, sealed=True)).body


class BoardApi(Controller):
    path = "/api/workshops/{workshop_id:uuid}"
    tags = ("Live-Board",)  # type: ignore[assignment]

    @get("/ideas", summary="Sichtbare Karten")
    async def list_ideas(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], workshop_id: FromPath[UUID]
    ) -> list[dict[str, Any]]:
        actor = await actor_for(request, db, workshop_id)
        state = await board_state(db, actor.workshop, viewer_for(request, actor, "json"))
        return list(state["ideas"])

    @post("/ideas", status_code=201, summary="Karte posten", operation_class=IdempotentOperation)
    async def post_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        data: JSONBody[IdeaIn],
    ) -> dict[str, Any]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            _idea, event = await board.post_idea(db, actor, data.text, data.focus_topic_id)
            return Effect(redact_idea(event.data["idea"], viewer_for(request, actor, "json")))

        return (await idempotent(request, db, settings, run, data=data, actor=actor)).body

    @patch("/ideas/{idea_id:uuid}", summary="Eigene Karte bearbeiten", operation_class=IdempotentOperation)
    async def edit_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[IdeaEdit],
    ) -> dict[str, Any]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            _idea, event = await board.edit_idea(db, actor, idea_id, data.text)
            return Effect(redact_idea(event.data["idea"], viewer_for(request, actor, "json")))

        return (await idempotent(request, db, settings, run, data=data, actor=actor)).body

    @delete(
        "/ideas/{idea_id:uuid}",
        status_code=204,
        summary="Eigene Karte zurückziehen",
        operation_class=IdempotentOperation,
    )
    async def withdraw_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> None:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            await board.withdraw_idea(db, actor, idea_id)
            return Effect()

        await idempotent(request, db, settings, run, actor=actor)

    @post(
        "/ideas/{idea_id:uuid}/comments",
        status_code=201,
        summary="Kommentar (weiterdenken)",
        operation_class=IdempotentOperation,
    )
    async def comment(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[CommentIn],
    ) -> dict[str, Any]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            _comment, event = await board.post_comment(db, actor, idea_id, data.text)
            view = view_event({"data": event.data, "type": event.type}, viewer_for(request, actor, "json"))
            return Effect(view["data"]["comment"])

        return (await idempotent(request, db, settings, run, data=data, actor=actor)).body

    @post(
        "/commands",
        status_code=200,
        summary="Moderationsbefehl (start_step, close, …)",
        description="`{type, …}`: one of the commands below, told apart by `type`; unknown fields are refused.",
        operation_class=IdempotentOperation,
    )
    async def command(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        data: JSONBody[CommandBody],
    ) -> dict[str, int]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            event = await run_command(db, actor, data)
            return Effect({"seq": event.seq})

        return (await idempotent(request, db, settings, run, data=data, actor=actor)).body

    @get("/events", summary="Ereignisse nach einer Nummer (seq)")
    async def events(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        after: Annotated[int, QueryParameter(ge=0, le=2**31)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 1000,
    ) -> list[dict[str, Any]]:
        actor = await actor_for(request, db, workshop_id)
        viewer = viewer_for(request, actor, "json")
        found = await events_after(db, workshop_id, after, limit)
        result = []
        for event in found:
            shaped = event_dict(event)
            if not sees(shaped, viewer):  # another person's vote: not listed (seqs have gaps)
                continue
            view = view_event(shaped, viewer)
            view.pop("workshop_id", None)
            result.append(view)
        return result
