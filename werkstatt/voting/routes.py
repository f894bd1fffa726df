"""HTML of voting: the board's vote panel (live updates push pieces of it; nothing fetches it again) and its forms.

A form answers htmx with the panel as the voter now sees it; an error keeps the panel and shows why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board.common import actor_for, viewer_for
from werkstatt.board.queries import board_state
from werkstatt.errors import CHECK_FIELDS, DomainError, NotFound
from werkstatt.forms import read_form
from werkstatt.live.visibility import PROJECTOR
from werkstatt.uow import UnitOfWork
from werkstatt.voting import service as voting
from werkstatt.voting.batch import TallyBatcher
from werkstatt.voting.forms import CastForm, ItemForm, OrderForm
from werkstatt.web import N_, gettext, htmx, render_html
from werkstatt.workshops.permissions import may_moderate
from werkstatt.workshops.service import Actor

Action = Callable[[Actor], Awaitable[Any]]


def _shown(error: DomainError) -> str:
    """What the panel says of a refusal: a refused form's one field message, else the refusal itself."""
    if error.detail == CHECK_FIELDS and error.errors:
        return next(iter(error.errors.values()))
    return error.detail


class VotingController(Controller):
    path = "/w/{workshop_id:uuid}/stimmen"
    include_in_schema = False

    async def _panel(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        actor: Actor,
        message: str | None = None,
        kind: str = "success",
        status: int = 200,
        projector: bool = False,
    ) -> Response[str]:
        viewer = viewer_for(request, actor)
        if projector and may_moderate(actor):
            viewer = replace(viewer, role=PROJECTOR, participant_id=None)
        context = await board_state(db, actor.workshop, viewer)
        context.update(actor=actor, viewer=viewer, message=message, message_kind=kind)
        html = render_html(request, "voting/_panel.html", context)
        return Response(html, media_type=MediaType.HTML, status_code=status)

    @get("/", name="voting_panel")
    async def panel(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        ansicht: FromQuery[str | None] = None,
    ) -> Response[str]:
        actor = await actor_for(request, db, workshop_id)
        return await self._panel(request, db, actor, projector=ansicht == "beamer")

    async def _run(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        tally_batcher: TallyBatcher,
        workshop_id: UUID,
        action: Action,
        done: str,
    ) -> Response[Any]:
        actor = await actor_for(request, db, workshop_id)
        try:
            event = await action(actor)
        except DomainError as error:
            await UnitOfWork.of(db).rollback()
            if (
                error.status_code == 404
                and not error.errors
                and not any(w in error.detail for w in ("Karte", "Cluster"))
            ):
                raise
            fresh = await actor_for(request, db, workshop_id)
            return await self._panel(
                request, db, fresh, _shown(error), "error", 422 if error.status_code == 403 else error.status_code
            )
        step = (event.data.get("vote") or {}).get("step")
        if step is not None:
            UnitOfWork.of(db).after_commit(partial(tally_batcher.touch, actor.workshop.id, int(step)))
        if not htmx(request):
            return Redirect(f"/w/{workshop_id}", status_code=303)
        fresh = await actor_for(request, db, workshop_id)
        return await self._panel(request, db, fresh, gettext(request, done))

    @post("/", name="voting_cast")
    async def cast(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        tally_batcher: NamedDependency[TallyBatcher],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        async def action(actor: Actor) -> Any:
            form = await read_form(request, CastForm)
            idea_id, cluster_id = form.target()
            _result, event = await voting.cast_vote(
                db, actor, idea_id, form.score_x, form.score_y, cluster_id=cluster_id
            )
            return event

        return await self._run(request, db, tally_batcher, workshop_id, action, N_("Gespeichert."))

    @post("/zuruecknehmen", name="voting_take_back")
    async def take_back(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        tally_batcher: NamedDependency[TallyBatcher],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        async def action(actor: Actor) -> Any:
            idea_id, cluster_id = (await read_form(request, ItemForm)).target()
            return await voting.withdraw_dot_on(db, actor, idea_id, cluster_id=cluster_id)

        return await self._run(request, db, tally_batcher, workshop_id, action, N_("Punkt zurückgenommen."))

    @post("/aufdecken", name="voting_reveal")
    async def reveal(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        tally_batcher: NamedDependency[TallyBatcher],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        return await self._run(
            request,
            db,
            tally_batcher,
            workshop_id,
            lambda actor: voting.reveal_tallies(db, actor),
            N_("Ergebnis aufgedeckt."),
        )

    @post("/reihenfolge", name="voting_order")
    async def order(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        tally_batcher: NamedDependency[TallyBatcher],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        async def action(actor: Actor) -> Any:
            form = await read_form(request, OrderForm)
            return await voting.set_final_order(db, actor, form.ordered())

        return await self._run(request, db, tally_batcher, workshop_id, action, N_("Reihenfolge festgelegt."))


__all__ = ["NotFound", "VotingController"]
