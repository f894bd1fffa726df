"""Which cards a vote, rank or matrix step offers: one rule, read by the board, voting, the ranking and results.

A step chooses its cards with `config.cards` (werkstatt.catalogue.schema.CardSource). Without it, the default:
walk back from the step to the nearest earlier step that

- **collects**: its cards, together with the collect steps right before it that ask the same question
  (a method's "Träumer / Realist / Kritiker" steps; steps without a question count as asking the same); the
  discuss, timer and cluster steps between them do not interrupt. So the Blitzlicht keywords of the opening
  are never voted next to the "Was stört Sie?" cards;
- **votes, rates or ranks** (vote, rate_matrix, rank): the same cards as that step, so "Punkte vergeben" →
  "Ergebnis zeigen" → "Aufwand und Nutzen" stay on one set.

An agenda without an earlier collect or vote step offers every card (as before steps chose their cards). A
`cards` setting that no longer fits the agenda (the referenced step moved, or is not a collect or vote step
before this one) falls back to the default. Within the chosen set the card rules (werkstatt.board.rules) still
decide: merged, hidden and withdrawn cards are never offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import false, func, select

from werkstatt.board import rules
from werkstatt.board.models import Idea
from werkstatt.i18n import _
from werkstatt.workshops.step_settings import CardSource, card_source

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import AgendaStep, Workshop

CHOOSING = frozenset({"vote", "rank", "rate_matrix"})
COLLECTING = "collect"
NOT_OFFERED = _("Diese Karte steht in diesem Schritt nicht zur Wahl.")


@dataclass(frozen=True)
class StepCards:
    """The resolved choice: every card, the cards of some collect steps, or the top N of a vote step (whose
    own choice `of` is resolved as well)."""

    kind: Literal["all", "step", "top"]
    steps: tuple[int, ...] = ()
    top_of: int | None = None
    n: int | None = None
    of: StepCards | None = None
    explicit: bool = False

    def public(self) -> dict[str, Any]:
        """As the API and results name it (`cards` of a step): `from`, `steps`, `step`, `n`, `default`."""
        found: dict[str, Any] = {"from": self.kind, "default": not self.explicit}
        if self.kind == "step":
            found["steps"] = list(self.steps)
        if self.kind == "top":
            found.update(step=self.top_of, n=self.n)
        return found


EVERY_CARD = StepCards("all")


def _steps(workshop: Workshop) -> dict[int, AgendaStep]:
    return {step.position: step for step in workshop.steps}


def _question_group(by_position: dict[int, AgendaStep], position: int) -> tuple[int, ...]:
    """The collect step at `position` and the collect steps right before it with the same question (steps
    without a question count as asking the same one)."""
    question = by_position[position].question.strip()
    group = [position]
    at = position - 1
    while at in by_position:
        step = by_position[at]
        if step.mechanic == COLLECTING:
            if step.question.strip() != question:
                break
            group.append(at)
        elif step.mechanic in CHOOSING:
            break
        at -= 1
    return tuple(sorted(group))


def _explicit(by_position: dict[int, AgendaStep], step: AgendaStep, source: CardSource, depth: int) -> StepCards | None:
    if source.from_ == "all":
        return StepCards("all", explicit=True)
    target = by_position.get(source.step) if source.step is not None else None
    if target is None or target.position >= step.position:
        return None
    if source.from_ == "step" and target.mechanic == COLLECTING:
        return StepCards("step", (target.position,), explicit=True)
    if source.from_ == "top" and target.mechanic == "vote":
        return StepCards(
            "top", top_of=target.position, n=source.n, of=_resolve(by_position, target, depth + 1), explicit=True
        )
    return None


def _resolve(by_position: dict[int, AgendaStep], step: AgendaStep, depth: int = 0) -> StepCards:
    if depth > len(by_position):  # cannot happen (references point backwards), but never loop
        return EVERY_CARD
    source = card_source(step)
    if source is not None and (chosen := _explicit(by_position, step, source, depth)) is not None:
        return chosen
    for position in range(step.position - 1, -1, -1):
        earlier = by_position.get(position)
        if earlier is None:
            continue
        if earlier.mechanic == COLLECTING:
            return StepCards("step", _question_group(by_position, position))
        if earlier.mechanic in CHOOSING:
            return _resolve(by_position, earlier, depth + 1)
    return EVERY_CARD


def chosen_cards(workshop: Workshop, step: AgendaStep | None) -> StepCards:
    """The cards this step offers (every card for a step that chooses none: collect, cluster, discuss …)."""
    if step is None or step.mechanic not in CHOOSING:
        return EVERY_CARD
    return _resolve(_steps(workshop), step)


async def top_ids(db: AsyncSession, workshop: Workshop, chosen: StepCards) -> list[Any]:
    """The ids of the top N cards of a vote step (by its dots on cards that still count; ties at the N-th place
    come along); cards without a dot are never "top"."""
    from werkstatt.voting.models import Vote  # voting builds on the board, not the other way round

    assert chosen.top_of is not None and chosen.n is not None
    inner = await conditions(db, workshop, chosen.of or EVERY_CARD)
    rows = (
        await db.execute(
            select(Vote.idea_id, func.count(Vote.id))
            .join(Idea, Idea.id == Vote.idea_id)
            .where(
                Vote.step_position == chosen.top_of, Vote.slot.is_not(None), *rules.counted_cards(workshop.id), *inner
            )
            .group_by(Vote.idea_id)
            .order_by(func.count(Vote.id).desc())
        )
    ).all()
    if not rows:
        return []
    threshold = rows[min(chosen.n, len(rows)) - 1][1]
    return [idea_id for idea_id, count in rows if count >= threshold]


async def conditions(db: AsyncSession, workshop: Workshop, chosen: StepCards) -> list[Any]:
    """SQL conditions on Idea for the chosen cards (none for every card)."""
    if chosen.kind == "step":
        return [Idea.step_position.in_(chosen.steps)]
    if chosen.kind == "top":
        ids = await top_ids(db, workshop, chosen)
        return [Idea.id.in_(ids)] if ids else [false()]
    return []


async def step_conditions(db: AsyncSession, workshop: Workshop, step: AgendaStep | None) -> list[Any]:
    """SQL conditions on Idea for the cards `step` offers."""
    return await conditions(db, workshop, chosen_cards(workshop, step))


def describe(workshop: Workshop, chosen: StepCards) -> str:
    """In German, for the planning page and the board: where the cards come from."""
    by_position = _steps(workshop)
    if chosen.kind == "all":
        return "alle Karten"
    if chosen.kind == "top":
        vote = by_position.get(chosen.top_of or 0)
        title = vote.title if vote is not None else ""
        return f"die {chosen.n} Karten mit den meisten Punkten aus Schritt {(chosen.top_of or 0) + 1} „{title}“"
    names = [f"{position + 1} „{by_position[position].title}“" for position in chosen.steps if position in by_position]
    word = "Schritt" if len(names) == 1 else "Schritten"
    return f"die Karten aus {word} {', '.join(names)}"


def choices(workshop: Workshop, step: AgendaStep) -> list[tuple[str, str]]:
    """The planning page's options for a step's card source: (`short form`, German label); "" is the default."""
    default = describe(workshop, _resolve(_steps(workshop), _without_source(step)))
    found = [("", f"Standard: {default}")]
    for earlier in workshop.steps:
        if earlier.position >= step.position:
            break
        if earlier.mechanic == COLLECTING:
            found.append((f"step:{earlier.position}", f"Karten aus Schritt {earlier.position + 1} „{earlier.title}“"))
        elif earlier.mechanic == "vote":
            for n in (3, 5, 10):
                found.append(
                    (f"top:{earlier.position}:{n}", f"Top {n} aus Schritt {earlier.position + 1} „{earlier.title}“")
                )
    found.append(("all", "Alle Karten der Werkstatt"))
    return found


class _Unchosen:
    """A step seen without its own `cards` setting (to name the default next to it)."""

    def __init__(self, step: AgendaStep) -> None:
        self.position = step.position
        self.mechanic = step.mechanic
        self.question = step.question
        self.config = {key: value for key, value in (step.config or {}).items() if key != "cards"}


def _without_source(step: AgendaStep) -> Any:
    return _Unchosen(step)


async def voting_steps(db: AsyncSession, workshop: Workshop) -> list[dict[str, Any]]:
    """Results' `steps`: each vote, rank and matrix step with where its cards come from (`cards`) and the ids of
    the counted cards it offers (`items`), in agenda order."""
    found: list[dict[str, Any]] = []
    for step in workshop.steps:
        if step.mechanic not in CHOOSING:
            continue
        chosen = chosen_cards(workshop, step)
        query = select(Idea.id).where(*rules.counted_cards(workshop.id), *await conditions(db, workshop, chosen))
        items = [str(idea_id) for idea_id in (await db.execute(query.order_by(Idea.number, Idea.id))).scalars()]
        found.append(
            {
                "step": step.position,
                "mechanic": step.mechanic,
                "title": step.title,
                "cards": chosen.public(),
                "items": items,
            }
        )
    return found
