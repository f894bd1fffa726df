"""Shapes a workshop is shown in (the API contract of API.md) and the public join address."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litestar import Request

    from werkstatt.settings import Settings
    from werkstatt.workshops.models import AgendaStep, Workshop


def public_base(request: Request[Any, Any, Any], settings: Settings) -> str:
    """PUBLIC_URL when the operator set it (a proxy may hide the real address), else the request's own."""
    base = settings.public_url or str(request.base_url)
    return base.rstrip("/")


def join_url(base: str, code: str) -> str:
    """The join address under `base` (`public_base`)."""
    return f"{base}/beitreten/{code}"


def step_view(step: AgendaStep, *, coach: bool) -> dict[str, Any]:
    """One agenda step; the moderation's notes only for a coach (a guest's JSON has no such key)."""
    view = {
        "position": step.position,
        "method_slug": step.method_slug,
        "title": step.title,
        "minutes": step.minutes,
        "board": {"mechanic": step.mechanic, "config": dict(step.config or {})},
        "instructions": step.instructions,
        "question": step.question,
    }
    if coach:
        view["facilitator_notes"] = step.facilitator_notes or ""
    return view


def workshop_view(workshop: Workshop, join_link: str, *, coach: bool) -> dict[str, Any]:
    """The workshop per API.md: `agenda` addressed by 0-based position, `current_step`, `state`; the steps'
    `facilitator_notes` only for a coach."""
    starts = workshop.starts_at
    if starts is not None and starts.tzinfo is None:
        starts = starts.replace(tzinfo=UTC)
    return {
        "id": str(workshop.id),
        "network_id": str(workshop.network_id),
        "town_id": str(workshop.town_id),
        "title": workshop.title,
        "format": str(workshop.format),
        "starts_at": starts.isoformat() if starts else None,
        "place": workshop.place,
        "planned_minutes": workshop.planned_minutes,
        "expected_participants": workshop.expected_participants,
        "focus_topic_ids": list(workshop.focus_topic_ids or []),
        "target_groups": list(workshop.target_groups or []),
        "state": str(workshop.state),
        "current_step": workshop.current_step,
        "locked": workshop.locked,
        "test": workshop.is_test,
        "join_code": workshop.join_code,
        "join_url": join_link,
        "agenda": [step_view(step, coach=coach) for step in sorted(workshop.steps, key=lambda s: s.position)],
    }
