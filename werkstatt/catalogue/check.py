"""`werkstatt methods check`: every problem in the card and agenda files as `file:field: message` lines.

Beyond the schema, the check reads the participants' texts as a card author's lint: a step's `instructions`
(and a template block's) are what every phone and the board show, so no sentence of them may speak about the
moderation ("Die Moderation nennt die Frage …"); that belongs in `facilitator_notes` (a block's `note`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from werkstatt.catalogue.loader import METHODS_DIR, Loaded, Problem, load
from werkstatt.i18n import _

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

# A sentence that opens by naming the moderation speaks to (or about) the facilitator, not to the participants.
_MODERATION = re.compile(
    r"^(?:(?:die|der|eine|ein)\s+)?(?:co-)?(?:moderation|moderator(?:in|en|innen)?|moderierenden?|spielleitung)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+|\s+-\s+")


def addresses_moderation(text: str) -> bool:
    """Whether a sentence of `text` opens with the moderation ("Die Moderation …", "Moderation: …")."""
    return any(_MODERATION.match(part.strip(" \"'„“(")) for part in _SENTENCE.split(text or "") if part.strip())


def participant_text_problems(loaded: Loaded) -> list[Problem]:
    found: list[Problem] = []
    message = _("Dieser Text steht bei den Teilnehmenden; was die Moderation tut, gehört in facilitator_notes.")
    for file, card in loaded.cards.values():
        found += [
            Problem(file, f"steps.{index}.instructions", message)
            for index, step in enumerate(card.steps)
            if addresses_moderation(step.instructions)
        ]
    for file, agenda in loaded.agendas.values():
        found += [
            Problem(file, f"steps.{index}.instructions", message)
            for index, step in enumerate(agenda.steps)
            if step.instructions and addresses_moderation(step.instructions)
        ]
    return found


def check(paths: Sequence[Path] = ()) -> Loaded:
    """Check the given files and folders (default: the shipped `methods/` with its `agendas/`)."""
    loaded = load(list(paths) or [METHODS_DIR])
    loaded.problems += participant_text_problems(loaded)
    return loaded


def report(loaded: Loaded) -> list[str]:
    lines = [str(problem) for problem in loaded.problems]
    if loaded.ok:
        lines.append(f"Alles in Ordnung: {len(loaded.cards)} Methodenkarten, {len(loaded.agendas)} Ablaufvorlagen.")
    else:
        lines.append(f"{len(loaded.problems)} Fehler gefunden.")
    return lines
