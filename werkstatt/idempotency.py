"""`Idempotency-Key` for every unsafe JSON API route (API.md): a repeat with the same key and body returns the
first answer and has no second effect.

The key row is inserted inside a SAVEPOINT in the same transaction as the effect, and the answer is stored in
that transaction before the unit of work commits. A parallel retry therefore blocks on the unique constraint until
the first request ends: if it committed, the retry reads the stored answer; if it rolled back, the retry runs
afresh. Errors are not stored (they have no effect), so a failed request may be retried with the same key.

A service that must commit on its own (a failed login is counted even though the request fails) commits the key
row with it, and for a moment before the answer is stored a retry sees it "pending": it waits a little for the
answer instead of running the effect a second time.

Keys are scoped per principal (`account:<id>`, `participant:<id>`). Anonymous requests (`/api/join`,
`/api/auth/token`) are scoped by key plus body: only who sends the same body again gets the stored answer.
Answers that carry a secret (bearer tokens) are stored sealed with a key derived from the server secret and
the request body, so the table never holds a usable token (tokens are otherwise stored only as hashes).
Rows older than `RETENTION` are pruned a few at a time when a new key is stored."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from litestar.openapi.spec import OpenAPIType, Operation, Schema
from litestar.openapi.spec import Parameter as OpenAPIParameter
from litestar.serialization import decode_json, encode_json
from pydantic import BaseModel
from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from werkstatt.db import Base, JSONType
from werkstatt.errors import Conflict, Invalid
from werkstatt.i18n import _
from werkstatt.uow import UnitOfWork

if TYPE_CHECKING:
    from litestar import Request
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.settings import Settings
    from werkstatt.workshops.service import Actor

logger = logging.getLogger("werkstatt")

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
RETENTION = timedelta(hours=24)
PENDING_WAIT_SECONDS = 5.0
PRUNE_BATCH = 100
_PENDING = 0  # `status` of a key whose answer is not stored yet
_EXACT = "json"  # `response` holds {"json": "<the answer's JSON text>"} (or, sealed, {"sealed": "…"})


@dataclass
class IdempotentOperation(Operation):
    """The OpenAPI operation of an unsafe route (`@post(..., operation_class=IdempotentOperation)`): documents the
    optional header. Its value is checked by `once()` (German problem JSON), not by Litestar."""

    def __post_init__(self) -> None:
        header = OpenAPIParameter(
            name=HEADER,
            param_in="header",
            required=False,
            schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=MAX_KEY_LENGTH),
            description=(
                "Optional, 1–200 printable characters. A repeat with the same key and body returns the first answer "
                "with the same status and has no second effect; the same key with another body is 409. "
                "Kept for 24 hours."
            ),
        )
        self.parameters = [*(self.parameters or []), header]


class ApiRequest(Base):
    """One `Idempotency-Key` of a principal and the first answer given to it (`status` 0: not stored yet)."""

    __tablename__ = "api_request"
    __table_args__ = (
        UniqueConstraint("principal", "key", name="uq_api_request_key"),
        Index("ix_api_request_created_at", "created_at"),
    )

    principal: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer, default=_PENDING)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)


@dataclass(frozen=True)
class Effect:
    """What a route's command did: its answer and what else to do after the commit. (Its events are in the unit
    of work already: `live.events.record` put them there.)"""

    body: Mapping[str, Any] | BaseModel | None = None
    then: Callable[[], None] | None = None


@dataclass(frozen=True)
class Outcome:
    """The answer to give: fresh or replayed from the first request (then nothing happens after the commit)."""

    status: int
    body: dict[str, Any]
    replayed: bool = False
    then: Callable[[], None] | None = field(default=None, repr=False)


def check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(_("Ungültiger Idempotency-Key."), {HEADER: _("1 bis 200 druckbare Zeichen.")})


def principal_of(request: Request[Any, Any, Any], actor: Actor | None = None) -> str | None:
    """Whose keys these are: the coach's account, the acting participant, the signed-in account; None for an
    anonymous request. (A coach's participant row may be made by the very request, so it is not the scope.)"""
    if actor is not None:
        if actor.is_coach and actor.account is not None:
            return f"account:{actor.account.id}"
        if actor.participant_id is not None:
            return f"participant:{actor.participant_id}"
    account = request.scope.get("state", {}).get("account")
    return f"account:{account.id}" if account is not None else None


async def idempotent(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    settings: Settings,
    run: Callable[[], Awaitable[Effect]],
    *,
    data: BaseModel | dict[str, Any] | None = None,
    actor: Actor | None = None,
    sealed: bool = False,
) -> Outcome:
    """Run a route's command at most once per `Idempotency-Key` in the request's unit of work, which commits it and
    then publishes its events and runs its follow-up (only when it really ran). The status is the route's own,
    so a replay answers with the same status as the first. `data` is the body: a model, or the JSON object a
    route validates itself (a command)."""
    outcome = await once(
        db,
        principal_of(request, actor),
        request.headers.get(HEADER),
        request.method,
        request.url.path,
        data.model_dump(mode="json") if isinstance(data, BaseModel) else data,
        run,
        status=int(request.route_handler.status_code),
        secret=str(settings.resolved_secret_key).encode(),  # seals stored answers
        sealed=sealed,
    )
    if outcome.then is not None:
        UnitOfWork.of(db).after_commit(outcome.then)
    return outcome


async def once(
    db: AsyncSession,
    principal: str | None,
    key: str | None,
    method: str,
    path: str,
    body: Any,
    run: Callable[[], Awaitable[Effect]],
    *,
    status: int,
    secret: bytes,
    sealed: bool = False,
) -> Outcome:
    """`run()` under an idempotency key, in the caller's transaction (the caller's unit of work commits)."""
    if key is None:
        return _fresh(status, await run())
    check_key(key)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    body_hash = _mac(secret, b"body", canonical)
    if principal is None:
        principal = "anon:" + _mac(secret, b"anon", method.encode(), path.encode(), canonical)[:32]
    context = b"\0".join((principal.encode(), key.encode(), canonical))
    deadline = time.monotonic() + PENDING_WAIT_SECONDS
    while True:
        await _prune(db)
        row = ApiRequest(principal=principal, key=key, method=method, path=path, body_hash=body_hash)
        try:
            async with db.begin_nested():
                db.add(row)
                await db.flush()
            row_id = row.id
            break
        except IntegrityError:
            stored = await _stored(db, principal, key)
        if stored is None:  # the first request failed and let go of the key meanwhile
            continue
        if (stored.method, stored.path, stored.body_hash) != (method, path, body_hash):
            raise Conflict(
                _("Dieser Idempotency-Key wurde schon für eine andere Anfrage verwendet."),
                {HEADER: _("Schon mit anderem Inhalt verwendet.")},
            )
        if stored.status != _PENDING:
            return Outcome(stored.status, _unpack(stored.response, secret, context, sealed), replayed=True)
        # Committed by a service that commits on its own, answer not stored yet: wait without holding a lock.
        await db.rollback()
        if time.monotonic() > deadline:
            raise Conflict(
                _("Eine Anfrage mit diesem Idempotency-Key wird noch bearbeitet. Bitte gleich noch einmal versuchen."),
                {HEADER: _("Wird noch bearbeitet.")},
            )
        await asyncio.sleep(0.05)
    try:
        outcome = _fresh(status, await run())
    except Exception:
        try:
            await _let_go(db, row_id)
        except Exception:  # the original error matters more; the key row expires in any case
            logger.exception("could not release idempotency key")
        raise
    row.status = status
    row.response = _seal(secret, context, outcome.body) if sealed else {_EXACT: _text(outcome.body)}
    await db.flush()
    return outcome


def _fresh(status: int, effect: Effect) -> Outcome:
    body = effect.body.model_dump(mode="json") if isinstance(effect.body, BaseModel) else effect.body
    # The JSON the client gets, exactly as it will be stored and replayed (datetimes, UUIDs as strings).
    plain: dict[str, Any] = decode_json(encode_json(dict(body))) if body is not None else {}
    return Outcome(status, plain, then=effect.then)


async def _stored(db: AsyncSession, principal: str, key: str) -> ApiRequest | None:
    query = (
        select(ApiRequest)
        .where(ApiRequest.principal == principal, ApiRequest.key == key)
        .execution_options(populate_existing=True)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def _prune(db: AsyncSession) -> None:
    """Forget keys older than RETENTION, a batch at a time; rows another transaction holds are skipped."""
    stale = (
        select(ApiRequest.id)
        .where(ApiRequest.created_at < datetime.now(UTC) - RETENTION)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    await db.execute(delete(ApiRequest).where(ApiRequest.id.in_(stale)).execution_options(synchronize_session=False))


async def _let_go(db: AsyncSession, row_id: UUID) -> None:
    """The command failed: nothing of it stays, and the key is free again. Usually the rollback removes the key
    row; a service that committed on its own (e.g. a failed login is counted) committed it, so delete it."""
    await db.rollback()
    await db.execute(
        delete(ApiRequest)
        .where(ApiRequest.id == row_id, ApiRequest.status == _PENDING)
        .execution_options(synchronize_session=False)
    )
    await db.commit()


# --- hashing and sealing ------------------------------------------------------------------------------------


def _mac(secret: bytes, purpose: bytes, *parts: bytes) -> str:
    """Keyed, so that a stored hash of a body with a password in it cannot be tested against guesses."""
    message = b"werkstatt/idempotency/" + purpose + b"\0" + b"\0".join(parts)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _cipher(secret: bytes, context: bytes) -> AESGCM:
    """AES-256-GCM under a key derived (HKDF-SHA256) from the server secret and the request body, neither of
    which is in the table."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"werkstatt/idempotency/seal").derive(
        secret + b"\0" + context
    )
    return AESGCM(key)


def _seal(secret: bytes, context: bytes, body: dict[str, Any]) -> dict[str, Any]:
    nonce = secrets.token_bytes(12)
    plain = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return {"sealed": base64.b64encode(nonce + _cipher(secret, context).encrypt(nonce, plain, None)).decode()}


def _text(body: dict[str, Any]) -> str:
    """The answer as JSON text in its own key order: a JSON column on PostgreSQL (JSONB) would reorder an object's
    keys, a JSON string it keeps as it is. So the replay's bytes are the first answer's bytes."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _unpack(response: dict[str, Any] | None, secret: bytes, context: bytes, sealed: bool) -> dict[str, Any]:
    if not sealed or response is None:
        if response is not None and isinstance(response.get(_EXACT), str):
            exact: dict[str, Any] = json.loads(response[_EXACT])
            return exact
        return dict(response or {})  # stored before answers were kept as text
    raw = base64.b64decode(str(response["sealed"]))
    try:
        plain = _cipher(secret, context).decrypt(raw[:12], raw[12:], None)
    except InvalidTag:
        raise Conflict(  # the server secret changed since: the first answer cannot be given again
            _(
                "Die erste Antwort zu diesem Idempotency-Key lässt sich nicht wiederholen. Bitte einen neuen Schlüssel "
                "verwenden."
            ),
            {HEADER: _("Antwort nicht mehr lesbar.")},
        ) from None
    found: dict[str, Any] = json.loads(plain)
    return found
