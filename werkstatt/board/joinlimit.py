"""The door's limit on guessing join codes: strict per device, generous per address.

A device is a signed, HttpOnly cookie (`werkstatt_geraet`): a random id and its HMAC under the instance's
secret. It is set when a phone first opens the join page and again after a successful join, so each phone's
wrong codes count for itself. A wrong code counts for the device (if any) and for the client address; a
right code counts nowhere. A request is refused only when its own device has failed too often, or when its
address as a whole has (a limit that 40 phones behind one NAT cannot reach: each stops at its own device
limit first). Guessing: without cookies an attacker has JOIN_FAILURES_PER_ADDRESS tries per window and address
(600 an hour by default) against 31⁶ ≈ 887 million codes (README, "Joining")."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from litestar.datastructures import Cookie

from werkstatt.errors import TooMany
from werkstatt.i18n import _
from werkstatt.ratelimit import client_address
from werkstatt.sessions import read_cookie

if TYPE_CHECKING:
    from litestar import Request, Response

    from werkstatt.ratelimit import Limiter
    from werkstatt.settings import Settings

DEVICE_DAYS = 365


def device_cookie_name(settings: Settings) -> str:
    return "__Host-werkstatt_geraet" if settings.production else "werkstatt_geraet"


def _signature(settings: Settings, device: str) -> str:
    key = settings.resolved_secret_key.encode()
    return hmac.new(key, f"device:{device}".encode(), hashlib.sha256).hexdigest()[:32]


def device_id(request: Request[Any, Any, Any], settings: Settings) -> str | None:
    """The id of the request's device cookie when its signature holds, else None."""
    value = read_cookie(request.scope, device_cookie_name(settings))
    if not value or len(value) > 80 or "." not in value:
        return None
    device, _, signature = value.partition(".")
    if hmac.compare_digest(signature, _signature(settings, device)):
        return device
    return None


def device_cookie(settings: Settings, device: str) -> Cookie:
    return Cookie(
        key=device_cookie_name(settings),
        value=f"{device}.{_signature(settings, device)}",
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.production,
        max_age=DEVICE_DAYS * 86_400,
    )


def mark_device(request: Request[Any, Any, Any], settings: Settings, response: Response[Any]) -> Response[Any]:
    """Give the response a device cookie (a new one when the request has none or a forged one); renews it."""
    device = device_id(request, settings) or secrets.token_urlsafe(16)
    response.cookies.append(device_cookie(settings, device))
    return response


def _keys(request: Request[Any, Any, Any], settings: Settings) -> tuple[str | None, str]:
    device = device_id(request, settings)
    return (f"join-fail:device:{device}" if device else None), f"join-fail:{client_address(request.scope)}"


async def check_join_limit(request: Request[Any, Any, Any], settings: Settings, limiter: Limiter) -> None:
    """Refuse (429) when this device or this address has entered too many wrong codes in the window."""
    window = settings.join_window_minutes * 60
    device_key, address_key = _keys(request, settings)
    for key, limit, message in (
        (
            device_key,
            settings.join_failures_per_device,
            _("Zu viele falsche Codes von diesem Gerät. Bitte in %(minutes)d Minuten erneut versuchen."),
        ),
        (
            address_key,
            settings.join_failures_per_address,
            _("Zu viele falsche Codes aus diesem Netz. Bitte in %(minutes)d Minuten erneut versuchen."),
        ),
    ):
        if key is None:
            continue
        seen = await limiter.peek(key, window)
        if seen.count >= limit:
            raise TooMany(message % {"minutes": max(1, (seen.retry_after + 59) // 60)}, seen.retry_after)


async def count_join_failure(request: Request[Any, Any, Any], settings: Settings, limiter: Limiter) -> None:
    """One wrong code: counts for the device (when it has a cookie) and for the address."""
    window = settings.join_window_minutes * 60
    device_key, address_key = _keys(request, settings)
    if device_key is not None:
        await limiter.hit(device_key, window)
    await limiter.hit(address_key, window)
