"""How much one person and one workshop may post: the one home of these limits. The HTML form, the JSON API and
the websocket all post through `board.service`, which asks here, so a participant's sockets and HTTP requests
share one count.

- a rate per participant (a burst, then one more every few seconds; cards and comments each their own bucket),
  and one per workshop that protects the worker: refused with `TooMany` (429, Retry-After);
- a number of cards per participant and step (the step's `max_cards_per_person`, else CARDS_PER_STEP) and a
  ceiling of cards per workshop: counted after the workshop row is locked (the lock `live.events.record` takes
  anyway), so parallel posts cannot overshoot; refused with `Invalid` (422: waiting does not help).

The coach is not limited per person (they transcribe the paper cards of the room); the workshop limits apply
to everyone. The limiter is set once at start-up (`configure`, from `create_app`); without it (scripts, the
demo) a memory limiter with the default settings counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import func, select

from werkstatt import metrics
from werkstatt.board.models import Idea
from werkstatt.errors import Invalid, TooMany
from werkstatt.i18n import Message, _
from werkstatt.ratelimit import Limiter
from werkstatt.workshops.models import Workshop
from werkstatt.workshops.permissions import may_moderate
from werkstatt.workshops.step_settings import collect_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.settings import Settings
    from werkstatt.workshops.models import AgendaStep
    from werkstatt.workshops.service import Actor

Kind = Literal["card", "comment"]

TOO_FAST: dict[Kind, Message] = {
    "card": _("Bitte etwas langsamer: Ihre nächste Karte geht in %(seconds)d Sekunden."),
    "comment": _("Bitte etwas langsamer: Ihr nächster Kommentar geht in %(seconds)d Sekunden."),
}
ROOM_BUSY = _("Gerade kommen sehr viele Beiträge auf einmal. Bitte in %(seconds)d Sekunden noch einmal senden.")
STEP_FULL = _("In diesem Schritt sind höchstens %(cap)d Karten pro Person möglich.")
WORKSHOP_FULL = _("Diese Werkstatt hat die Höchstzahl von %(cap)d Karten erreicht.")


@dataclass(frozen=True, slots=True)
class PostLimits:
    cards_per_step: int = 20
    burst: int = 5
    interval: float = 2.0  # seconds per post after the burst
    workshop_per_second: float = 30.0
    workshop_cards: int = 5000

    @classmethod
    def from_settings(cls, settings: Settings) -> PostLimits:
        return cls(
            cards_per_step=settings.cards_per_step,
            burst=settings.post_burst,
            interval=settings.post_interval_seconds,
            workshop_per_second=settings.workshop_posts_per_second,
            workshop_cards=settings.workshop_cards,
        )


@dataclass
class _Configured:
    limiter: Limiter
    limits: PostLimits


CONFIGURED = _Configured(Limiter(), PostLimits())


def configure(limiter: Limiter, limits: PostLimits) -> None:
    """At start-up: the app's limiter (Redis or memory) and its settings."""
    CONFIGURED.limiter, CONFIGURED.limits = limiter, limits


async def check_rate(actor: Actor, kind: Kind) -> None:
    """Before anything is written: the person's bucket first (a flood refused there does not drain the
    room's), then the workshop's."""
    limiter, limits = CONFIGURED.limiter, CONFIGURED.limits
    if not may_moderate(actor) and actor.participant_id is not None:
        mine = await limiter.take(f"{kind}:{actor.participant_id}", burst=limits.burst, interval=limits.interval)
        if not mine.allowed:
            metrics.post_refused("person")
            raise TooMany(TOO_FAST[kind] % {"seconds": mine.retry_after}, mine.retry_after, personal=True)
    per_second = limits.workshop_per_second
    room = await limiter.take(f"posts:{actor.workshop.id}", burst=max(1, round(per_second)), interval=1 / per_second)
    if not room.allowed:
        metrics.post_refused("workshop")
        raise TooMany(ROOM_BUSY % {"seconds": room.retry_after}, room.retry_after)


async def check_cards(db: AsyncSession, actor: Actor, step: AgendaStep) -> None:
    """Lock the workshop row, then count: concurrent posts of one workshop queue here (PostgreSQL; SQLite
    serialises writers with BEGIN IMMEDIATE), so the counts cannot be overtaken before this post commits."""
    workshop = actor.workshop
    await db.execute(select(Workshop.id).where(Workshop.id == workshop.id).with_for_update())
    participant_id = actor.participant_id
    mine = func.count(Idea.id).filter(
        Idea.participant_id == participant_id, Idea.step_position == step.position, Idea.withdrawn.is_(False)
    )
    own, total = (await db.execute(select(mine, func.count(Idea.id)).where(Idea.workshop_id == workshop.id))).one()
    limits = CONFIGURED.limits
    if total >= limits.workshop_cards:
        metrics.post_refused("workshop_cards")
        raise Invalid(WORKSHOP_FULL % {"cap": limits.workshop_cards}, {"text": _("Limit erreicht.")})
    cap = collect_settings(step).max_cards_per_person or limits.cards_per_step
    if not may_moderate(actor) and own >= cap:
        metrics.post_refused("step_cap")
        raise Invalid(STEP_FULL % {"cap": cap}, {"text": _("Limit erreicht.")})
