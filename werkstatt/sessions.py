"""Server-side sessions kept in the database (shared by every worker).

The cookie holds a random token; the table keeps only its SHA-256. A new token is issued at login and at
every role change (no session fixation); logout deletes the row. Account sessions end after an idle and an
absolute timeout; guest sessions after GUEST_SESSION_HOURS.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from litestar.datastructures import Cookie
from litestar.middleware import ASGIMiddleware
from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base, JSONType
from werkstatt.i18n import pick_locale
from werkstatt.network.models import Account, ApiToken, KernteamMember, Role
from werkstatt.uow import unit_of_work

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.settings import Settings

TOUCH_EVERY = timedelta(seconds=60)
# Account API tokens carry this prefix, so that other bearer tokens (workshop guests) are left to their domain.
API_TOKEN_PREFIX = "wst_"  # noqa: S105 - a public prefix, not a secret


class WebSession(Base):
    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    account_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="CASCADE"), index=True, default=None
    )
    locale: Mapped[str | None] = mapped_column(String(5), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    last_seen_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)


@dataclass(frozen=True)
class CurrentAccount:
    """What a request knows about its signed-in account (a snapshot, not a live ORM object)."""

    id: UUID
    email: str
    display_name: str
    role: str
    locale: str
    network_id: UUID | None = None
    town_ids: frozenset[UUID] = frozenset()  # the towns whose Kernteam a Kernteam account belongs to


@dataclass
class SessionState:
    id: UUID
    token_hash: str
    account: CurrentAccount | None
    locale: str | None
    data: dict[str, Any] = field(default_factory=dict)


def cookie_name(settings: Settings) -> str:
    return "__Host-werkstatt_session" if settings.production else "werkstatt_session"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def account_snapshot(account: Account, town_ids: frozenset[UUID] = frozenset()) -> CurrentAccount:
    return CurrentAccount(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        role=str(account.role),
        locale=account.locale,
        network_id=getattr(account, "network_id", None),
        town_ids=town_ids,
    )


async def kernteam_towns(db: AsyncSession, account: Account) -> frozenset[UUID]:
    """The towns whose Kernteam a Kernteam account belongs to (through a linked Kernteam member); the town
    scope of the permission table asks this snapshot."""
    if account.role != Role.kernteam:
        return frozenset()
    found = await db.scalars(select(KernteamMember.town_id).where(KernteamMember.account_id == account.id))
    return frozenset(found)


async def load_snapshot(db: AsyncSession, account: Account) -> CurrentAccount:
    return account_snapshot(account, await kernteam_towns(db, account))


async def load_session(db: AsyncSession, settings: Settings, token: str) -> SessionState | None:
    now = _now()
    row = (
        await db.execute(
            select(WebSession, Account)
            .outerjoin(Account, Account.id == WebSession.account_id)
            .where(WebSession.token_hash == hash_token(token), WebSession.expires_at > now)
        )
    ).first()
    if row is None:
        return None
    web_session, account = row
    if web_session.account_id is not None:
        idle = timedelta(minutes=settings.session_idle_minutes)
        if account is None or not account.is_active or web_session.last_seen_at + idle < now:
            await db.execute(delete(WebSession).where(WebSession.id == web_session.id))
            return None
    if web_session.last_seen_at + TOUCH_EVERY < now:
        await db.execute(update(WebSession).where(WebSession.id == web_session.id).values(last_seen_at=now))
    return SessionState(
        id=web_session.id,
        token_hash=web_session.token_hash,
        account=await load_snapshot(db, account) if account is not None else None,
        locale=web_session.locale,
        data=dict(web_session.data or {}),
    )


def session_cookie(settings: Settings, token: str, max_age: int) -> Cookie:
    return Cookie(
        key=cookie_name(settings),
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.production,
        max_age=max_age,
    )


def clear_cookie(settings: Settings) -> Cookie:
    return Cookie(
        key=cookie_name(settings),
        value="",
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.production,
        max_age=0,
        expires=0,
    )


async def open_session(
    db: AsyncSession,
    settings: Settings,
    *,
    previous: SessionState | None,
    account_id: UUID | None = None,
    locale: str | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[str, Cookie]:
    """Start a session with a fresh token, ending the previous one (rotation). Caller commits."""
    token = secrets.token_urlsafe(32)
    now = _now()
    lifetime = (
        timedelta(hours=settings.session_absolute_hours)
        if account_id
        else timedelta(hours=settings.guest_session_hours)
    )
    carried = dict(previous.data) if previous else {}
    carried.update(data or {})
    if previous is not None:
        await db.execute(delete(WebSession).where(WebSession.id == previous.id))
    db.add(
        WebSession(
            token_hash=hash_token(token),
            account_id=account_id,
            locale=locale or (previous.locale if previous else None),
            data=carried,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    return token, session_cookie(settings, token, int(lifetime.total_seconds()))


async def save_session_data(db: AsyncSession, state: SessionState, **changes: Any) -> None:
    state.data.update(changes)
    await db.execute(update(WebSession).where(WebSession.id == state.id).values(data=dict(state.data)))


async def set_session_locale(db: AsyncSession, state: SessionState, locale: str) -> None:
    state.locale = locale
    await db.execute(update(WebSession).where(WebSession.id == state.id).values(locale=locale))


async def end_session(db: AsyncSession, state: SessionState | None) -> None:
    if state is not None:
        await db.execute(delete(WebSession).where(WebSession.id == state.id))


async def session_alive(db: AsyncSession, token_hash: str) -> bool:
    found = await db.execute(
        select(WebSession.id).where(WebSession.token_hash == token_hash, WebSession.expires_at > _now())
    )
    return found.first() is not None


ENDED = "werkstatt.ended_sessions"


async def end_account_sessions(db: AsyncSession, account_id: UUID) -> None:
    """End every browser session of an account (role changed, locked, password reset). The ended sessions'
    hashes wait in `db.info` until the caller has committed and announces them with `ended_sessions`, so that
    their open websockets close on every worker."""
    ended = await db.execute(
        delete(WebSession).where(WebSession.account_id == account_id).returning(WebSession.token_hash)
    )
    db.info.setdefault(ENDED, []).extend(ended.scalars())


def ended_sessions(db: AsyncSession) -> list[str]:
    """The hashes of the sessions that `end_account_sessions` ended in this unit of work (taken once)."""
    return list(db.info.pop(ENDED, []))


async def load_api_account(db: AsyncSession, token: str) -> CurrentAccount | None:
    """The account behind an API token, or None when the token is unknown, expired or its account inactive."""
    now = _now()
    row = (
        await db.execute(
            select(ApiToken, Account)
            .join(Account, Account.id == ApiToken.account_id)
            .where(ApiToken.token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        return None
    api_token, account = row
    if not account.is_active or (api_token.expires_at is not None and api_token.expires_at <= now):
        return None
    if api_token.last_used_at is None or api_token.last_used_at + TOUCH_EVERY < now:
        await db.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    return await load_snapshot(db, account)


def bearer_token(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
    return None


def read_cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_key, _, cookie_value = part.strip().partition("=")
                if cookie_key == name and cookie_value:
                    return cookie_value
    return None


class SessionMiddleware(ASGIMiddleware):
    """Loads the session and the signed-in account into `scope["state"]`, and picks the locale.

    `Authorization: Bearer wst_…` (an account API token) signs the request in as that account and wins over
    the cookie; `scope["state"]["auth"]` says how ("cookie", "bearer" or None). Other bearer tokens (workshop
    guests) are left alone for their own domain to resolve."""

    scopes = ("http", "websocket")  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        app = scope["litestar_app"]
        settings: Settings = app.state.settings
        factory: async_sessionmaker[AsyncSession] = app.state.sessionmaker
        state: SessionState | None = None
        api_account: CurrentAccount | None = None
        token = read_cookie(scope, cookie_name(settings))
        bearer = bearer_token(scope)
        use_bearer = bearer is not None and bearer.startswith(API_TOKEN_PREFIX)
        wants_cookie = token is not None and len(token) < 100
        if (wants_cookie or use_bearer) and not scope["path"].startswith("/static/"):
            async with unit_of_work(factory) as uow:  # commits the session's touch or its expiry
                db = uow.session
                if wants_cookie and token is not None:
                    state = await load_session(db, settings, token)
                if use_bearer and bearer is not None and len(bearer) < 200:
                    api_account = await load_api_account(db, bearer)
        scope_state = scope.setdefault("state", {})
        scope_state["web_session"] = state
        if use_bearer:
            scope_state["account"] = api_account
            scope_state["auth"] = "bearer" if api_account else None
        else:
            scope_state["account"] = state.account if state else None
            scope_state["auth"] = "cookie" if state and state.account else None
        account = scope_state["account"]
        chosen = (state.locale if state else None) or (account.locale if account is not None else None)
        scope_state["locale"] = pick_locale(chosen, settings.default_locale)
        await next_app(scope, receive, send)
