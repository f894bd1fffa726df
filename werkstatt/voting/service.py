"""Voting commands: cast and take back dots, rate cards on the matrix, reveal tallies, fix the final order.

Each reads authorize → validate → apply → record. The invariants are in one statement each: a dot is an
INSERT … SELECT that takes the lowest free budget slot and the lowest free slot on the card, and only while
the workshop is live in a vote step and the card is not withdrawn; unique constraints on the slots decide
between parallel requests. Nothing is read first and then written on the strength of that read.

A step on clusters (werkstatt.board.step_cards) votes on clusters instead of cards: the same statements with
`cluster_id` in place of `idea_id`, the same budget and slot constraints, and "the item still counts" meaning
"the cluster, as the step fixed it, still holds a counted card"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import delete, exists, func, insert, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from uuid_utils.compat import uuid7

from werkstatt.board import rules as card_rules
from werkstatt.board import step_cards
from werkstatt.board.events import Revealed
from werkstatt.board.models import Cluster, Idea
from werkstatt.errors import Conflict, Forbidden, Invalid, NotFound
from werkstatt.i18n import Message, _, _n
from werkstatt.live.events import record
from werkstatt.voting.events import RankingFixed, VoteCast, VoteWithdrawn
from werkstatt.voting.models import MAX_SLOTS, FinalRank, Vote
from werkstatt.workshops.models import AgendaStep, Participant, Workshop, WorkshopState
from werkstatt.workshops.permissions import require_moderator
from werkstatt.workshops.step_settings import matrix_settings, vote_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.live.models import WorkshopEvent
    from werkstatt.workshops.service import Actor

VOTING_MECHANICS = ("vote", "rate_matrix", "rank")
SLOT_RETRIES = 8


@dataclass(frozen=True)
class VoteRules:
    dots_per_person: int
    max_per_item: int
    hidden: bool


def vote_rules(step: AgendaStep) -> VoteRules:
    settings = vote_settings(step)
    dots = max(1, min(MAX_SLOTS, settings.dots_per_person))
    return VoteRules(dots, min(settings.max_per_item, dots), settings.hidden)


def matrix_rules(step: AgendaStep) -> dict[str, Any]:
    return matrix_settings(step).model_dump()


def step_at(workshop: Workshop, position: int | None) -> AgendaStep | None:
    return next((s for s in workshop.steps if s.position == position), None) if position is not None else None


def tallies_hidden(workshop: Workshop, step: AgendaStep) -> bool:
    """Hidden until the coach reveals (or the workshop closes, which publishes the result)."""
    if step.mechanic == "vote":
        hidden = vote_rules(step).hidden
    elif step.mechanic == "rate_matrix":
        hidden = matrix_rules(step)["hidden"]
    else:
        hidden = False
    return hidden and not step.revealed and workshop.state != WorkshopState.closed


def _now() -> datetime:
    return datetime.now(UTC)


def _dialect(db: AsyncSession) -> Any:
    return postgresql if db.get_bind().dialect.name == "postgresql" else sqlite


def _slots(limit: int) -> Any:
    """The candidate slot numbers 0 … limit-1 as a small derived table (portable: no generate_series)."""
    return union_all(*(select(literal(n).label("n")) for n in range(limit))).subquery()


def _require_voting(workshop: Workshop, mechanic: str) -> AgendaStep:
    if workshop.state == WorkshopState.closed:
        raise Forbidden(_("Die Werkstatt ist beendet; es kann nicht mehr abgestimmt werden."))
    if workshop.locked:
        raise Forbidden(_("Das Board ist gerade gesperrt."))
    step = step_at(workshop, workshop.current_step)
    if workshop.state != WorkshopState.live or step is None or step.mechanic not in ("vote", "rate_matrix"):
        raise Forbidden(_("In diesem Schritt wird nicht abgestimmt."))
    if step.mechanic != mechanic:
        if mechanic == "vote":
            raise Invalid(
                _("In diesem Schritt werden Karten bewertet: bitte score_x und score_y angeben."),
                {"score_x": _("Pflichtfeld in der Bewertungsmatrix.")},
            )
        raise Invalid(
            _("In diesem Schritt werden Punkte vergeben, keine Bewertungen."), {"score_x": _("Nicht erlaubt.")}
        )
    return step


def _live_step_clause(workshop_id: UUID, position: int, mechanic: str) -> Any:
    """True while the workshop is live in this very step (checked inside the INSERT, not before it)."""
    return exists().where(
        Workshop.id == workshop_id,
        Workshop.state == WorkshopState.live.value,
        Workshop.current_step == position,
        Workshop.locked.is_(False),
    ) & exists().where(
        AgendaStep.workshop_id == workshop_id, AgendaStep.position == position, AgendaStep.mechanic == mechanic
    )


@dataclass(frozen=True)
class Items:
    """What a step's votes name: cards (`idea_id`) or the clusters the step fixed (`cluster_id`)."""

    workshop_id: UUID
    chosen: step_cards.StepCards

    @property
    def clusters(self) -> bool:
        return self.chosen.clusters

    @property
    def field(self) -> str:
        return "cluster_id" if self.clusters else "idea_id"

    @property
    def column(self) -> Any:
        return Vote.cluster_id if self.clusters else Vote.idea_id

    def counted(self) -> list[Any]:
        """Conditions on Vote: its item still counts (a card on the board; a cluster with a counted card)."""
        if self.clusters:
            return [Vote.cluster_id.in_(step_cards.live_clusters(self.workshop_id, self.chosen.frozen_at))]
        return [Vote.idea_id.in_(select(Idea.id).where(*card_rules.counted_cards(self.workshop_id)))]

    def not_counted(self) -> list[Any]:
        """Conditions on Vote: its item no longer counts (its dots go back to the voter)."""
        if self.clusters:
            live = step_cards.live_clusters(self.workshop_id, self.chosen.frozen_at)
            return [Vote.cluster_id.is_not(None), Vote.cluster_id.not_in(live)]
        return [Vote.idea_id.in_(card_rules.not_counted())]


def items_of(workshop: Workshop, step: AgendaStep) -> Items:
    return Items(workshop.id, step_cards.chosen_cards(workshop, step))


async def step_items(db: AsyncSession, step: AgendaStep) -> Items:
    """`items_of` for a step alone (its workshop is in the session: the steps were loaded with it)."""
    workshop = await db.get(Workshop, step.workshop_id)
    assert workshop is not None
    return items_of(workshop, step)


@dataclass(frozen=True)
class Target:
    """The item one vote names: a card or a cluster (with the step's SQL condition that it is still offered)."""

    items: Items
    id: UUID
    clause: Any
    idea: Idea | None = None


def _votable_idea_clause(workshop_id: UUID, idea_id: UUID, offered: list[Any]) -> Any:
    """The card still counts and is one the step offers (checked inside the INSERT: a merge, hide or
    withdrawal in between wins)."""
    return exists().where(Idea.id == idea_id, *card_rules.counted_cards(workshop_id), *offered)


async def _votable_idea(db: AsyncSession, actor: Actor, step: AgendaStep, idea_id: UUID) -> tuple[Idea, list[Any]]:
    """The card, if this voter may vote on it in this step, with the conditions of the step's cards: a card
    the voter may not see is 404; a card that left the board or that this step does not offer, a German 409."""
    idea = card_rules.votable(
        actor.workshop, await db.get(Idea, idea_id), coach=actor.is_coach, participant_id=actor.participant_id
    )
    offered = await step_cards.step_conditions(db, actor.workshop, step)
    if offered and (await db.execute(select(Idea.id).where(Idea.id == idea.id, *offered))).first() is None:
        raise Conflict(step_cards.NOT_OFFERED, {"idea_id": step_cards.NOT_OFFERED})
    return idea, offered


async def _votable_target(
    db: AsyncSession, actor: Actor, step: AgendaStep, idea_id: UUID | None, cluster_id: UUID | None
) -> Target:
    """The card or cluster this voter may vote on in this step: a step on clusters takes `cluster_id` (404 for
    a cluster of another workshop, a German 409 for one the step does not offer), any other step `idea_id`."""
    items = items_of(actor.workshop, step)
    if items.clusters:
        if cluster_id is None:
            raise Conflict(step_cards.CLUSTERS_HERE, {"cluster_id": step_cards.CLUSTERS_HERE})
        cluster = await db.get(Cluster, cluster_id)
        if cluster is None or cluster.workshop_id != actor.workshop.id:
            raise NotFound(step_cards.CLUSTER_NOT_FOUND)
        clause = step_cards.offered_cluster_clause(actor.workshop.id, cluster.id, items.chosen.frozen_at)
        if (await db.execute(select(literal(1)).where(clause))).first() is None:
            raise Conflict(step_cards.CLUSTER_NOT_OFFERED, {"cluster_id": step_cards.CLUSTER_NOT_OFFERED})
        return Target(items, cluster.id, clause)
    if idea_id is None:
        raise Conflict(step_cards.CARDS_HERE, {"idea_id": step_cards.CARDS_HERE})
    idea, offered = await _votable_idea(db, actor, step, idea_id)
    return Target(items, idea.id, _votable_idea_clause(actor.workshop.id, idea.id, offered), idea)


async def _release_dead_dots(db: AsyncSession, items: Items, participant_id: UUID, position: int) -> None:
    """Dots on cards withdrawn, hidden or merged since (or on clusters left without a counted card) go back to
    their owner: their slots are freed."""
    await db.execute(
        delete(Vote)
        .where(Vote.participant_id == participant_id, Vote.step_position == position, *items.not_counted())
        .execution_options(synchronize_session=False)
    )


async def dots_per_card(db: AsyncSession, participant_id: UUID, step: AgendaStep) -> dict[str, int]:
    """The participant's dots per item (card or cluster) in this step, on items that still count (at most the
    budget's worth)."""
    items = await step_items(db, step)
    rows = await db.execute(
        select(items.column, func.count(Vote.id))
        .where(
            Vote.participant_id == participant_id,
            Vote.step_position == step.position,
            Vote.slot.is_not(None),
            *items.counted(),
        )
        .group_by(items.column)
    )
    return {str(item_id): int(count) for item_id, count in rows}


async def dots_by_participant(db: AsyncSession, workshop_id: UUID, step: AgendaStep) -> dict[str, dict[str, int]]:
    """Everyone's dots per item in this step (as `dots_per_card`, in one query): a pushed board gives each voter
    their own line afterwards."""
    items = await step_items(db, step)
    rows = await db.execute(
        select(Vote.participant_id, items.column, func.count(Vote.id))
        .where(
            Vote.workshop_id == workshop_id,
            Vote.step_position == step.position,
            Vote.slot.is_not(None),
            *items.counted(),
        )
        .group_by(Vote.participant_id, items.column)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for participant_id, idea_id, count in rows:
        found[str(participant_id)][str(idea_id)] = int(count)
    return dict(found)


def own_dots_view(step: AgendaStep, mine: dict[str, int], field: str = "idea_id") -> dict[str, Any]:
    """A voter's dots as the panel's own pieces take them (werkstatt/voting/fragments.py `own_dots`)."""
    rules = vote_rules(step)
    first = next(iter(mine), None)
    return {
        "remaining": _left(step, mine),
        "mine": mine,
        "dots": rules.dots_per_person,
        "cap": rules.max_per_item,
        "idea_id": first,
        "field": field,
    }


async def remaining_dots(db: AsyncSession, participant_id: UUID, step: AgendaStep) -> int:
    """The budget minus the dots on cards that still count: dots on withdrawn or hidden cards are back."""
    return _left(step, await dots_per_card(db, participant_id, step))


def _left(step: AgendaStep, mine: dict[str, int]) -> int:
    return max(0, vote_rules(step).dots_per_person - sum(mine.values()))


def _vote_event_data(
    vote_id: UUID,
    participant_id: UUID,
    step: AgendaStep,
    idea_id: UUID,
    mine: dict[str, int] | None,
    field: str = "idea_id",
) -> dict[str, Any]:
    """The voter's own news, sent to them and the coach only (werkstatt.live.visibility.sees): which card (or
    cluster: `cluster_id`, with `idea_id` naming it too so a panel finds its row), their remaining dots and
    their dots per item with the step's rules, so their other devices update the panel from the event alone.
    Tallies travel separately, coalesced and redacted."""
    vote: dict[str, Any] = {
        "id": str(vote_id),
        "author_id": str(participant_id),
        "step": step.position,
        "idea_id": str(idea_id),
    }
    if field != "idea_id":
        vote.update(cluster_id=str(idea_id), field=field)
    if mine is not None:
        rules = vote_rules(step)
        vote.update(remaining=_left(step, mine), mine=mine, dots=rules.dots_per_person, cap=rules.max_per_item)
    return {"vote": vote}


async def cast_vote(
    db: AsyncSession,
    actor: Actor,
    idea_id: UUID | None,
    score_x: int | None = None,
    score_y: int | None = None,
    *,
    cluster_id: UUID | None = None,
) -> tuple[dict[str, Any], WorkshopEvent]:
    """One dot on a card (or, in a step on clusters, on a cluster), or (in a matrix step) the participant's
    rating of it (replacing an earlier one)."""
    if actor.participant is None:
        raise Forbidden(_("Nur Teilnehmende können abstimmen."))
    rating = score_x is not None or score_y is not None
    step = _require_voting(actor.workshop, "rate_matrix" if rating else "vote")
    target = await _votable_target(db, actor, step, idea_id, cluster_id)
    if rating:
        return await _rate(db, actor, step, target, score_x, score_y)
    return await _dot(db, actor, step, target)


def _answer(target: Target, vote_id: UUID, position: int, remaining: int | None, x: Any, y: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": str(vote_id),
        "idea_id": None if target.items.clusters else str(target.id),
        "step": position,
        "remaining": remaining,
        "score_x": x,
        "score_y": y,
    }
    if target.items.clusters:
        found["cluster_id"] = str(target.id)
    return found


async def _dot(
    db: AsyncSession, actor: Actor, step: AgendaStep, target: Target
) -> tuple[dict[str, Any], WorkshopEvent]:
    assert actor.participant is not None
    workshop_id, participant_id, position = actor.workshop.id, actor.participant.id, step.position
    rules = vote_rules(step)
    items = target.items
    await _release_dead_dots(db, items, participant_id, position)
    mine = select(Vote.slot).where(
        Vote.participant_id == participant_id, Vote.step_position == position, Vote.slot.is_not(None)
    )
    on_card = select(Vote.item_slot).where(
        Vote.participant_id == participant_id, Vote.step_position == position, items.column == target.id
    )
    budget, cap = _slots(rules.dots_per_person), _slots(rules.max_per_item)
    free_slot = select(func.min(budget.c.n)).where(budget.c.n.not_in(mine)).scalar_subquery()
    free_item = select(func.min(cap.c.n)).where(cap.c.n.not_in(on_card)).scalar_subquery()
    vote_id = new_id()
    now = _now()
    columns = Vote.__table__.c
    source = select(
        literal(vote_id, columns.id.type),
        literal(workshop_id, columns.workshop_id.type),
        literal(position),
        literal(target.id, columns[items.field].type),
        literal(participant_id, columns.participant_id.type),
        free_slot,
        free_item,
        literal(now, columns.created_at.type),
        literal(now, columns.updated_at.type),
    ).where(
        free_slot.is_not(None),
        free_item.is_not(None),
        _live_step_clause(workshop_id, position, "vote"),
        target.clause,
    )
    statement = insert(Vote).from_select(
        [
            "id",
            "workshop_id",
            "step_position",
            items.field,
            "participant_id",
            "slot",
            "item_slot",
            "created_at",
            "updated_at",
        ],
        source,
        include_defaults=False,
    )
    inserted = 0
    for _attempt in range(SLOT_RETRIES):
        try:
            async with db.begin_nested():
                inserted = (await db.execute(statement)).rowcount or 0  # type: ignore[attr-defined]
            break
        except IntegrityError:
            # A parallel request took the same slot and committed first: look again for a free one.
            continue
    else:
        raise Conflict(_("Zu viele gleichzeitige Stimmen. Bitte noch einmal versuchen."))
    if not inserted:
        await _explain_refusal(db, actor, step, target, rules)
    dots = await dots_per_card(db, participant_id, step)
    remaining = _left(step, dots)
    data = _vote_event_data(vote_id, participant_id, step, target.id, dots, items.field)
    event = await record(db, workshop_id, VoteCast(**data))
    return _answer(target, vote_id, position, remaining, None, None), event


def new_id() -> UUID:
    """The same time-ordered ids the ORM gives its rows (the INSERT … SELECT bypasses the ORM default)."""
    return uuid7()


async def _explain_refusal(db: AsyncSession, actor: Actor, step: AgendaStep, target: Target, rules: VoteRules) -> None:
    """The INSERT found no room; say why (this read decides nothing, the statement already did)."""
    assert actor.participant is not None
    fresh = (
        await db.execute(
            select(Workshop.state, Workshop.current_step, Workshop.locked).where(Workshop.id == actor.workshop.id)
        )
    ).one()
    if fresh.state != WorkshopState.live or fresh.current_step != step.position or fresh.locked:
        raise Forbidden(_("In diesem Schritt wird nicht (mehr) abgestimmt."))
    field = target.items.field
    if target.idea is not None:
        await db.refresh(target.idea)  # merged, hidden or withdrawn meanwhile: the statement refused it for that
        refusal = card_rules.vote_refusal(target.idea)
        if refusal is not None:
            raise Conflict(refusal, {"idea_id": refusal})
    elif (await db.execute(select(literal(1)).where(target.clause))).first() is None:
        raise Conflict(step_cards.CLUSTER_NOT_OFFERED, {field: step_cards.CLUSTER_NOT_OFFERED})
    on_card = (
        await db.execute(
            select(func.count(Vote.id)).where(
                Vote.participant_id == actor.participant.id,
                Vote.step_position == step.position,
                target.items.column == target.id,
            )
        )
    ).scalar_one()
    if on_card >= rules.max_per_item:
        if target.items.clusters:
            message = _n(
                "Auf einen Cluster passt höchstens %(n)d Punkt von Ihnen.",
                "Auf einen Cluster passen höchstens %(n)d Punkte von Ihnen.",
                rules.max_per_item,
            )
        else:
            message = _n(
                "Auf eine Karte passt höchstens %(n)d Punkt von Ihnen.",
                "Auf eine Karte passen höchstens %(n)d Punkte von Ihnen.",
                rules.max_per_item,
            )
        raise Conflict(message % {"n": rules.max_per_item}, {field: _("Höchstzahl pro Karte erreicht.")})
    raise Conflict(
        _("Sie haben schon alle %(n)d Punkte vergeben. Nehmen Sie einen zurück, um umzuverteilen.")
        % {"n": rules.dots_per_person},
        {field: _("Keine Punkte mehr übrig.")},
    )


async def _rate(
    db: AsyncSession,
    actor: Actor,
    step: AgendaStep,
    target: Target,
    score_x: int | None,
    score_y: int | None,
) -> tuple[dict[str, Any], WorkshopEvent]:
    assert actor.participant is not None
    scale = matrix_rules(step)["scale"]
    errors: dict[str, Message] = {}
    for name, value in (("score_x", score_x), ("score_y", score_y)):
        if value is None:
            errors[name] = _("Pflichtfeld in der Bewertungsmatrix.")
        elif not 1 <= value <= scale:
            errors[name] = _("Muss zwischen 1 und %(scale)d liegen.") % {"scale": scale}
    if errors:
        raise Invalid(_("Bitte beide Achsen bewerten."), errors)
    workshop_id, participant_id, position = actor.workshop.id, actor.participant.id, step.position
    vote_id = new_id()
    now = _now()
    columns = Vote.__table__.c
    source = select(
        literal(vote_id, columns.id.type),
        literal(workshop_id, columns.workshop_id.type),
        literal(position),
        literal(target.id, columns[target.items.field].type),
        literal(participant_id, columns.participant_id.type),
        literal(0),
        literal(score_x),
        literal(score_y),
        literal(now, columns.created_at.type),
        literal(now, columns.updated_at.type),
    ).where(_live_step_clause(workshop_id, position, "rate_matrix"), target.clause)
    dialect = _dialect(db)
    statement = dialect.insert(Vote).from_select(
        [
            "id",
            "workshop_id",
            "step_position",
            target.items.field,
            "participant_id",
            "item_slot",
            "score_x",
            "score_y",
            "created_at",
            "updated_at",
        ],
        source,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["participant_id", "step_position", target.items.field, "item_slot"],
        set_={"score_x": score_x, "score_y": score_y, "updated_at": now},
    ).returning(Vote.id)
    found = (await db.execute(statement)).scalar_one_or_none()
    if found is None:
        await _explain_refusal(db, actor, step, target, VoteRules(MAX_SLOTS, MAX_SLOTS, False))
        raise Forbidden(_("In diesem Schritt wird nicht (mehr) abgestimmt."))
    data = _vote_event_data(found, participant_id, step, target.id, None, target.items.field)
    data["vote"].update(score_x=score_x, score_y=score_y)
    event = await record(db, workshop_id, VoteCast(**data))
    return _answer(target, found, position, None, score_x, score_y), event


async def withdraw_vote(db: AsyncSession, actor: Actor, vote_id: UUID) -> WorkshopEvent:
    """Take back one's own dot or rating while its step is still running (one DELETE decides)."""
    if actor.participant is None:
        raise Forbidden(_("Nur Teilnehmende können Stimmen zurücknehmen."))
    workshop = actor.workshop
    if workshop.state == WorkshopState.closed:
        raise Forbidden(_("Die Werkstatt ist beendet; es kann nicht mehr abgestimmt werden."))
    row = (
        await db.execute(
            delete(Vote)
            .where(
                Vote.id == vote_id,
                Vote.workshop_id == workshop.id,
                Vote.participant_id == actor.participant.id,
                exists().where(
                    Workshop.id == workshop.id,
                    Workshop.state == WorkshopState.live.value,
                    Workshop.current_step == Vote.step_position,
                    Workshop.locked.is_(False),
                ),
            )
            .returning(Vote.step_position, Vote.idea_id, Vote.cluster_id)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if row is None:
        exists_at_all = (
            await db.execute(
                select(Vote.id).where(
                    Vote.id == vote_id, Vote.workshop_id == workshop.id, Vote.participant_id == actor.participant.id
                )
            )
        ).scalar_one_or_none()
        if exists_at_all is None:
            raise NotFound(_("Diese Stimme gibt es nicht."))
        raise Forbidden(_("Die Abstimmung dieses Schritts ist vorbei."))
    step = step_at(workshop, row.step_position)
    assert step is not None
    mine = await dots_per_card(db, actor.participant.id, step) if step.mechanic == "vote" else None
    item, field = (row.cluster_id, "cluster_id") if row.cluster_id is not None else (row.idea_id, "idea_id")
    return await record(
        db, workshop.id, VoteWithdrawn(**_vote_event_data(vote_id, actor.participant.id, step, item, mine, field))
    )


async def withdraw_dot_on(
    db: AsyncSession, actor: Actor, idea_id: UUID | None, *, cluster_id: UUID | None = None
) -> WorkshopEvent:
    """The board's "− Punkt": take back the participant's latest dot on this card (or cluster)."""
    if actor.participant is None:
        raise Forbidden(_("Nur Teilnehmende können Stimmen zurücknehmen."))
    step = step_at(actor.workshop, actor.workshop.current_step)
    position = step.position if step else -1
    on_item = Vote.cluster_id == cluster_id if cluster_id is not None else Vote.idea_id == idea_id
    latest = (
        await db.execute(
            select(Vote.id)
            .where(
                Vote.participant_id == actor.participant.id,
                Vote.step_position == position,
                on_item,
            )
            .order_by(Vote.created_at.desc(), Vote.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if latest is None:
        raise NotFound(_("Auf dieser Karte haben Sie keinen Punkt."))
    return await withdraw_vote(db, actor, latest)


async def reveal_tallies(db: AsyncSession, actor: Actor) -> WorkshopEvent:
    """Show the current step's tallies to everyone (one conditional UPDATE: a second reveal changes nothing)."""
    require_moderator(actor, _("Nur die Moderation deckt das Ergebnis auf."))
    workshop = actor.workshop
    step = step_at(workshop, workshop.current_step)
    if step is None or step.mechanic not in VOTING_MECHANICS:
        raise Invalid(_("In diesem Schritt gibt es nichts aufzudecken."), {"type": _("Kein Abstimmungsschritt.")})
    if step.mechanic == "rank":
        return await _reveal_presented(db, workshop, step)
    changed = (
        await db.execute(
            update(AgendaStep)
            .where(AgendaStep.id == step.id, AgendaStep.revealed.is_(False))
            .values(revealed=True)
            .execution_options(synchronize_session=False)
        )
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise Conflict(_("Das Ergebnis ist bereits aufgedeckt."))
    step.revealed = True
    from werkstatt.voting.news import tally_data  # news reads tallies with this module's queries

    counts: dict[str, Any] = {}
    if step.mechanic in ("vote", "rate_matrix"):  # the counts (and the matrix) travel with the reveal
        tally = await tally_data(db, workshop, step)
        counts.update({k: tally[k] for k in ("mechanic", "dots", "voters", "tallies", "labels", "axes") if k in tally})
        if step.mechanic == "rate_matrix":
            counts["positions"] = tally["positions"]
    return await record(db, workshop.id, Revealed(step.position, counts))


async def _reveal_presented(db: AsyncSession, workshop: Workshop, step: AgendaStep) -> WorkshopEvent:
    """A results step reveals the votes it presents that still hold dots back: the reveal stays theirs (each
    vote step is marked revealed), and the whole board, with the ranking, is pushed again."""
    from werkstatt.voting.ranking import pending_steps  # ranking reads tallies with this module's queries

    pending = await pending_steps(db, workshop, step.position)
    if not pending:
        raise Conflict(_("Das Ergebnis ist bereits aufgedeckt."))
    ids = [s.id for s in pending]
    await db.execute(
        update(AgendaStep)
        .where(AgendaStep.id.in_(ids))
        .values(revealed=True)
        .execution_options(synchronize_session=False)
    )
    for found in pending:
        found.revealed = True
    return await record(db, workshop.id, Revealed(step.position, {"steps": [s.position for s in pending]}))


async def set_final_order(db: AsyncSession, actor: Actor, idea_ids: list[UUID]) -> WorkshopEvent:
    """The coach fixes the final order: it replaces the computed ranking in results and on the board."""
    require_moderator(actor, _("Nur die Moderation legt die Reihenfolge fest."))
    workshop = actor.workshop
    if len(set(idea_ids)) != len(idea_ids):
        raise Invalid(_("Jede Karte darf nur einmal vorkommen."), {"idea_ids": _("Doppelte Karte.")})
    if len(idea_ids) > 500:
        raise Invalid(_("Zu viele Karten."), {"idea_ids": _("Höchstens 500 Karten.")})
    offered = await step_cards.step_conditions(db, workshop, step_at(workshop, workshop.current_step))
    known = set(
        (
            await db.execute(
                select(Idea.id).where(Idea.id.in_(idea_ids), *card_rules.counted_cards(workshop.id), *offered)
            )
        ).scalars()
    )
    if known != set(idea_ids):
        raise Invalid(_("Unbekannte Karte in der Reihenfolge."), {"idea_ids": _("Unbekannte Karte.")})
    await db.execute(delete(FinalRank).where(FinalRank.workshop_id == workshop.id))
    for position, idea_id in enumerate(idea_ids):
        db.add(FinalRank(workshop_id=workshop.id, idea_id=idea_id, position=position))
    await db.flush()
    from werkstatt.voting.news import ranking_data  # news reads the ranking with this module's queries

    return await record(db, workshop.id, RankingFixed(await ranking_data(db, workshop, idea_ids)))


# --- reading tallies ----------------------------------------------------------------------------------


async def step_tallies(db: AsyncSession, workshop: Workshop, step: AgendaStep) -> dict[str, Any]:
    """Dots per item (vote) or average position per item (rate_matrix) of one step, without secrets removed;
    the items are cards, or clusters in a step on clusters (`clusters` then is true)."""
    items = items_of(workshop, step)
    live = items.counted()
    base = select(Vote.id).where(Vote.workshop_id == workshop.id, Vote.step_position == step.position, *live)
    voters = (await db.execute(base.with_only_columns(func.count(func.distinct(Vote.participant_id))))).scalar_one()
    if step.mechanic == "rate_matrix":
        rows = (
            await db.execute(
                select(items.column, func.avg(Vote.score_x), func.avg(Vote.score_y), func.count(Vote.id))
                .where(Vote.workshop_id == workshop.id, Vote.step_position == step.position, Vote.slot.is_(None), *live)
                .group_by(items.column)
            )
        ).all()
        positions = {str(i): [round(float(x), 2), round(float(y), 2), int(n)] for i, x, y, n in rows}
        return {
            "step": step.position,
            "mechanic": step.mechanic,
            "positions": positions,
            "tallies": {},
            "dots": sum(p[2] for p in positions.values()),
            "voters": int(voters),
            "clusters": items.clusters,
        }
    rows = (
        await db.execute(
            select(items.column, func.count(Vote.id))
            .where(Vote.workshop_id == workshop.id, Vote.step_position == step.position, Vote.slot.is_not(None), *live)
            .group_by(items.column)
        )
    ).all()
    tallies = {str(i): int(n) for i, n in rows}
    return {
        "step": step.position,
        "mechanic": step.mechanic,
        "tallies": tallies,
        "positions": {},
        "dots": sum(tallies.values()),
        "voters": int(voters),
        "clusters": items.clusters,
    }


async def tallies_by_group(db: AsyncSession, workshop: Workshop, step: AgendaStep) -> dict[str, dict[str, int]]:
    """Dots per item (card or cluster) and target group (for the coach's comparison)."""
    items = items_of(workshop, step)
    rows = (
        await db.execute(
            select(items.column, Participant.target_group, func.count(Vote.id))
            .join(Participant, Participant.id == Vote.participant_id)
            .where(
                Vote.workshop_id == workshop.id,
                Vote.step_position == step.position,
                Vote.slot.is_not(None),
                *items.counted(),
            )
            .group_by(items.column, Participant.target_group)
        )
    ).all()
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for idea_id, group, count in rows:
        found[str(idea_id)][group or ""] = int(count)
    return dict(found)


async def my_votes(db: AsyncSession, participant_id: UUID, step: AgendaStep) -> dict[str, list[dict[str, Any]]]:
    rows = (
        await db.execute(
            select(Vote)
            .where(Vote.participant_id == participant_id, Vote.step_position == step.position)
            .order_by(Vote.created_at, Vote.id)
        )
    ).scalars()
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for vote in rows:
        mine[str(vote.cluster_id or vote.idea_id)].append(
            {"id": str(vote.id), "score_x": vote.score_x, "score_y": vote.score_y}
        )
    return dict(mine)
