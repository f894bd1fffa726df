"""HTML: joining by code, the live board (participants and coach), its fragment, and the projector view.

Board forms answer htmx with a short notice (or a German error with 422) and no card: the card itself
arrives over the websocket like everyone else's, so the author never sees it twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt import sessions
from werkstatt.board import queries
from werkstatt.board import service as board
from werkstatt.board.commands import from_form, run_command
from werkstatt.board.common import actor_for, viewer_for
from werkstatt.board.forms import IdeaForm, JoinCodeForm, JoinNameForm, ReactionForm, TextForm
from werkstatt.board.joinlimit import check_join_limit, count_join_failure, mark_device
from werkstatt.board.permissions import board_permissions, may_cluster
from werkstatt.board.queries import board_state, column_ideas
from werkstatt.errors import DomainError, Invalid
from werkstatt.forms import form_errors, form_page, form_values, parse_form, read_form
from werkstatt.i18n import _
from werkstatt.live.hub import Hub
from werkstatt.live.visibility import PROJECTOR
from werkstatt.network.models import Town
from werkstatt.network.service import group_names, groups_of
from werkstatt.ratelimit import Limiter
from werkstatt.settings import Settings
from werkstatt.uow import UnitOfWork
from werkstatt.web import N_, gettext, htmx, large_page, page
from werkstatt.workshops.models import FORMAT_LABELS, Workshop
from werkstatt.workshops.permissions import may_moderate, require_moderation_page
from werkstatt.workshops.schemas import JoinIn
from werkstatt.workshops.service import Actor, code_expired, join_workshop, normalise_code, workshop_by_code
from werkstatt.workshops.views import join_url, public_base


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return bool(htmx(request))


def _notice(request: Request[Any, Any, Any], text: str, status: int = 200, kind: str = "success") -> Response[str]:
    return page(request, "board/_notice.html", {"text": text, "kind": kind}, status_code=status)


class JoinController(Controller):
    include_in_schema = False

    @get("/beitreten", name="join")
    async def join_form(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], code: FromQuery[str | None] = None
    ) -> Response[str]:
        return mark_device(request, settings, page(request, "board/join.html", {"code": code or "", "errors": {}}))

    @post("/beitreten", name="join_lookup")
    async def join_lookup(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        limiter: NamedDependency[Limiter],
    ) -> Response[Any]:
        await check_join_limit(request, settings, limiter)
        form = await read_form(request, JoinCodeForm)
        code = normalise_code(form.code)
        if await workshop_by_code(db, code) is None:
            await count_join_failure(request, settings, limiter)
            return mark_device(request, settings, _unknown_code(request, code, 422))
        return mark_device(request, settings, Redirect(f"/beitreten/{code}", status_code=303))

    @get("/beitreten/{code:str}", name="join_code")
    async def join_named(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        limiter: NamedDependency[Limiter],
        code: FromPath[str],
    ) -> Response[Any]:
        await check_join_limit(request, settings, limiter)
        workshop = await workshop_by_code(db, code[:20])
        if workshop is None:
            await count_join_failure(request, settings, limiter)
            return mark_device(request, settings, _unknown_code(request, code[:20], 404))
        return mark_device(request, settings, await self._name_form(request, db, settings, workshop, {}))

    async def _name_form(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        workshop: Workshop,
        values: Mapping[str, Any],
        error: ValidationError | DomainError | None = None,
    ) -> Response[str]:
        groups = await groups_of(db, workshop.network_id)
        context = {
            "expired": await code_expired(db, workshop, settings.join_code_days),
            "workshop": workshop,
            "town": await db.get(Town, workshop.town_id),
            "groups": groups,
            "group_options": [(group.slug, group.name) for group in groups],
            "values": values,
            "format_label": FORMAT_LABELS.get(workshop.format, workshop.format),
        }
        return form_page(request, "board/join_name.html", context, error, block=None)

    @post("/beitreten/{code:str}", name="join_submit")
    async def join_submit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        limiter: NamedDependency[Limiter],
        code: FromPath[str],
    ) -> Response[Any]:
        await check_join_limit(request, settings, limiter)
        raw = await request.form()
        values = {key: value[:200] for key, value in form_values(raw, JoinNameForm).items()}
        state: sessions.SessionState | None = request.scope["state"].get("web_session")
        try:
            form = parse_form(raw, JoinNameForm)
            data = JoinIn.model_validate({"code": code[:20], **form.model_dump()})
            workshop, participant, _token, _event = await join_workshop(
                db, data, request.scope["state"].get("account"), code_days=settings.join_code_days
            )
        except ValidationError as error:
            found = await workshop_by_code(db, code[:20])
            if found is None:
                raise Invalid(_("Diesen Code gibt es nicht.")) from None
            return await self._name_form(request, db, settings, found, values, error)
        except Invalid as error:
            if "code" in error.errors:
                await count_join_failure(request, settings, limiter)
            await UnitOfWork.of(db).rollback()
            found = await workshop_by_code(db, code[:20])
            if found is None:
                return form_page(request, "board/join.html", {"code": code[:20]}, error, block=None)
            return await self._name_form(request, db, settings, found, values, error)
        participants = dict((state.data.get("participants") if state else None) or {})
        participants[str(workshop.id)] = str(participant.id)
        redirect = Redirect(f"/w/{workshop.id}", status_code=303)
        if state is None:
            _token, cookie = await sessions.open_session(
                db, settings, previous=None, data={"participants": participants}
            )
            redirect.cookies.append(cookie)
        else:
            await sessions.save_session_data(db, state, participants=participants)
        return mark_device(request, settings, redirect)


def _unknown_code(request: Request[Any, Any, Any], code: str, status: int) -> Response[str]:
    errors = {"code": _("Diesen Code gibt es nicht. Bitte prüfen Sie ihn.")}
    return page(request, "board/join.html", {"code": code, "errors": errors}, status_code=status)


async def provide_actor(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], workshop_id: FromPath[UUID]
) -> Actor:
    """Who is acting on this workshop's board (404 for anyone it does not exist for)."""
    return await actor_for(request, db, workshop_id)


async def provide_moderator(actor: NamedDependency[Actor]) -> Actor:
    """The board's coach, for the pages only the moderation opens (the projector)."""
    return require_moderation_page(actor)


class BoardController(Controller):
    path = "/w/{workshop_id:uuid}"
    include_in_schema = False
    dependencies = {  # noqa: RUF012 - Litestar reads it as a class attribute
        "actor": Provide(provide_actor),
        "moderator": Provide(provide_moderator),
    }

    async def _context(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        hub: Hub,
        actor: Actor,
        projector: bool = False,
    ) -> dict[str, Any]:
        viewer = viewer_for(request, actor)
        if projector:
            viewer = replace(viewer, role=PROJECTOR, participant_id=None)
        context = await board_state(db, actor.workshop, viewer, column_limit=queries.CARDS_PER_COLUMN)
        room = str(actor.workshop.id)
        context.update(
            actor=actor,
            viewer=viewer,
            town=await db.get(Town, actor.workshop.town_id),
            join_url=join_url(public_base(request, settings), actor.workshop.join_code),
            format_label=FORMAT_LABELS.get(actor.workshop.format, actor.workshop.format),
            presence=hub.presence_summary(hub.rooms[room])
            if room in hub.rooms
            else {"connected": 0, "by_target_group": {}},
        )
        if may_moderate(actor) and not context["presence"].get("group_names"):  # the room has them once a coach joined
            context["presence"]["group_names"] = await group_names(db, actor.workshop.network_id)
        return context

    @get(["/", "/board"], name="board")
    async def board_page(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        hub: NamedDependency[Hub],
        actor: NamedDependency[Actor],
    ) -> Response[str]:
        """The board: the whole page, or for htmx (a reconnect's fresh board at `/board`) its `board` block."""
        context = await self._context(request, db, settings, hub, actor)
        return await large_page(request, "board/board.html", context, block="board")

    @get("/beamer", name="projector")
    async def projector(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        hub: NamedDependency[Hub],
        moderator: NamedDependency[Actor],
    ) -> Response[str]:
        context = await self._context(request, db, settings, hub, moderator, projector=True)
        return await large_page(request, "board/projector.html", context, block="board")

    @get("/karten", name="board_more_cards")
    async def more_cards(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        spalte: FromQuery[str],
        nach: FromQuery[UUID],
    ) -> Response[str]:
        """ "weitere anzeigen": the next batch of one column's cards after the card `nach`."""
        viewer = viewer_for(request, actor)
        workshop, column, limit = actor.workshop, spalte[:60], queries.CARDS_PER_COLUMN
        ideas, total = await column_ideas(db, workshop, viewer, column, nach, limit)
        context = {
            "workshop": workshop,
            "viewer": viewer,
            "rest": ideas,
            "total": total,
            "column": column,
            "column_limit": limit,
            "spotlight": None,
            "may_cluster": column.startswith("cluster-") and may_cluster(actor),
            "permissions": board_permissions(workshop, viewer.role),
        }
        return page(request, "board/cards.html", context, block="cards")

    async def _run(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        workshop_id: UUID,
        action: Callable[[], Awaitable[object]],
        success: str,
    ) -> Response[Any]:
        """validate → apply → record (in `action`; the actor is authorised by its dependency); the unit of work
        commits, then publishes. A refusal rolls back and answers with the reason."""
        try:
            await action()
        except ValidationError as error:
            await UnitOfWork.of(db).rollback()
            errors = form_errors(error)
            return self._failed(request, next(iter(errors.values())), 422)
        except DomainError as error:
            await UnitOfWork.of(db).rollback()
            if error.status_code == 404:
                raise
            failed = self._failed(request, error.detail, error.status_code)
            if error.retry_after is not None:
                failed.headers["Retry-After"] = str(error.retry_after)
            return failed
        if _is_htmx(request):
            return _notice(request, gettext(request, success))
        return Redirect(f"/w/{workshop_id}", status_code=303)

    def _failed(self, request: Request[Any, Any, Any], message: str, status: int) -> Response[Any]:
        if _is_htmx(request):
            return _notice(request, message, status=status if status != 403 else 422, kind="error")
        return page(
            request,
            "errors/error.html",
            {"status": status, "title": _("Nicht möglich"), "detail": message},
            status_code=status,
        )

    @post("/ideen", name="board_post_idea")
    async def post_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        raw = await request.form()

        async def action() -> object:
            form = parse_form(raw, IdeaForm)
            return await board.post_idea(db, actor, form.text, form.focus_topic_id)

        return await self._run(request, db, workshop_id, action, N_("Ihre Karte ist auf dem Board."))

    @post("/ideen/{idea_id:uuid}/aendern", name="board_edit_idea")
    async def edit_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        raw = await request.form()

        async def action() -> object:
            return await board.edit_idea(db, actor, idea_id, parse_form(raw, TextForm).text)

        return await self._run(request, db, workshop_id, action, N_("Karte geändert."))

    @post("/ideen/{idea_id:uuid}/zurueckziehen", name="board_withdraw_idea")
    async def withdraw_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        action = partial(board.withdraw_idea, db, actor, idea_id)
        return await self._run(request, db, workshop_id, action, N_("Karte zurückgezogen."))

    @post("/ideen/{idea_id:uuid}/kommentare", name="board_comment")
    async def comment(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        raw = await request.form()

        async def action() -> object:
            return await board.post_comment(db, actor, idea_id, parse_form(raw, TextForm).text)

        return await self._run(request, db, workshop_id, action, N_("Kommentar gespeichert."))

    @post("/ideen/{idea_id:uuid}/reaktion", name="board_react")
    async def react(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        raw = await request.form()

        async def action() -> object:
            form = parse_form(raw, ReactionForm)
            return await board.react(db, actor, idea_id, form.kind, form.wanted)

        return await self._run(request, db, workshop_id, action, N_("Reaktion gespeichert."))

    @post("/steuerung", name="board_command")
    async def command(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        """A moderation or step command: the typed union of `board.commands` decides on the form's fields."""
        command = from_form(await request.form())
        return await self._run(request, db, workshop_id, partial(run_command, db, actor, command), N_("Erledigt."))
