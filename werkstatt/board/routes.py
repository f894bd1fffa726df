"""HTML: joining by code, the live board (participants and coach), its fragment, and the projector view.

Board forms answer htmx with a short notice (or a German error with 422) and no card: the card itself
arrives over the websocket like everyone else's, so the author never sees it twice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt import sessions
from werkstatt.board import queries
from werkstatt.board import service as board
from werkstatt.board.commands import from_form, run_command
from werkstatt.board.common import actor_for, viewer_for
from werkstatt.board.joinlimit import check_join_limit, count_join_failure, mark_device
from werkstatt.board.queries import board_state, column_ideas
from werkstatt.errors import DomainError, Invalid, field_errors
from werkstatt.i18n import _
from werkstatt.live.hub import Hub
from werkstatt.live.visibility import PROJECTOR
from werkstatt.network.models import TargetGroup, Town
from werkstatt.network.service import group_names
from werkstatt.settings import Settings
from werkstatt.uow import UnitOfWork
from werkstatt.web import N_, gettext, htmx, large_page, page
from werkstatt.workshops.models import FORMAT_LABELS, Workshop
from werkstatt.workshops.schemas import JoinIn
from werkstatt.workshops.service import code_expired, join_workshop, normalise_code
from werkstatt.workshops.step_settings import cluster_settings
from werkstatt.workshops.views import join_url


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return bool(htmx(request))


def _notice(request: Request[Any, Any, Any], text: str, status: int = 200, kind: str = "success") -> Response[str]:
    return page(request, "board/_notice.html", {"text": text, "kind": kind}, status_code=status)


class JoinController(Controller):
    include_in_schema = False

    @get("/beitreten", name="join")
    async def join_form(self, request: Request[Any, Any, Any], code: FromQuery[str | None] = None) -> Response[str]:
        return mark_device(request, page(request, "board/join.html", {"code": code or "", "errors": {}}))

    @post("/beitreten", name="join_lookup")
    async def join_lookup(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        await check_join_limit(request)
        form = await request.form()
        code = normalise_code(str(form.get("code", ""))[:20])
        found = (await db.execute(select(Workshop.id).where(Workshop.join_code == code))).first() if code else None
        if found is None:
            await count_join_failure(request)
            errors = {"code": _("Diesen Code gibt es nicht. Bitte prüfen Sie ihn.")}
            return mark_device(
                request, page(request, "board/join.html", {"code": code, "errors": errors}, status_code=422)
            )
        return mark_device(request, Redirect(f"/beitreten/{code}", status_code=303))

    @get("/beitreten/{code:str}", name="join_code")
    async def join_named(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> Response[Any]:
        await check_join_limit(request)
        workshop = (
            await db.execute(select(Workshop).where(Workshop.join_code == normalise_code(code[:20])))
        ).scalar_one_or_none()
        if workshop is None:
            await count_join_failure(request)
            errors = {"code": _("Diesen Code gibt es nicht. Bitte prüfen Sie ihn.")}
            return mark_device(
                request, page(request, "board/join.html", {"code": code[:20], "errors": errors}, status_code=404)
            )
        return mark_device(request, await self._name_form(request, db, workshop, {}, {}))

    async def _name_form(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        workshop: Workshop,
        values: dict[str, Any],
        errors: Mapping[str, str],
        status: int = 200,
    ) -> Response[str]:
        town = await db.get(Town, workshop.town_id)
        groups = list(
            (
                await db.execute(
                    select(TargetGroup)
                    .where(TargetGroup.network_id == workshop.network_id)
                    .order_by(TargetGroup.position)
                )
            ).scalars()
        )
        settings = request.app.state.settings
        return page(
            request,
            "board/join_name.html",
            {
                "expired": await code_expired(db, workshop, settings.join_code_days),
                "workshop": workshop,
                "town": town,
                "groups": groups,
                "group_options": [(group.slug, group.name) for group in groups],
                "values": values,
                "errors": errors,
                "format_label": FORMAT_LABELS.get(workshop.format, workshop.format),
            },
            status_code=status,
        )

    @post("/beitreten/{code:str}", name="join_submit")
    async def join_submit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        code: FromPath[str],
    ) -> Response[Any]:
        await check_join_limit(request)
        form = await request.form()
        values = {
            "display_name": str(form.get("display_name", ""))[:200],
            "target_group": form.get("target_group") or None,
        }
        state: sessions.SessionState | None = request.scope["state"].get("web_session")
        try:
            data = JoinIn.model_validate({"code": code[:20], **values})
            workshop, participant, _token, _event = await join_workshop(
                db, data, request.scope["state"].get("account"), code_days=settings.join_code_days
            )
        except ValidationError as error:
            found = await _by_code(db, code)
            if found is None:
                raise Invalid(_("Diesen Code gibt es nicht.")) from None
            return await self._name_form(request, db, found, values, field_errors(error), 422)
        except Invalid as error:
            if "code" in error.errors:
                await count_join_failure(request)
            await UnitOfWork.of(db).rollback()
            found = await _by_code(db, code)
            if found is None:
                return page(request, "board/join.html", {"code": code[:20], "errors": error.errors}, status_code=422)
            return await self._name_form(request, db, found, values, error.errors, 422)
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
        return mark_device(request, redirect)


class BoardController(Controller):
    path = "/w/{workshop_id:uuid}"
    include_in_schema = False

    async def _context(
        self, request: Request[Any, Any, Any], db: AsyncSession, hub: Hub, workshop_id: UUID, projector: bool = False
    ) -> dict[str, Any]:
        actor = await actor_for(request, db, workshop_id)
        viewer = viewer_for(request, actor)
        if projector:
            from dataclasses import replace

            viewer = replace(viewer, role=PROJECTOR, participant_id=None)
        context = await board_state(db, actor.workshop, viewer, column_limit=queries.CARDS_PER_COLUMN)
        context.update(
            actor=actor,
            viewer=viewer,
            town=await db.get(Town, actor.workshop.town_id),
            join_url=join_url(request, actor.workshop.join_code),
            format_label=FORMAT_LABELS.get(actor.workshop.format, actor.workshop.format),
            presence=hub.presence_summary(hub.rooms[str(workshop_id)])
            if str(workshop_id) in hub.rooms
            else {"connected": 0, "by_target_group": {}},
        )
        if actor.is_coach and not context["presence"].get("group_names"):  # the room has them once a coach joined
            context["presence"]["group_names"] = await group_names(db, actor.workshop.network_id)
        return context

    @get("/", name="board")
    async def board_page(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        hub: NamedDependency[Hub],
        workshop_id: FromPath[UUID],
    ) -> Response[str]:
        context = await self._context(request, db, hub, workshop_id)
        return await large_page(request, "board/board.html", context, block="board")

    @get("/board", name="board_fragment")
    async def board_fragment(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        hub: NamedDependency[Hub],
        workshop_id: FromPath[UUID],
    ) -> Response[str]:
        context = await self._context(request, db, hub, workshop_id)
        return await large_page(request, "board/board.html", context, block="board")

    @get("/beamer", name="projector")
    async def projector(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        hub: NamedDependency[Hub],
        workshop_id: FromPath[UUID],
    ) -> Response[str]:
        context = await self._context(request, db, hub, workshop_id, projector=True)
        if not context["actor"].is_coach:
            from werkstatt.errors import NotFound

            raise NotFound(_("Diese Seite gibt es nicht."))
        return await large_page(request, "board/projector.html", context, block="board")

    @get("/karten", name="board_more_cards")
    async def more_cards(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        spalte: FromQuery[str],
        nach: FromQuery[UUID],
    ) -> Response[str]:
        """ "weitere anzeigen": the next batch of one column's cards after the card `nach`."""
        actor = await actor_for(request, db, workshop_id)
        viewer = viewer_for(request, actor)
        workshop, column, limit = actor.workshop, spalte[:60], queries.CARDS_PER_COLUMN
        ideas, total = await column_ideas(db, workshop, viewer, column, nach, limit)
        step = board.current_step(workshop)
        may_cluster = column.startswith("cluster-") and (
            actor.is_coach or (step is not None and cluster_settings(step).who == "all" and not workshop.locked)
        )
        context = {
            "workshop": workshop,
            "viewer": viewer,
            "rest": ideas,
            "total": total,
            "column": column,
            "column_limit": limit,
            "spotlight": None,
            "may_cluster": may_cluster,
        }
        return page(request, "board/cards.html", context, block="cards")

    async def _run(
        self, request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID, action: Any, success: str
    ) -> Response[Any]:
        """authorize → validate → apply → record (in `action`); the unit of work commits, then publishes. A refusal
        rolls back and answers with the reason."""
        try:
            actor = await actor_for(request, db, workshop_id)
            await action(actor)
        except ValidationError as error:
            await UnitOfWork.of(db).rollback()
            errors = field_errors(error)
            return self._failed(request, workshop_id, next(iter(errors.values())), 422)
        except DomainError as error:
            await UnitOfWork.of(db).rollback()
            if error.status_code == 404:
                raise
            failed = self._failed(request, workshop_id, error.detail, error.status_code)
            if error.retry_after is not None:
                failed.headers["Retry-After"] = str(error.retry_after)
            return failed
        if _is_htmx(request):
            return _notice(request, gettext(request, success))
        return Redirect(f"/w/{workshop_id}", status_code=303)

    def _failed(self, request: Request[Any, Any, Any], workshop_id: UUID, message: str, status: int) -> Response[Any]:
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
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], workshop_id: FromPath[UUID]
    ) -> Response[Any]:
        text, topic = await _field(request, "text"), await _field(request, "focus_topic_id", 40)

        async def action(actor: Any) -> Any:
            return await _event(board.post_idea(db, actor, text, _uuid(topic, "focus_topic_id")))

        return await self._run(request, db, workshop_id, action, N_("Ihre Karte ist auf dem Board."))

    @post("/ideen/{idea_id:uuid}/aendern", name="board_edit_idea")
    async def edit_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        text = await _field(request, "text")
        action = lambda actor: _event(board.edit_idea(db, actor, idea_id, text))  # noqa: E731
        return await self._run(request, db, workshop_id, action, N_("Karte geändert."))

    @post("/ideen/{idea_id:uuid}/zurueckziehen", name="board_withdraw_idea")
    async def withdraw_idea(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        action = lambda actor: board.withdraw_idea(db, actor, idea_id)  # noqa: E731
        return await self._run(request, db, workshop_id, action, N_("Karte zurückgezogen."))

    @post("/ideen/{idea_id:uuid}/kommentare", name="board_comment")
    async def comment(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        text = await _field(request, "text")
        action = lambda actor: _event(board.post_comment(db, actor, idea_id, text))  # noqa: E731
        return await self._run(request, db, workshop_id, action, N_("Kommentar gespeichert."))

    @post("/ideen/{idea_id:uuid}/reaktion", name="board_react")
    async def react(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> Response[Any]:
        kind = await _field(request, "kind", 20)
        form = await request.form()
        wanted = str(form.get("on", ""))[:5]
        on = {"1": True, "true": True, "0": False, "false": False}.get(wanted)  # else: set unless given already
        action = lambda actor: board.react(db, actor, idea_id, kind, on)  # noqa: E731
        return await self._run(request, db, workshop_id, action, N_("Reaktion gespeichert."))

    @post("/steuerung", name="board_command")
    async def command(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], workshop_id: FromPath[UUID]
    ) -> Response[Any]:
        command = from_form(await request.form())
        return await self._run(request, db, workshop_id, lambda actor: run_command(db, actor, command), N_("Erledigt."))


async def _by_code(db: AsyncSession, code: str) -> Workshop | None:
    query = select(Workshop).where(Workshop.join_code == normalise_code(code[:20]))
    return (await db.execute(query)).scalar_one_or_none()


async def _field(request: Request[Any, Any, Any], name: str, limit: int = 5000) -> str:
    """One form field as text, cut at `limit` (the command then explains its own, smaller limit)."""
    return str((await request.form()).get(name) or "")[:limit]


async def _event(result: Any) -> Any:
    """Commands that also return the created row: the route only needs the event."""
    _row, event = await result
    return event


def _uuid(value: str | None, field: str) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise Invalid(_("Ungültige Auswahl."), {field: _("Ungültige Auswahl.")}) from None
