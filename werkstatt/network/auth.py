"""Signing in and out, login limiting, invitations, password resets, API tokens and mail.

Every secret handed out (invitation, reset link, API token) is random, shown or sent once, and stored only as
its SHA-256. One-time links are spent with a single conditional UPDATE, so two clicks cannot both win.
Failed logins are rows in the database, counted per account and per client address by every worker."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import secrets
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from sqlalchemy import delete, func, select, update

from werkstatt.errors import Invalid, NotFound, TooMany, Unauthenticated, own_message
from werkstatt.i18n import Message, _, _n
from werkstatt.network.models import Account, ApiToken, Invitation, LoginAttempt, Network, PasswordReset, Role
from werkstatt.network.service import create_account, find_account, normalise_email
from werkstatt.passwords import hash_password, needs_rehash, verify_password
from werkstatt.sessions import API_TOKEN_PREFIX, end_account_sessions, hash_token, open_session

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from litestar.datastructures import Cookie
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.sessions import CurrentAccount, SessionState
    from werkstatt.settings import Settings

logger = logging.getLogger("werkstatt.auth")

INVITATION_DAYS = 7
RESET_HOURS = 2
API_TOKEN_DAYS = 30
PROFILE_TOKEN_DAYS = 365
WRONG_LOGIN = _("E-Mail-Adresse oder Passwort stimmen nicht.")


class WrongCredentials(Unauthenticated):
    """E-mail or password wrong (deliberately not saying which)."""


def _now() -> datetime:
    return datetime.now(UTC)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def client_address(scope: Any) -> str:
    """The peer address; behind a proxy uvicorn (with TRUST_PROXY_HEADERS) has already put the real one here."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def wait_message(seconds: int) -> Message:
    if seconds < 60:
        count = max(1, seconds)
        return _n(
            "Zu viele Fehlversuche. Bitte in %(n)d Sekunde erneut versuchen.",
            "Zu viele Fehlversuche. Bitte in %(n)d Sekunden erneut versuchen.",
            count,
        ) % {"n": count}
    minutes = math.ceil(seconds / 60)
    return _n(
        "Zu viele Fehlversuche. Bitte in %(n)d Minute erneut versuchen.",
        "Zu viele Fehlversuche. Bitte in %(n)d Minuten erneut versuchen.",
        minutes,
    ) % {"n": minutes}


# --- login limiting -------------------------------------------------------------------------------------
#
# Failures count per account *and* client address (the pair) and per client address alone, never per account
# alone: a stranger who knows a coach's e-mail address can slow down only their own guessing, while the
# coach's own device (another address) still gets in. A key may fail exactly as often as its setting says;
# after that each further try waits, and the wait doubles with every failure beyond the limit (capped at the
# window). Argon2 keeps guessing from many addresses expensive.

FIRST_DELAY = 30  # seconds to wait after the last allowed failure


def login_delay(beyond: int, window_seconds: int) -> int:
    """The wait after the last failure, when a key has failed `beyond` times more than it may (0: at the limit)."""
    return int(min(window_seconds, FIRST_DELAY * 2 ** min(beyond, 20)))


async def seconds_to_wait(db: AsyncSession, settings: Settings, limits: Sequence[tuple[str, int]]) -> int:
    """0 when every key may try again; otherwise the seconds until the longest wait is over."""
    now = _now()
    window = timedelta(minutes=settings.login_window_minutes)
    wait = 0
    for key, limit in limits:
        failures, last = (
            await db.execute(
                select(func.count(), func.max(LoginAttempt.at)).where(
                    LoginAttempt.key == key, LoginAttempt.at > now - window
                )
            )
        ).one()
        if failures >= limit and last is not None:
            if last.tzinfo is None:  # SQLite hands back naive UTC
                last = last.replace(tzinfo=UTC)
            delay = login_delay(failures - limit, int(window.total_seconds()))
            wait = max(wait, math.ceil((last + timedelta(seconds=delay) - now).total_seconds()))
    return wait


async def record_failure(db: AsyncSession, settings: Settings, keys: Sequence[str]) -> None:
    now = _now()
    await db.execute(
        delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(minutes=settings.login_window_minutes))
    )
    db.add_all(LoginAttempt(key=key, at=now) for key in keys)
    await db.commit()  # on its own, before the refusal: the request's unit of work rolls back, the count stays


def login_keys(email: str, client: str) -> tuple[str, str]:
    """The limiter keys of one login: the account at this client, and the client (hashed, never stored plain)."""
    return _key("pair", f"{email.strip().lower()}\n{client}"), _key("client", client)


async def authenticate(db: AsyncSession, settings: Settings, email: str, password: str, client: str) -> Account:
    """The account for e-mail and password, or WrongCredentials / TooMany. A waiting key is refused before the
    password is checked, so a guesser learns nothing more; exactly the configured number of failures is
    answered as wrong credentials, the next try has to wait."""
    email = email.strip().lower()
    pair_key, client_key = login_keys(email, client)
    limits = [
        (pair_key, settings.login_attempts_per_account),
        (client_key, settings.login_attempts_per_client),
    ]
    wait = await seconds_to_wait(db, settings, limits)
    if wait > 0:
        raise TooMany(wait_message(wait), wait)
    account = await find_account(db, email) if 0 < len(email) <= 254 else None
    valid = verify_password(account.password_hash if account else None, password)
    if account is None or not valid or not account.is_active:
        await record_failure(db, settings, [pair_key, client_key])
        raise WrongCredentials(WRONG_LOGIN)
    await db.execute(delete(LoginAttempt).where(LoginAttempt.key == pair_key))
    if account.password_hash and needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    await db.flush()
    return account


async def sign_in(db: AsyncSession, settings: Settings, previous: SessionState | None, account: Account) -> Cookie:
    """A fresh session id for the signed-in account; the previous session (anonymous or not) ends."""
    _token, cookie = await open_session(db, settings, previous=previous, account_id=account.id)
    await db.flush()
    return cookie


# --- mail -----------------------------------------------------------------------------------------------


def _send_mail_blocking(settings: Settings, to: str, subject: str, body: str) -> None:
    assert settings.smtp_url
    url = urlparse(settings.smtp_url)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host = url.hostname or "localhost"
    smtp: smtplib.SMTP
    if url.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(host, url.port or 465, timeout=20)
    else:
        smtp = smtplib.SMTP(host, url.port or 587, timeout=20)
    with smtp:
        if url.scheme != "smtps" and smtp.has_extn("starttls"):
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


async def send_mail(settings: Settings, to: str, subject: str, body: str) -> bool:
    """Send in a thread when SMTP is configured; a failure is logged and the link stays with the admin."""
    if not settings.smtp_url:
        return False
    try:
        await asyncio.to_thread(_send_mail_blocking, settings, to, subject, body)
    except (OSError, smtplib.SMTPException):
        logger.exception("mail to %s failed", to)
        return False
    return True


# --- invitations ----------------------------------------------------------------------------------------


async def invite(
    db: AsyncSession,
    settings: Settings,
    actor: CurrentAccount,
    network: Network,
    email: str,
    role: Role,
    display_name: str,
    base_url: str,
) -> tuple[str, bool]:
    """A one-time invitation link (and whether it went out by mail). A new invitation replaces open ones."""
    try:
        email = normalise_email(email)
    except ValueError as error:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {"email": own_message(error)}) from None
    if await find_account(db, email) is not None:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."),
            {"email": _("Für diese E-Mail-Adresse gibt es schon ein Konto.")},
        )
    await db.execute(delete(Invitation).where(func.lower(Invitation.email) == email, Invitation.accepted_at.is_(None)))
    token = new_secret()
    db.add(
        Invitation(
            email=email,
            role=role,
            display_name=display_name,
            network_id=network.id,
            invited_by_id=actor.id,
            token_hash=hash_token(token),
            expires_at=_now() + timedelta(days=INVITATION_DAYS),
        )
    )
    await db.flush()
    link = f"{base_url}/einladung/{token}"
    mailed = await send_mail(
        settings,
        email,
        f"Einladung zu Werkstatt – {network.name}",
        f"Guten Tag,\n\n{actor.display_name} lädt Sie in das Netzwerk „{network.name}“ auf Werkstatt ein.\n"
        f"Über diesen Link legen Sie Ihr Passwort fest (gültig {INVITATION_DAYS} Tage, nur einmal):\n\n{link}\n",
    )
    return link, mailed


async def find_invitation(db: AsyncSession, token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        await db.execute(
            select(Invitation).where(
                Invitation.token_hash == hash_token(token),
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > _now(),
            )
        )
    ).scalar_one_or_none()


async def accept_invitation(db: AsyncSession, token: str, display_name: str, password: str) -> Account:
    invitation = await find_invitation(db, token)
    if invitation is None:
        raise NotFound(_("Diese Einladung ist abgelaufen oder wurde schon verwendet."))
    spent = await db.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=_now())
    )
    if getattr(spent, "rowcount", 0) != 1:
        await db.rollback()
        raise NotFound(_("Diese Einladung ist abgelaufen oder wurde schon verwendet."))
    try:
        account = await create_account(
            db, invitation.email, Role(invitation.role), display_name, password, invitation.network_id
        )
    except ValueError as error:
        await db.rollback()
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {"password": own_message(error)}) from None
    await db.flush()
    return account


async def revoke_invitation(db: AsyncSession, network: Network, invitation_id: UUID) -> None:
    result = await db.execute(
        delete(Invitation).where(Invitation.id == invitation_id, Invitation.network_id == network.id)
    )
    if getattr(result, "rowcount", 0) != 1:
        await db.rollback()
        raise NotFound(_("Diese Einladung gibt es nicht."))
    await db.flush()


# --- password reset -------------------------------------------------------------------------------------


async def create_reset_link(db: AsyncSession, account: Account, base_url: str) -> str:
    token = new_secret()
    db.add(
        PasswordReset(
            account_id=account.id, token_hash=hash_token(token), expires_at=_now() + timedelta(hours=RESET_HOURS)
        )
    )
    await db.flush()
    return f"{base_url}/passwort-neu/{token}"


async def request_reset(db: AsyncSession, settings: Settings, email: str, base_url: str) -> None:
    """Mail a reset link when the account exists and SMTP is configured; the answer never says which."""
    account = await find_account(db, email.strip().lower()) if 0 < len(email) <= 254 else None
    if account is None or not account.is_active or not settings.smtp_url:
        return
    link = await create_reset_link(db, account, base_url)
    await send_mail(
        settings,
        account.email,
        "Werkstatt: neues Passwort festlegen",
        f"Guten Tag,\n\nüber diesen Link legen Sie ein neues Passwort fest (gültig {RESET_HOURS} Stunden, nur einmal):"
        f"\n\n{link}\n\nWenn Sie das nicht angefordert haben, können Sie diese Nachricht ignorieren.\n",
    )


async def find_reset(db: AsyncSession, token: str) -> PasswordReset | None:
    if not token or len(token) > 100:
        return None
    return (
        await db.execute(
            select(PasswordReset).where(
                PasswordReset.token_hash == hash_token(token),
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > _now(),
            )
        )
    ).scalar_one_or_none()


async def use_reset(db: AsyncSession, token: str, password: str) -> Account:
    """Set the new password once; every session of the account ends."""
    reset = await find_reset(db, token)
    if reset is None:
        raise NotFound(_("Dieser Link ist abgelaufen oder wurde schon verwendet."))
    spent = await db.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=_now())
    )
    account = await db.get(Account, reset.account_id)
    if getattr(spent, "rowcount", 0) != 1 or account is None:
        await db.rollback()
        raise NotFound(_("Dieser Link ist abgelaufen oder wurde schon verwendet."))
    account.password_hash = hash_password(password)
    await end_account_sessions(db, account.id)
    await db.execute(delete(LoginAttempt).where(LoginAttempt.key == _key("account", account.email)))
    await db.flush()
    return account


async def change_password(db: AsyncSession, account_id: UUID, current: str, password: str) -> None:
    account = await db.get(Account, account_id)
    if account is None or not verify_password(account.password_hash, current):
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."),
            {"current_password": _("Das bisherige Passwort stimmt nicht.")},
        )
    account.password_hash = hash_password(password)
    await db.flush()


# --- API tokens -----------------------------------------------------------------------------------------


async def create_api_token(db: AsyncSession, account_id: UUID, name: str, days: int) -> tuple[ApiToken, str]:
    token = API_TOKEN_PREFIX + new_secret()
    row = ApiToken(
        account_id=account_id,
        name=name,
        prefix=token[:10],
        token_hash=hash_token(token),
        expires_at=_now() + timedelta(days=days),
    )
    db.add(row)
    await db.flush()
    return row, token


async def api_tokens_of(db: AsyncSession, account_id: UUID) -> list[ApiToken]:
    return list(
        (
            await db.execute(
                select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.created_at.desc())
            )
        ).scalars()
    )


async def revoke_api_token(db: AsyncSession, account_id: UUID, token_id: UUID) -> str:
    """Delete one of the account's tokens; returns its hash, for the caller to close the sockets it opened."""
    result = await db.execute(
        delete(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.account_id == account_id)
        .returning(ApiToken.token_hash)
    )
    token_hash = result.scalar_one_or_none()
    if token_hash is None:
        await db.rollback()
        raise NotFound(_("Diesen Schlüssel gibt es nicht."))
    await db.flush()
    return str(token_hash)


async def revoke_own_token(db: AsyncSession, token: str) -> str:
    """`DELETE /api/auth/token`: the presented token revokes itself; returns its hash."""
    token_hash = hash_token(token)
    result = await db.execute(delete(ApiToken).where(ApiToken.token_hash == token_hash).returning(ApiToken.id))
    if result.scalar_one_or_none() is None:
        await db.rollback()
        raise Unauthenticated(_("Dieser API-Schlüssel ist ungültig."))
    await db.flush()
    return token_hash


async def update_profile(db: AsyncSession, account_id: UUID, display_name: str, locale: str) -> Account:
    account = await db.get(Account, account_id)
    if account is None:
        raise NotFound(_("Dieses Konto gibt es nicht."))
    account.display_name = display_name
    account.locale = locale
    await db.flush()
    return account
