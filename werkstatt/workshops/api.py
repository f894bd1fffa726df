"""JSON API for planning (API.md): create a workshop, read it as coach or participant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.errors import Forbidden, Invalid, Unauthenticated
from werkstatt.i18n import _
from werkstatt.idempotency import Effect, IdempotentOperation, idempotent
from werkstatt.security import origin_allowed
from werkstatt.settings import Settings
from werkstatt.workshops import methods_source
from werkstatt.workshops.permissions import may_moderate
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop, delete_test_workshop, require_credentials, resolve_actor
from werkstatt.workshops.views import join_url, public_base, workshop_view

if TYPE_CHECKING:
    from werkstatt.sessions import CurrentAccount, SessionState


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def require_not_cross_site(request: Request[Any, Any, Any], settings: Settings) -> None:
    """A browser cannot add an Authorization header to a cross-site request without CORS (we allow none),
    so a bearer call is safe; a call carried only by the session cookie must prove it is same-origin."""
    if bearer_token(request):
        return
    if request.headers.get("sec-fetch-site") == "same-origin":
        return
    if request.headers.get("origin") and origin_allowed(request.scope, settings, has_bearer=False):
        return
    raise Forbidden(_("Anfragen mit Sitzungs-Cookie müssen von dieser Seite kommen (Origin) oder ein Token tragen."))


class WorkshopsApiController(Controller):
    path = "/api/workshops"
    tags = ["Werkstätten"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/", name="api_workshop_create", status_code=201, operation_class=IdempotentOperation)
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        data: JSONBody[WorkshopCreate],
    ) -> dict[str, Any]:
        """Plan a workshop for a town of your network, with its agenda (coach)."""
        account: CurrentAccount | None = request.scope.get("state", {}).get("account")
        if account is None:
            raise Unauthenticated(_("Bitte melden Sie sich an oder senden Sie ein Token."))
        require_not_cross_site(request, settings)

        async def run() -> Effect:
            unknown = {
                f"agenda.{index}.method_slug": _("Diese Methode gibt es im Katalog nicht.")
                for index, step in enumerate(data.agenda)
                if step.method_slug and await _method_missing(db, step.method_slug, data, account)
            }
            if unknown:
                raise Invalid(_("Die Anfrage enthält ungültige Werte."), unknown)
            workshop = await create_workshop(db, account, data)
            return Effect(
                workshop_view(workshop, join_url(public_base(request, settings), workshop.join_code), coach=True)
            )

        return (await idempotent(request, db, settings, run, data=data)).body

    @get("/{workshop_id:uuid}", name="api_workshop_detail")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        """The workshop with its agenda, current step and state (coach or participant)."""
        state = request.scope.get("state", {})
        account: CurrentAccount | None = state.get("account")
        session: SessionState | None = state.get("web_session")
        token = bearer_token(request)
        require_credentials(workshop_id, account=account, session=session, bearer=token)
        actor = await resolve_actor(db, workshop_id, account=account, session=session, bearer=token, writing=False)
        view = workshop_view(
            actor.workshop,
            join_url(public_base(request, settings), actor.workshop.join_code),
            coach=may_moderate(actor),
        )
        return Response(view, headers={"cache-control": "no-store"})

    @delete("/{workshop_id:uuid}", name="api_workshop_delete", status_code=204, operation_class=IdempotentOperation)
    async def remove(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> None:
        """Delete a test workshop (`"test": true`, as `werkstatt loadtest` makes them) with everything in it
        (coach); 409 for any other workshop, 404 for anyone but its coaches."""
        state = request.scope.get("state", {})
        account, session = state.get("account"), state.get("web_session")
        token = bearer_token(request)
        require_credentials(workshop_id, account=account, session=session, bearer=token)
        actor = await resolve_actor(db, workshop_id, account=account, session=session, bearer=token)
        require_not_cross_site(request, settings)

        async def run() -> Effect:
            await delete_test_workshop(db, actor)
            return Effect()

        await idempotent(request, db, settings, run, actor=actor)


async def _method_missing(db: AsyncSession, slug: str, data: WorkshopCreate, account: CurrentAccount) -> bool:
    from werkstatt.network.models import Town

    town = await db.get(Town, data.town_id)
    network_id = town.network_id if town else account.network_id
    if network_id is None:
        return False  # the town check in create_workshop answers first
    return await methods_source.method_card(db, slug, network_id) is None
