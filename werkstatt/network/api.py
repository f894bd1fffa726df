"""The JSON API of the organisation (API.md): tokens, networks, focus topics, towns.

Same service commands as the HTML pages, same permission table. Errors are problem JSON with German messages.
A browser's cookie session may call unsafe endpoints only from this site's own origin (no CSRF via /api/);
programs use `Authorization: Bearer`."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.channels import ChannelsPlugin
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.errors import Forbidden, Unauthenticated
from werkstatt.i18n import _
from werkstatt.idempotency import Effect, IdempotentOperation, idempotent
from werkstatt.live.broker import announce_token_revoked
from werkstatt.network import auth, service
from werkstatt.network.forms import signed_in
from werkstatt.network.models import Town
from werkstatt.network.permissions import Action, allowed, require
from werkstatt.network.schemas import (
    FocusTopicCreate,
    FocusTopicOut,
    KernteamOut,
    NetworkCreate,
    NetworkOut,
    TokenOut,
    TokenRequest,
    TownCreate,
    TownDetail,
    TownOut,
    TownTopicOut,
)
from werkstatt.security import UNSAFE, same_origin
from werkstatt.settings import Settings
from werkstatt.uow import UnitOfWork

CROSS_ORIGIN = _("Die API nimmt Änderungen aus dem Browser nur von dieser Seite an; Programme nutzen API-Schlüssel.")


def api_allowed(action: Action) -> Any:
    """The permission guard, plus: an unsafe request signed in by cookie must come from our own origin."""
    role_guard = allowed(action)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        state = connection.scope.get("state", {})
        if state.get("auth") == "cookie" and connection.scope.get("method") in UNSAFE and not same_origin(connection):
            raise Forbidden(CROSS_ORIGIN)
        role_guard(connection, handler)

    guard.__name__ = f"api_{action.value}"
    return guard


def town_out(town: Town) -> TownOut:
    return TownOut(id=town.id, name=town.name, focus_topic_ids=[chosen.focus_topic_id for chosen in town.focus_topics])


class NetworkApi(Controller):
    path = "/api"
    tags = ["Netzwerk"]  # noqa: RUF012

    @post(
        "/auth/token",
        summary="API-Schlüssel mit E-Mail und Passwort holen",
        status_code=201,
        operation_class=IdempotentOperation,
    )
    async def token(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db: NamedDependency[AsyncSession],
        data: JSONBody[TokenRequest],
    ) -> TokenOut:
        async def run() -> Effect:
            client = auth.client_address(request.scope)
            account = await auth.authenticate(db, settings, data.email, data.password, client)
            row, token = await auth.create_api_token(db, account.id, "API-Anmeldung", auth.API_TOKEN_DAYS)
            assert row.expires_at is not None
            return Effect(TokenOut(token=token, expires_at=row.expires_at))

        return TokenOut.model_validate((await idempotent(request, db, settings, run, data=data, sealed=True)).body)

    @delete("/auth/token", summary="Den eigenen API-Schlüssel widerrufen", status_code=204)
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        channels: NamedDependency[ChannelsPlugin],
        db: NamedDependency[AsyncSession],
    ) -> None:
        """The token's holder revokes it; every socket it opened closes (4410) on every worker."""
        header = str(request.headers.get("authorization", ""))
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if request.scope.get("state", {}).get("auth") != "bearer" or not token:
            raise Unauthenticated(_("Bitte mit dem API-Schlüssel anmelden, der widerrufen werden soll."))
        token_hash = await auth.revoke_own_token(db, token)
        UnitOfWork.of(db).after_commit(partial(announce_token_revoked, channels, token_hash))

    @get("/networks", summary="Sichtbare Netzwerke", guards=[api_allowed(Action.view_network)])
    async def networks(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> list[NetworkOut]:
        networks = await service.visible_networks(db, signed_in(request))
        return [NetworkOut(id=network.id, name=network.name) for network in networks]

    @post(
        "/networks",
        summary="Netzwerk anlegen",
        status_code=201,
        guards=[api_allowed(Action.create_network)],
        operation_class=IdempotentOperation,
    )
    async def create_network(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        data: JSONBody[NetworkCreate],
    ) -> NetworkOut:
        async def run() -> Effect:
            require(signed_in(request), Action.create_network)
            network = await service.create_network(db, data.name)
            return Effect(NetworkOut(id=network.id, name=network.name))

        return NetworkOut.model_validate((await idempotent(request, db, settings, run, data=data)).body)

    @get(
        "/networks/{network_id:str}/focus-topics",
        summary="Schwerpunktthemen eines Netzwerks",
        guards=[api_allowed(Action.view_network)],
    )
    async def focus_topics(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> list[FocusTopicOut]:
        network = await service.get_network(db, signed_in(request), network_id)
        return [FocusTopicOut(id=topic.id, name=topic.name) for topic in await service.topics_of(db, network.id)]

    @post(
        "/networks/{network_id:str}/focus-topics",
        summary="Schwerpunktthema anlegen",
        status_code=201,
        guards=[api_allowed(Action.manage_taxonomy)],
        operation_class=IdempotentOperation,
    )
    async def create_focus_topic(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        network_id: FromPath[str],
        data: JSONBody[FocusTopicCreate],
    ) -> FocusTopicOut:
        async def run() -> Effect:
            account = signed_in(request)
            network = await service.get_network(db, account, network_id)
            require(account, Action.manage_taxonomy, network.id)
            topic = await service.create_focus_topic(db, network, data.name)
            return Effect(FocusTopicOut(id=topic.id, name=topic.name))

        return FocusTopicOut.model_validate((await idempotent(request, db, settings, run, data=data)).body)

    @get(
        "/networks/{network_id:str}/towns", summary="Städte eines Netzwerks", guards=[api_allowed(Action.view_network)]
    )
    async def towns(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> list[TownOut]:
        network = await service.get_network(db, signed_in(request), network_id)
        return [town_out(town) for town in await service.towns_of(db, network.id)]

    @post(
        "/networks/{network_id:str}/towns",
        summary="Stadt anlegen",
        status_code=201,
        guards=[api_allowed(Action.manage_town)],
        operation_class=IdempotentOperation,
    )
    async def create_town(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        network_id: FromPath[str],
        data: JSONBody[TownCreate],
    ) -> TownOut:
        async def run() -> Effect:
            account = signed_in(request)
            network = await service.get_network(db, account, network_id)
            require(account, Action.manage_town, network.id)
            town = await service.create_town(db, network, data.name, focus_topic_ids=data.focus_topic_ids)
            return Effect(town_out(await service.get_town(db, account, town.id)))

        return TownOut.model_validate((await idempotent(request, db, settings, run, data=data)).body)

    @get(
        "/towns/{town_id:str}",
        summary="Eine Stadt mit Kernteam und Schwerpunkten",
        guards=[api_allowed(Action.view_town)],
    )
    async def town(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> TownDetail:
        town = await service.get_town(db, signed_in(request), town_id)
        return TownDetail(
            id=town.id,
            name=town.name,
            network_id=town.network_id,
            description=town.description,
            focus_topic_ids=[chosen.focus_topic_id for chosen in town.focus_topics],
            focus_topics=[
                TownTopicOut(id=c.focus_topic_id, name=c.focus_topic.name, priority=c.priority, note=c.note)
                for c in town.focus_topics
            ],
            kernteam=[KernteamOut(id=m.id, display_name=m.display_name, role=str(m.role)) for m in town.kernteam],
        )
