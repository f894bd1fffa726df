"""Planning commands: the agenda (steps from methods, free steps, edit, delete, reorder, templates) and the
workshop's details, plus the read-side sums a coach plans with (timeboxes, group-size fit, material).

Every command validates, changes rows and leaves the commit to the caller. Agenda positions are rewritten
0..n-1 in the same transaction after every change, so the agenda never has gaps or duplicates. The
workshop row is locked first (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway), so two
coaches editing at once queue instead of interleaving.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from pydantic import Field, ValidationError
from sqlalchemy import select

from werkstatt.catalogue.agendas import BlockStep, resolve
from werkstatt.catalogue.schema import CONFIG_MODELS, MaterialPer, Mechanic
from werkstatt.errors import Invalid, NotFound, field_errors
from werkstatt.i18n import Message, _
from werkstatt.network.models import FocusTopic, TargetGroup
from werkstatt.workshops import methods_source
from werkstatt.workshops.models import AgendaStep, Workshop, WorkshopFormat, WorkshopState
from werkstatt.workshops.schemas import BoardIn, StepIn, Strict

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.catalogue.schema import AgendaTemplate, MethodCard

MAX_STEPS = 40
TABLE_SIZE = 6  # a Tisch seats six
DEFAULT_SUBGROUP = 5  # a Gruppe when the card names no subgroup size
DEFAULT_GROUP = 20  # assumed head count for material when none is expected


def N_(message: str) -> str:
    return message


PER_LABELS: dict[str, str] = {
    "person": N_("je Person"),
    "gruppe": N_("je Gruppe"),
    "tisch": N_("je Tisch"),
    "veranstaltung": N_("je Veranstaltung"),
}


class WorkshopDetails(Strict):
    """The workshop's details as the coach edits them after creation (town and agenda are separate)."""

    title: str = Field(min_length=1, max_length=200)
    format: WorkshopFormat = WorkshopFormat.ideen_werkstatt
    starts_at: datetime | None = None
    place: str = Field(default="", max_length=200)
    planned_minutes: int = Field(default=120, ge=10, le=60 * 16)
    expected_participants: int | None = Field(default=None, ge=1, le=2000)
    focus_topic_ids: list[UUID] = Field(default_factory=list, max_length=20)
    target_groups: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(default_factory=list, max_length=20)


# --- validation helpers -------------------------------------------------------------------------------------


def board_from(mechanic: str, config: Mapping[str, Any]) -> BoardIn:
    """Validate a mechanic and its config, naming the bad config key in German (`config.<key>`)."""
    try:
        chosen = Mechanic(mechanic)
    except ValueError:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {"mechanic": _("Unbekannte Board-Art.")}) from None
    try:
        clean = CONFIG_MODELS[chosen].model_validate(dict(config)).model_dump(mode="json")
    except ValidationError as error:
        errors = {f"config.{key}" if key != "_" else "config": text for key, text in field_errors(error).items()}
        raise Invalid(_("Bitte prüfen Sie die Einstellungen des Boards."), errors) from None
    return BoardIn(mechanic=chosen, config=clean)


def step_in(values: Mapping[str, Any]) -> StepIn:
    """A StepIn from loose values (form or API), with German field errors (`title`, `minutes`, `config.x`)."""
    board = board_from(str(values.get("mechanic") or "discuss"), values.get("config") or {})
    keys = ("method_slug", "title", "minutes", "instructions", "facilitator_notes", "question")
    data = {key: values[key] for key in keys if values.get(key) is not None}
    try:
        return StepIn.model_validate({**data, "board": board.model_dump(mode="json")})
    except ValidationError as error:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), field_errors(error)) from None


async def _locked(db: AsyncSession, workshop: Workshop) -> None:
    await db.execute(select(Workshop.id).where(Workshop.id == workshop.id).with_for_update())


def _require_planning(workshop: Workshop) -> None:
    if workshop.state != WorkshopState.planned:
        raise Invalid(
            _("Der Ablauf lässt sich nur ändern, solange die Werkstatt noch nicht begonnen hat."),
            {"agenda": _("Die Werkstatt läuft bereits oder ist beendet.")},
        )


async def _steps(db: AsyncSession, workshop: Workshop) -> list[AgendaStep]:
    query = select(AgendaStep).where(AgendaStep.workshop_id == workshop.id).order_by(AgendaStep.position)
    return list((await db.execute(query)).scalars())


async def _finish(db: AsyncSession, workshop: Workshop, ordered: Sequence[AgendaStep]) -> list[AgendaStep]:
    """Positions 0..n-1 in the given order, then the workshop's `steps` reloaded from the database."""
    for index, step in enumerate(ordered):
        if step.position != index:
            step.position = index
    await db.flush()
    await db.refresh(workshop, ["steps"])
    return list(workshop.steps)


def _find(steps: Sequence[AgendaStep], step_id: UUID) -> AgendaStep:
    for step in steps:
        if step.id == step_id:
            return step
    raise NotFound(_("Diesen Schritt gibt es in dieser Werkstatt nicht."))


def _insert_at(steps: list[AgendaStep], new: Sequence[AgendaStep], at: int | None) -> list[AgendaStep]:
    if len(steps) + len(new) > MAX_STEPS:
        raise Invalid(
            _("Ein Ablauf hat höchstens %(max)d Schritte.") % {"max": MAX_STEPS},
            {"agenda": _("Höchstens %(max)d Schritte – bitte vorher Schritte entfernen.") % {"max": MAX_STEPS}},
        )
    index = len(steps) if at is None else max(0, min(at, len(steps)))
    return [*steps[:index], *new, *steps[index:]]


def _row(workshop: Workshop, step: StepIn) -> AgendaStep:
    return AgendaStep(
        workshop_id=workshop.id,
        position=0,
        method_slug=step.method_slug,
        title=step.title,
        minutes=step.minutes,
        mechanic=step.board.mechanic.value,
        config=dict(step.board.config),
        instructions=step.instructions,
        facilitator_notes=step.facilitator_notes,
        question=step.question,
    )


# --- steps from methods and templates ------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def method_steps(card: MethodCard, indexes: Iterable[int] | None = None) -> list[StepIn]:
    """The card's step definitions as agenda steps: board mode and config, both texts (what the participants
    read, the moderation's notes) and the first invitation question are copied; all of them, or the chosen ones."""
    chosen = sorted(set(indexes)) if indexes is not None else list(range(len(card.steps)))
    if not chosen or any(index < 0 or index >= len(card.steps) for index in chosen):
        raise Invalid(_("Bitte wählen Sie Schritte der Methode aus."), {"steps": _("Unbekannter Schritt der Methode.")})
    question = _clip(card.invitation_questions[0], 300) if card.invitation_questions else ""
    many = len(chosen) > 1 or len(card.steps) > 1
    found: list[StepIn] = []
    for index in chosen:
        step = card.steps[index]
        found.append(
            StepIn(
                method_slug=card.slug,
                title=_clip(f"{card.name}: {step.title}" if many else card.name, 200),
                minutes=min(step.minutes, 600),
                board=BoardIn(mechanic=step.board.mechanic, config=dict(step.board.config)),
                instructions=_clip(step.instructions, 4000),
                facilitator_notes=_clip(step.facilitator_notes or "", 4000),
                question=question,
            )
        )
    return found


def _spread(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` minutes over steps in proportion to their weights: at least 1 each, summing to total."""
    if total < len(weights):
        return [1] * len(weights)
    whole = sum(weights) or 1
    raw = [total * weight / whole for weight in weights]
    minutes = [max(1, math.floor(value)) for value in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - math.floor(raw[i]), reverse=True)
    index = 0
    while sum(minutes) < total:
        minutes[order[index % len(order)]] += 1
        index += 1
    while sum(minutes) > total:
        biggest = max(range(len(minutes)), key=lambda i: minutes[i])
        minutes[biggest] -= 1
    return minutes


async def template_steps(
    db: AsyncSession, template: AgendaTemplate, network_id: UUID, *, offset: int = 0
) -> list[StepIn]:
    """A template's blocks as agenda steps. A method block brings the card's steps (the board follows the
    method step by step), their minutes scaled to the block's timebox; a free block is one step. The block's
    `instructions` are for the participants, its `note` for the moderation (before the first step's own). A
    block's `question` becomes the question of its steps; its `cards` settings become the card sources of its
    vote, rank and matrix steps (positions counted from `offset`, where the template's first step lands)."""
    cards: list[MethodCard | None] = []
    blocks: list[list[BlockStep]] = []
    for block in template.steps:
        card = await methods_source.method_card(db, block.method, network_id) if block.method else None
        cards.append(card)
        if card is None:
            blocks.append([BlockStep(block.title, block.board.mechanic.value if block.board else "timer")])
        else:
            blocks.append([BlockStep(step.title, step.board.mechanic.value) for step in card.steps])
    sources = resolve(template, blocks).sources
    found: list[StepIn] = []
    for number, (block, card) in enumerate(zip(template.steps, cards, strict=True)):
        note = block.note or ""
        text = block.instructions or ""
        if card is None:
            board = block.board
            found.append(
                StepIn(
                    method_slug=None,
                    title=block.title,
                    minutes=min(block.minutes, 600),
                    board=_with_source(
                        BoardIn(mechanic=board.mechanic, config=dict(board.config))
                        if board
                        else BoardIn(mechanic=Mechanic.timer),
                        sources.get((number, 0)),
                        offset,
                    ),
                    instructions=_clip(text, 4000),
                    facilitator_notes=_clip(note, 4000),
                    question=block.question or "",
                )
            )
            continue
        steps = method_steps(card)
        minutes = _spread(min(block.minutes, 600 * len(steps)), [step.minutes for step in steps])
        for index, (step, share) in enumerate(zip(steps, minutes, strict=True)):
            step_title = card.steps[index].title
            instructions, notes = step.instructions, step.facilitator_notes
            if index == 0 and text:
                instructions = _clip(f"{text}\n\n{instructions}", 4000)
            if index == 0 and note:
                notes = _clip(f"{note}\n\n{notes}" if notes else note, 4000)
            found.append(
                step.model_copy(
                    update={
                        "title": _clip(f"{block.title} – {step_title}" if len(steps) > 1 else block.title, 200),
                        "minutes": min(share, 600),
                        "instructions": instructions,
                        "facilitator_notes": notes,
                        "question": block.question or step.question,
                        "board": _with_source(step.board, sources.get((number, index)), offset),
                    }
                )
            )
    return found[:MAX_STEPS]


def _with_source(board: BoardIn, source: dict[str, Any] | None, offset: int) -> BoardIn:
    """The board with the template's card source for this step (shifted to where the template lands)."""
    if source is None:
        return board
    shifted = {**source, "step": source["step"] + offset} if "step" in source else source
    if shifted.get("step", 0) >= MAX_STEPS:
        return board  # the referenced step did not fit into the agenda: the default applies
    return board_from(board.mechanic.value, {**board.config, "cards": shifted})


# --- agenda commands -----------------------------------------------------------------------------------------


async def add_method_steps(
    db: AsyncSession,
    workshop: Workshop,
    slug: str,
    *,
    indexes: Iterable[int] | None = None,
    at: int | None = None,
) -> list[AgendaStep]:
    """Add a catalogue method's steps (all, or the chosen ones) at the end or at position `at`."""
    await _locked(db, workshop)
    _require_planning(workshop)
    card = await methods_source.method_card(db, slug, workshop.network_id) if slug else None
    if card is None:
        raise Invalid(_("Diese Methode gibt es im Katalog nicht."), {"method_slug": _("Bitte eine Methode auswählen.")})
    steps = await _steps(db, workshop)
    new = [_row(workshop, step) for step in method_steps(card, indexes)]
    ordered = _insert_at(steps, new, at)
    db.add_all(new)
    await _finish(db, workshop, ordered)
    return new


async def add_free_step(db: AsyncSession, workshop: Workshop, data: StepIn, *, at: int | None = None) -> AgendaStep:
    """A step that is not a catalogue method (Begrüßung, Impuls, Pause …)."""
    await _locked(db, workshop)
    _require_planning(workshop)
    steps = await _steps(db, workshop)
    new = _row(workshop, data.model_copy(update={"method_slug": None}))
    ordered = _insert_at(steps, [new], at)
    db.add(new)
    await _finish(db, workshop, ordered)
    return new


async def edit_step(db: AsyncSession, workshop: Workshop, step_id: UUID, data: StepIn) -> AgendaStep:
    """Title, minutes, board mode and config, both texts and the question; the method link stays."""
    await _locked(db, workshop)
    _require_planning(workshop)
    steps = await _steps(db, workshop)
    step = _find(steps, step_id)
    step.title = data.title
    step.minutes = data.minutes
    step.mechanic = data.board.mechanic.value
    step.config = dict(data.board.config)
    step.instructions = data.instructions
    step.facilitator_notes = data.facilitator_notes
    step.question = data.question
    await _finish(db, workshop, steps)
    return step


async def delete_step(db: AsyncSession, workshop: Workshop, step_id: UUID) -> None:
    await _locked(db, workshop)
    _require_planning(workshop)
    steps = await _steps(db, workshop)
    step = _find(steps, step_id)
    await db.delete(step)
    await db.flush()
    await _finish(db, workshop, [other for other in steps if other.id != step_id])


async def move_step(db: AsyncSession, workshop: Workshop, step_id: UUID, offset: int) -> AgendaStep:
    """Move one step up (-1) or down (+1); at either end it stays where it is."""
    await _locked(db, workshop)
    _require_planning(workshop)
    steps = await _steps(db, workshop)
    step = _find(steps, step_id)
    index = steps.index(step)
    target = max(0, min(len(steps) - 1, index + offset))
    steps.insert(target, steps.pop(index))
    await _finish(db, workshop, steps)
    return step


def _block_of(steps: Sequence[AgendaStep], step_id: UUID) -> tuple[int, int]:
    """The [start, end) slice of the method block that begins with (or contains) step `step_id`."""
    step = _find(steps, step_id)
    index = steps.index(step)
    slug = step.method_slug
    start, end = index, index + 1
    if slug is not None:
        while start > 0 and steps[start - 1].method_slug == slug:
            start -= 1
        while end < len(steps) and steps[end].method_slug == slug:
            end += 1
    return start, end


async def move_block(db: AsyncSession, workshop: Workshop, step_id: UUID, offset: int) -> list[AgendaStep]:
    """Move a whole method block above the previous block (-1) or below the next one (+1)."""
    await _locked(db, workshop)
    _require_planning(workshop)
    steps = await _steps(db, workshop)
    start, end = _block_of(steps, step_id)
    block = steps[start:end]
    rest = steps[:start] + steps[end:]
    if offset < 0 and start > 0:
        before, _ = _block_of(steps, steps[start - 1].id)
        at = before
    elif offset > 0 and end < len(steps):
        _, after = _block_of(steps, steps[end].id)
        at = after - len(block)
    else:
        return steps
    await _finish(db, workshop, [*rest[:at], *block, *rest[at:]])
    return block


async def delete_block(db: AsyncSession, workshop: Workshop, step_id: UUID) -> int:
    """Remove a whole method block; returns how many steps went."""
    await _locked(db, workshop)
    _require_planning(workshop)
    steps = await _steps(db, workshop)
    start, end = _block_of(steps, step_id)
    for step in steps[start:end]:
        await db.delete(step)
    await db.flush()
    await _finish(db, workshop, steps[:start] + steps[end:])
    return end - start


async def reorder_steps(db: AsyncSession, workshop: Workshop, order: Sequence[UUID]) -> list[AgendaStep]:
    """The agenda in an explicit order: exactly the workshop's steps, each once."""
    await _locked(db, workshop)
    _require_planning(workshop)
    steps = await _steps(db, workshop)
    by_id = {step.id: step for step in steps}
    if len(order) != len(steps) or set(order) != set(by_id):
        raise Invalid(
            _("Die Reihenfolge passt nicht zum aktuellen Ablauf. Bitte laden Sie die Seite neu."),
            {"order": _("Die Reihenfolge muss jeden Schritt genau einmal enthalten.")},
        )
    return await _finish(db, workshop, [by_id[step_id] for step_id in order])


async def apply_template(db: AsyncSession, workshop: Workshop, slug: str, *, replace: bool = False) -> list[AgendaStep]:
    """Start from (or append) a shipped agenda template; each method used is recorded for its card."""
    await _locked(db, workshop)
    _require_planning(workshop)
    template = await methods_source.agenda_template(db, slug) if slug else None
    if template is None:
        raise Invalid(_("Diese Ablaufvorlage gibt es nicht."), {"template": _("Bitte eine Vorlage auswählen.")})
    steps = await _steps(db, workshop)
    if replace:
        for step in steps:
            await db.delete(step)
        await db.flush()
        steps = []
    planned = await template_steps(db, template, workshop.network_id, offset=len(steps))
    new = [_row(workshop, step) for step in planned]
    ordered = _insert_at(steps, new, None)
    db.add_all(new)
    await _finish(db, workshop, ordered)
    return new


async def edit_details(db: AsyncSession, workshop: Workshop, data: WorkshopDetails) -> Workshop:
    """Title, format, date, place, length, group size, focus topics and target groups."""
    await _locked(db, workshop)
    if workshop.state == WorkshopState.closed:
        raise Invalid(
            _("Eine beendete Werkstatt lässt sich nicht mehr ändern."), {"_": _("Die Werkstatt ist beendet.")}
        )
    await check_topics_and_groups(db, workshop.network_id, data.focus_topic_ids, data.target_groups)
    workshop.title = data.title
    workshop.format = data.format
    workshop.starts_at = data.starts_at
    workshop.place = data.place
    workshop.planned_minutes = data.planned_minutes
    workshop.expected_participants = data.expected_participants
    workshop.focus_topic_ids = [str(topic) for topic in data.focus_topic_ids]
    workshop.target_groups = list(data.target_groups)
    await db.flush()
    return workshop


async def check_topics_and_groups(
    db: AsyncSession, network_id: UUID, topic_ids: Sequence[UUID], groups: Sequence[str]
) -> None:
    known_topics = set((await db.execute(select(FocusTopic.id).where(FocusTopic.network_id == network_id))).scalars())
    if any(topic not in known_topics for topic in topic_ids):
        raise Invalid(_("Unbekanntes Schwerpunktthema."), {"focus_topic_ids": _("Unbekanntes Schwerpunktthema.")})
    known_groups = set(
        (await db.execute(select(TargetGroup.slug).where(TargetGroup.network_id == network_id))).scalars()
    )
    unknown = [group for group in groups if group not in known_groups]
    if unknown:
        raise Invalid(
            _("Unbekannte Zielgruppe."),
            {"target_groups": _("Unbekannte Zielgruppe: %(group)s") % {"group": unknown[0]}},
        )


# --- what a coach plans with ---------------------------------------------------------------------------------


@dataclass
class StepPlan:
    step: AgendaStep
    card: MethodCard | None
    starts: datetime | None
    offset: int  # minutes from the start
    group_warning: str | None


@dataclass
class MaterialLine:
    item: str
    quantity: int
    rules: list[tuple[int, str]] = field(default_factory=list)  # how it was counted: (5, "person")
    methods: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class MethodBlock:
    """Consecutive steps of one method (or one free step): planned, moved and removed as a whole."""

    steps: list[StepPlan]
    card: MethodCard | None
    method_slug: str | None

    @property
    def first(self) -> AgendaStep:
        return self.steps[0].step

    @property
    def minutes(self) -> int:
        return sum(item.step.minutes for item in self.steps)

    @property
    def title(self) -> str:
        if self.card is not None:
            return self.card.name
        return self.first.title


def method_blocks(steps: Sequence[StepPlan]) -> list[MethodBlock]:
    """The agenda as method blocks: a run of steps with the same method is one block, a free step its own."""
    blocks: list[MethodBlock] = []
    for item in steps:
        slug = item.step.method_slug
        if blocks and slug is not None and blocks[-1].method_slug == slug:
            blocks[-1].steps.append(item)
        else:
            blocks.append(MethodBlock([item], item.card, slug))
    return blocks


@dataclass
class AgendaPlan:
    steps: list[StepPlan]
    total_minutes: int
    planned_minutes: int
    head_count: int
    head_count_assumed: bool
    materials: list[MaterialLine]

    @property
    def blocks(self) -> list[MethodBlock]:
        return method_blocks(self.steps)

    @property
    def over_by(self) -> int:
        return max(0, self.total_minutes - self.planned_minutes)

    @property
    def left(self) -> int:
        return max(0, self.planned_minutes - self.total_minutes)

    @property
    def ends(self) -> datetime | None:
        first = self.steps[0].starts if self.steps else None
        return first + timedelta(minutes=self.total_minutes) if first else None


def group_warning(card: MethodCard, expected: int | None) -> Message | None:
    if expected is None:
        return None
    size = card.group_size
    if expected < size.min:
        return _("%(method)s braucht mindestens %(min)d Personen; erwartet werden %(expected)d.") % {
            "method": card.name,
            "min": size.min,
            "expected": expected,
        }
    if size.max is not None and expected > size.max:
        return _("%(method)s passt für höchstens %(max)d Personen; erwartet werden %(expected)d.") % {
            "method": card.name,
            "max": size.max,
            "expected": expected,
        }
    return None


def material_quantity(amount: int, per: MaterialPer, people: int, subgroup: int | None) -> int:
    if per == MaterialPer.person:
        return amount * people
    if per == MaterialPer.gruppe:
        return amount * math.ceil(people / (subgroup or DEFAULT_SUBGROUP))
    if per == MaterialPer.tisch:
        return amount * math.ceil(people / TABLE_SIZE)
    return amount


def materials(cards: Iterable[MethodCard], people: int) -> list[MaterialLine]:
    """Material over the methods used (each method once): the same item from several methods adds up."""
    lines: dict[str, MaterialLine] = {}
    for card in cards:
        for material in card.materials:
            quantity = material_quantity(material.amount, material.per, people, card.group_size.subgroup)
            key = material.item.casefold()
            line = lines.get(key)
            rule = (material.amount, material.per.value)
            if line is None:
                line = lines[key] = MaterialLine(item=material.item, quantity=0)
            if rule not in line.rules:
                line.rules.append(rule)
            line.quantity += quantity
            if card.name not in line.methods:
                line.methods.append(card.name)
            if material.note and material.note not in line.notes:
                line.notes.append(material.note)
    return sorted(lines.values(), key=lambda line: line.item.casefold())


async def plan_for(db: AsyncSession, workshop: Workshop) -> AgendaPlan:
    steps = list(workshop.steps)
    slugs = {step.method_slug for step in steps if step.method_slug}
    cards = await methods_source.method_cards(db, workshop.network_id, slugs) if slugs else {}
    planned: list[StepPlan] = []
    offset = 0
    for step in steps:
        card = cards.get(step.method_slug) if step.method_slug else None
        starts = workshop.starts_at + timedelta(minutes=offset) if workshop.starts_at else None
        warning = group_warning(card, workshop.expected_participants) if card else None
        planned.append(StepPlan(step, card, starts, offset, warning))
        offset += step.minutes
    people = workshop.expected_participants or DEFAULT_GROUP
    used = [cards[slug] for slug in dict.fromkeys(step.method_slug for step in steps) if slug and slug in cards]
    return AgendaPlan(
        steps=planned,
        total_minutes=offset,
        planned_minutes=workshop.planned_minutes,
        head_count=people,
        head_count_assumed=workshop.expected_participants is None,
        materials=materials(used, people),
    )
