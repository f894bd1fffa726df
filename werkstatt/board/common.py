"""Shared request plumbing of the board's HTML and JSON faces: who is acting (the join limit: joinlimit.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from werkstatt.errors import Forbidden, NotFound
from werkstatt.i18n import _
from werkstatt.live.visibility import COACH, PARTICIPANT, Viewer
from werkstatt.network.permissions import Action, can
from werkstatt.security import UNSAFE, same_origin
from werkstatt.workshops.models import Workshop, WorkshopState
from werkstatt.workshops.service import Actor, get_workshop, require_credentials, resolve_actor

if TYPE_CHECKING:
    from litestar import Request
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.sessions import CurrentAccount


def bearer(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() or None if header.lower().startswith("bearer ") else None


async def actor_for(request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID) -> Actor:
    state = request.scope.get("state", {})
    token = bearer(request)
    if request.url.path.startswith("/api/") and request.method in UNSAFE and token is None:
        _same_origin_only(request)
    if request.url.path.startswith("/api/"):
        require_credentials(workshop_id, account=state.get("account"), session=state.get("web_session"), bearer=token)
    return await resolve_actor(
        db,
        workshop_id,
        account=state.get("account"),
        session=state.get("web_session"),
        bearer=token,
        writing=request.method in UNSAFE,
    )


def network_reader(account: CurrentAccount | None, workshop: Workshop) -> bool:
    """Once a workshop is closed, every member of its network may read (and export) its result."""
    return workshop.state == WorkshopState.closed and can(account, Action.view_workshop, workshop.network_id)


async def reader_for(request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID) -> Actor:
    """Who may read a workshop's result: its coach and participants, and once it is closed every member of
    its network (the Kernteam follows its town's project ideas to the workshop they came from). A reader
    sees what every participant saw: no names of guests, no hidden tallies."""
    try:
        return await actor_for(request, db, workshop_id)
    except NotFound:
        account = request.scope.get("state", {}).get("account")
        workshop = await get_workshop(db, workshop_id)
        if not network_reader(account, workshop):
            raise
        return Actor(workshop, None, account, is_coach=False)


def _same_origin_only(request: Request[Any, Any, Any]) -> None:
    """The API answers cookie-authenticated unsafe requests only from our own pages (no CSRF via /api)."""
    if same_origin(request):
        return
    raise Forbidden(_("Schreibende API-Aufrufe brauchen ein Bearer-Token."))


def viewer_for(request: Request[Any, Any, Any], actor: Actor, fmt: str = "html") -> Viewer:
    return Viewer(
        workshop_id=str(actor.workshop.id),
        role=COACH if actor.is_coach else PARTICIPANT,
        participant_id=str(actor.participant_id) if actor.participant_id else None,
        locale=str(request.scope.get("state", {}).get("locale", "de")),
        format=fmt,
    )
