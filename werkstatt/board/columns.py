"""Which question a card answers, for the board's columns.

A card answers the question of the step it was posted in (`AgendaStep.question`; a step without a question asks
its title). Steps that ask the same question (compared without case and extra spaces) share one column, whose
key is the first such step's position. The board shows one column per question among the cards it shows
(the discuss and collect views, and the cluster step's unsorted cards); with only one question it shows one
column, as before questions had columns. A card whose step is no longer on the agenda goes to the column keyed
ORPHAN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, literal

from werkstatt.board.models import Idea

if TYPE_CHECKING:
    from werkstatt.workshops.models import Workshop

ORPHAN = -1


@dataclass(frozen=True)
class Question:
    """A column: its key (the first step asking it), the question as the first step words it, its steps."""

    key: int
    label: str
    steps: tuple[int, ...]


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def questions(workshop: Workshop) -> dict[int, Question]:
    """Each step's position → the question it asks (steps asking the same question share one Question)."""
    by_label: dict[str, list[Any]] = {}
    for step in sorted(workshop.steps, key=lambda s: s.position):
        asked = step.question.strip() or step.title.strip()
        by_label.setdefault(_normal(asked), []).append((step.position, asked))
    found: dict[int, Question] = {}
    for members in by_label.values():
        question = Question(members[0][0], members[0][1], tuple(position for position, _ in members))
        for position in question.steps:
            found[position] = question
    return found


def key_of(asked: dict[int, Question], position: Any) -> int:
    """The column key of a card posted in step `position`."""
    question = asked.get(position) if isinstance(position, int) else None
    return question.key if question is not None else ORPHAN


def key_column(asked: dict[int, Question]) -> Any:
    """SQL: the column key of an Idea (for counting and bounding each column in one query)."""
    if not asked:
        return literal(ORPHAN)
    keys = {position: question.key for position, question in asked.items()}
    return case(keys, value=Idea.step_position, else_=ORPHAN)


def steps_of(asked: dict[int, Question], key: int) -> tuple[int, ...]:
    """The steps whose cards stand in column `key` (a step's own position when it names no known column)."""
    question = asked.get(key)
    return question.steps if question is not None and question.key == key else (key,)


def columns(asked: dict[int, Question], counts: dict[int, int]) -> list[dict[str, Any]]:
    """The columns for cards counted per column key (`counts`), in agenda order: key, question, steps, total.
    Empty columns are left out; the orphaned cards, if any, come last."""
    found = []
    for key in sorted(k for k, n in counts.items() if n and k != ORPHAN):
        question = asked.get(key)
        label = question.label if question is not None else ""
        steps = question.steps if question is not None else (key,)
        found.append({"key": key, "question": label, "steps": steps, "total": counts[key]})
    if counts.get(ORPHAN):
        found.append({"key": ORPHAN, "question": "", "steps": (), "total": counts[ORPHAN]})
    return found
