"""Which cards a vote, rank or matrix step offers: one rule, read by the board, voting, the ranking and results.

A step chooses its cards with `config.cards` (werkstatt.catalogue.schema.CardSource). Without it, the default:
walk back from the step to the nearest earlier step that

- **collects**: its cards, together with the collect steps right before it that ask the same question
  (a method's "Träumer / Realist / Kritiker" steps; steps without a question count as asking the same); the
  discuss, timer and cluster steps between them do not interrupt. So the Blitzlicht keywords of the opening
  are never voted next to the "Was stört Sie?" cards;
- **votes, rates or ranks** (vote, rate_matrix, rank): the same cards as that step, so "Punkte vergeben" →
  "Ergebnis zeigen" → "Aufwand und Nutzen" stay on one set.

**Clusters** (`{"from": "clusters"}`, optionally naming the cluster step): the cluster is the voted, ranked or
rated item. When the step starts, the cards of each cluster are fixed (`StepClusterCard` rows of that step,
`freeze_clusters`), so cards moved or merged later do not change what was voted on; a step that takes its cards
by default from an earlier step on clusters takes that step's fixed clusters. Inside a cluster the card rules
still decide which cards count, and a cluster without a counted card is not offered.

An agenda without an earlier collect or vote step offers every card (as before steps chose their cards). A
`cards` setting that no longer fits the agenda (the referenced step moved, or is not a collect or vote step
before this one) falls back to the default. Within the chosen set the card rules (werkstatt.board.rules) still
decide: merged, hidden and withdrawn cards are never offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, exists, false, func, insert, select

from werkstatt.board import rules
from werkstatt.board.models import Cluster, Idea, StepClusterCard
from werkstatt.i18n import _
from werkstatt.workshops.step_settings import CardSource, card_source

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import AgendaStep, Workshop

CHOOSING = frozenset({"vote", "rank", "rate_matrix"})
COLLECTING = "collect"
NOT_OFFERED = _("Diese Karte steht in diesem Schritt nicht zur Wahl.")
CLUSTER_NOT_OFFERED = _("Dieser Cluster steht in diesem Schritt nicht zur Wahl.")
CLUSTER_NOT_FOUND = _("Diesen Cluster gibt es nicht.")
CLUSTERS_HERE = _("In diesem Schritt wird über Cluster abgestimmt: bitte cluster_id angeben.")
CARDS_HERE = _("In diesem Schritt wird über einzelne Karten abgestimmt: bitte idea_id angeben.")


@dataclass(frozen=True)
class StepCards:
    """The resolved choice: every card, the cards of some collect steps, the top N of a vote step (whose
    own choice `of` is resolved as well), or the clusters as step `frozen_at` fixed them (`steps`: the cluster
    step named, if any)."""

    kind: Literal["all", "step", "top", "clusters"]
    steps: tuple[int, ...] = ()
    top_of: int | None = None
    n: int | None = None
    of: StepCards | None = None
    explicit: bool = False
    frozen_at: int | None = None

    @property
    def clusters(self) -> bool:
        return self.kind == "clusters"

    def public(self) -> dict[str, Any]:
        """As the API and results name it (`cards` of a step): `from`, `steps`, `step`, `n`, `default`, and for
        clusters `frozen_at` (the step whose start fixed the clusters' cards)."""
        found: dict[str, Any] = {"from": self.kind, "default": not self.explicit}
        if self.kind == "step":
            found["steps"] = list(self.steps)
        if self.kind == "top":
            found.update(step=self.top_of, n=self.n)
        if self.kind == "clusters":
            found.update(step=self.steps[0] if self.steps else None, frozen_at=self.frozen_at)
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
    if source.from_ == "clusters":
        if source.step is None:
            return StepCards("clusters", explicit=True, frozen_at=step.position)
        named = by_position.get(source.step)
        if named is None or named.position >= step.position or named.mechanic != "cluster":
            return None
        return StepCards("clusters", (named.position,), explicit=True, frozen_at=step.position)
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
            found = _resolve(by_position, earlier, depth + 1)
            return replace(found, explicit=False) if found.clusters else found
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
    if chosen.of is not None and chosen.of.clusters:
        return await _top_cluster_cards(db, workshop, chosen, chosen.of)
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
    return _top(rows, chosen.n)


def _top(rows: Sequence[Any], n: int) -> list[Any]:
    """The ids of the first `n` of (id, dots) rows sorted by dots, with everything tied at the n-th place."""
    if not rows:
        return []
    threshold = rows[min(n, len(rows)) - 1][1]
    return [item for item, count in rows if count >= threshold]


async def _top_cluster_cards(db: AsyncSession, workshop: Workshop, chosen: StepCards, voted: StepCards) -> list[Any]:
    """The top N of a vote on clusters: the counted cards the N clusters with the most dots held when that vote
    started (ties at the N-th place come along)."""
    from werkstatt.voting.models import Vote  # voting builds on the board, not the other way round

    assert chosen.n is not None
    rows = (
        await db.execute(
            select(Vote.cluster_id, func.count(Vote.id))
            .where(
                Vote.workshop_id == workshop.id,
                Vote.step_position == chosen.top_of,
                Vote.slot.is_not(None),
                Vote.cluster_id.in_(live_clusters(workshop.id, voted.frozen_at)),
            )
            .group_by(Vote.cluster_id)
            .order_by(func.count(Vote.id).desc())
        )
    ).all()
    top = _top(rows, chosen.n)
    if not top:
        return []
    return list(
        (
            await db.execute(
                select(StepClusterCard.idea_id)
                .join(Idea, Idea.id == StepClusterCard.idea_id)
                .where(
                    StepClusterCard.workshop_id == workshop.id,
                    StepClusterCard.step_position == voted.frozen_at,
                    StepClusterCard.cluster_id.in_(top),
                    *rules.counted_cards(workshop.id),
                )
            )
        ).scalars()
    )


async def conditions(db: AsyncSession, workshop: Workshop, chosen: StepCards) -> list[Any]:
    """SQL conditions on Idea for the chosen cards (none for every card; for clusters: their fixed cards)."""
    if chosen.clusters:
        return [Idea.id.in_(frozen_cards(workshop.id, chosen))]
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
    if chosen.clusters:
        named = by_position.get(chosen.steps[0]) if chosen.steps else None
        if named is not None:
            return f"die Cluster aus Schritt {named.position + 1} „{named.title}“"
        return "die Cluster"
    if chosen.kind == "top":
        vote = by_position.get(chosen.top_of or 0)
        title = vote.title if vote is not None else ""
        if chosen.of is not None and chosen.of.clusters:
            return (
                f"die Karten der {chosen.n} Cluster mit den meisten Punkten aus Schritt {(chosen.top_of or 0) + 1} "
                f"„{title}“"
            )
        return f"die {chosen.n} Karten mit den meisten Punkten aus Schritt {(chosen.top_of or 0) + 1} „{title}“"
    names = [f"{position + 1} „{by_position[position].title}“" for position in chosen.steps if position in by_position]
    word = "Schritt" if len(names) == 1 else "Schritten"
    return f"die Karten aus {word} {', '.join(names)}"


def choices(workshop: Workshop, step: AgendaStep) -> list[tuple[str, str]]:
    """The planning page's options for a step's card source: (`short form`, German label); "" is the default."""
    default = describe(workshop, _resolve(_steps(workshop), _without_source(step)))
    found = [("", f"Standard: {default}")]
    found.append(("clusters", "Die Cluster (jeder Cluster ist eine Wahlmöglichkeit)"))
    for earlier in workshop.steps:
        if earlier.position >= step.position:
            break
        if earlier.mechanic == "cluster":
            found.append(
                (f"clusters:{earlier.position}", f"Cluster aus Schritt {earlier.position + 1} „{earlier.title}“")
            )
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
    the counted cards it offers (`items`), in agenda order; a step on clusters offers cluster ids as `items`."""
    found: list[dict[str, Any]] = []
    for step in workshop.steps:
        if step.mechanic not in CHOOSING:
            continue
        chosen = chosen_cards(workshop, step)
        if chosen.clusters:
            offered = await cluster_items(db, workshop, chosen)
            found.append(
                {
                    "step": step.position,
                    "mechanic": step.mechanic,
                    "title": step.title,
                    "cards": chosen.public(),
                    "items": [item["id"] for item in offered],
                }
            )
            continue
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


# --- clusters as the items of a step ------------------------------------------------------------------


def frozen_cards(workshop_id: Any, chosen: StepCards) -> Any:
    """Ids of the cards the step `chosen.frozen_at` fixed in its clusters (counted or not)."""
    return select(StepClusterCard.idea_id).where(
        StepClusterCard.workshop_id == workshop_id, StepClusterCard.step_position == chosen.frozen_at
    )


def live_clusters(workshop_id: Any, frozen_at: int | None) -> Any:
    """Ids of the clusters step `frozen_at` fixed that still hold a counted card: the ones it offers."""
    return (
        select(StepClusterCard.cluster_id)
        .join(Idea, Idea.id == StepClusterCard.idea_id)
        .where(
            StepClusterCard.workshop_id == workshop_id,
            StepClusterCard.step_position == frozen_at,
            *rules.counted_cards(workshop_id),
        )
    )


def offered_cluster_clause(workshop_id: Any, cluster_id: Any, frozen_at: int | None) -> Any:
    """True while the cluster is one the step offers (checked inside a vote's INSERT: a hide or withdrawal of
    its last card in between wins)."""
    return exists().where(
        StepClusterCard.workshop_id == workshop_id,
        StepClusterCard.step_position == frozen_at,
        StepClusterCard.cluster_id == cluster_id,
        Idea.id == StepClusterCard.idea_id,
        *rules.COUNTED,
    )


async def cluster_items(db: AsyncSession, workshop: Workshop, chosen: StepCards) -> list[dict[str, Any]]:
    """The clusters a step offers, in the coach's cluster order: `{id, name, number, card_ids}` with the ids of
    their counted fixed cards (by card number); clusters without one are left out. `number` is the cluster's
    place among the offered ones (1, 2, …): the label of its point in the matrix."""
    rows = (
        await db.execute(
            select(Cluster.id, Cluster.name, Idea.id)
            .join(StepClusterCard, StepClusterCard.cluster_id == Cluster.id)
            .join(Idea, Idea.id == StepClusterCard.idea_id)
            .where(
                StepClusterCard.workshop_id == workshop.id,
                StepClusterCard.step_position == chosen.frozen_at,
                *rules.counted_cards(workshop.id),
            )
            .order_by(Cluster.position, Cluster.created_at, Cluster.id, Idea.number, Idea.id)
        )
    ).all()
    found: dict[str, dict[str, Any]] = {}
    for cluster_id, name, idea_id in rows:
        item = found.setdefault(str(cluster_id), {"id": str(cluster_id), "name": name, "card_ids": []})
        item["card_ids"].append(str(idea_id))
    items = list(found.values())
    for number, item in enumerate(items, start=1):
        item["number"] = number
    return items


async def freeze_clusters(db: AsyncSession, workshop: Workshop, step: AgendaStep) -> None:
    """When a step that runs on its own clusters starts: fix each cluster's cards as they are now. A step
    that already has votes keeps what was voted on (going back to it changes nothing)."""
    chosen = chosen_cards(workshop, step)
    if not chosen.clusters or chosen.frozen_at != step.position:
        return
    from werkstatt.voting.models import Vote  # voting builds on the board, not the other way round

    voted = await db.scalar(
        select(func.count(Vote.id)).where(Vote.workshop_id == workshop.id, Vote.step_position == step.position)
    )
    if voted:
        return
    await db.execute(
        delete(StepClusterCard)
        .where(StepClusterCard.workshop_id == workshop.id, StepClusterCard.step_position == step.position)
        .execution_options(synchronize_session=False)
    )
    members = (
        await db.execute(
            select(Idea.id, Idea.cluster_id).where(
                Idea.workshop_id == workshop.id, Idea.cluster_id.is_not(None), *rules.IN_PLAY
            )
        )
    ).all()
    if members:
        await db.execute(
            insert(StepClusterCard),
            [
                {
                    "workshop_id": workshop.id,
                    "step_position": step.position,
                    "cluster_id": cluster_id,
                    "idea_id": idea_id,
                }
                for idea_id, cluster_id in members
            ],
        )
