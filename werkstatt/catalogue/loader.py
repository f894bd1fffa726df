"""Reading and validating card and agenda files: one `Problem` (file, field, German message marked for
translation) per mistake.

The same rules serve `werkstatt methods check`, `werkstatt methods sync` and a coach's upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from werkstatt.catalogue.agendas import BlockStep, resolve
from werkstatt.catalogue.schema import AgendaTemplate, MethodCard
from werkstatt.errors import german_message
from werkstatt.i18n import Message, _
from werkstatt.network.topics import FOCUS_TOPICS, TARGET_GROUPS
from werkstatt.web import ROOT

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
METHODS_DIR = ROOT / "methods"
AGENDAS_DIR = METHODS_DIR / "agendas"
FILE_FIELD = "(Datei)"
MAX_FILE_BYTES = 200_000


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: Message

    def __str__(self) -> str:
        return f"{self.file}:{self.field}: {self.message}"


@dataclass
class Loaded:
    """What a set of files holds, and everything wrong with them."""

    cards: dict[str, tuple[str, MethodCard]] = field(default_factory=dict)  # slug → (file, card)
    agendas: dict[str, tuple[str, AgendaTemplate]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def shown(path: Path) -> str:
    """The path as a person typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def message_of(error: Mapping[str, Any]) -> Message:
    message = german_message(error)
    if "expected" in message.params:  # pydantic lists choices as "'a' or 'b'"
        return message % {**message.params, "expected": str(message.params["expected"]).replace("' or '", "' oder '")}
    return message


def field_of(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc) or FILE_FIELD


def parse_yaml(text: str, file: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - the safe loader (C version when available)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or _("unlesbar")
        return None, [
            Problem(
                file,
                FILE_FIELD,
                _("Kein gültiges YAML in Zeile %(line)d: %(problem)s.") % {"line": line, "problem": problem}
                if line is not None
                else _("Kein gültiges YAML: %(problem)s.") % {"problem": problem},
            )
        ]
    if not isinstance(data, dict):
        return None, [Problem(file, FILE_FIELD, _("Die Datei muss Felder der Form „name: Wert“ enthalten."))]
    return data, []


def validation_problems(error: ValidationError, file: str) -> list[Problem]:
    return [Problem(file, field_of(item["loc"]), message_of(item)) for item in error.errors()]


def validate_card(data: dict[str, Any], file: str) -> tuple[MethodCard | None, list[Problem]]:
    try:
        return MethodCard.model_validate(data), []
    except ValidationError as error:
        return None, validation_problems(error, file)


def duration_problems(card: MethodCard, file: str) -> list[Problem]:
    total = card.total_minutes
    if card.duration.min <= total <= card.duration.max:
        return []
    return [
        Problem(
            file,
            "steps",
            _("Die Schritte dauern zusammen %(total)d Minuten; laut duration sind es %(min)d bis %(max)d Minuten.")
            % {"total": total, "min": card.duration.min, "max": card.duration.max},
        )
    ]


def reference_problems(card: MethodCard, file: str, known: set[str]) -> list[Problem]:
    found: list[Problem] = []
    for side in ("before", "after"):
        for index, slug in enumerate(getattr(card.combines_with, side)):
            if slug == card.slug:
                found.append(
                    Problem(
                        file,
                        f"combines_with.{side}.{index}",
                        _("Eine Karte kann nicht mit sich selbst kombiniert werden."),
                    )
                )
            elif slug not in known:
                found.append(
                    Problem(file, f"combines_with.{side}.{index}", _("Unbekannter Slug '%(slug)s'.") % {"slug": slug})
                )
    return found


def taxonomy_problems(
    card: MethodCard,
    file: str,
    focus_topics: Iterable[str] = FOCUS_TOPICS,
    target_groups: Iterable[str] = TARGET_GROUPS,
) -> list[Problem]:
    topics, groups = set(focus_topics), set(target_groups)
    found = [
        Problem(file, f"focus_topics.{index}", _("Unbekanntes Fokusthema '%(slug)s'.") % {"slug": slug})
        for index, slug in enumerate(card.focus_topics)
        if slug not in topics
    ]
    found += [
        Problem(file, f"target_groups.{index}", _("Unbekannte Zielgruppe '%(slug)s'.") % {"slug": slug})
        for index, slug in enumerate(card.target_groups)
        if slug not in groups
    ]
    return found


def read_text(path: Path, file: str) -> tuple[str | None, list[Problem]]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [Problem(file, FILE_FIELD, _("Die Datei ist zu groß (höchstens 200 kB)."))]
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError:
        return None, [Problem(file, FILE_FIELD, _("Die Datei ist nicht in UTF-8 gespeichert."))]
    except OSError as error:
        return None, [
            Problem(file, FILE_FIELD, _("Die Datei lässt sich nicht lesen (%(reason)s).") % {"reason": error.strerror})
        ]


def card_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Split the given files and folders into card files and agenda files (those inside an `agendas` folder)."""
    cards: list[Path] = []
    agendas: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")):
                (agendas if path.name == "agendas" else cards).append(child)
            sub = path / "agendas"
            if sub.is_dir():
                agendas += sorted(sub.glob("*.yaml")) + sorted(sub.glob("*.yml"))
        else:
            (agendas if path.parent.name == "agendas" else cards).append(path)
    return cards, agendas


def load(paths: Iterable[Path], reference_dir: Path | None = METHODS_DIR) -> Loaded:
    """Read and check every card and agenda file. Slugs in `combines_with` and in agendas may refer to the
    files given and to the cards in `reference_dir` (the shipped catalogue)."""
    result = Loaded()
    card_paths, agenda_paths = card_files(paths)
    for path in card_paths:
        file = shown(path)
        text, problems = read_text(path, file)
        if text is None:
            result.problems += problems
            continue
        data, problems = parse_yaml(text, file)
        if data is None:
            result.problems += problems
            continue
        card, problems = validate_card(data, file)
        result.problems += problems
        if card is None:
            continue
        if card.slug != path.stem:
            result.problems.append(
                Problem(
                    file,
                    "slug",
                    _("Der Slug '%(slug)s' passt nicht zum Dateinamen '%(file)s'.")
                    % {"slug": card.slug, "file": path.name},
                )
            )
        if card.slug in result.cards:
            other = result.cards[card.slug][0]
            result.problems.append(
                Problem(
                    file,
                    "slug",
                    _("Der Slug '%(slug)s' kommt schon in %(file)s vor.") % {"slug": card.slug, "file": other},
                )
            )
            continue
        result.cards[card.slug] = (file, card)

    known = set(result.cards)
    if reference_dir is not None and reference_dir.is_dir():
        known |= {path.stem for path in reference_dir.glob("*.yaml")}
    for slug, (file, card) in result.cards.items():
        del slug
        result.problems += duration_problems(card, file)
        result.problems += reference_problems(card, file, known)
        result.problems += taxonomy_problems(card, file)

    for path in agenda_paths:
        file = shown(path)
        text, problems = read_text(path, file)
        if text is None:
            result.problems += problems
            continue
        data, problems = parse_yaml(text, file)
        if data is None:
            result.problems += problems
            continue
        try:
            agenda = AgendaTemplate.model_validate(data)
        except ValidationError as error:
            result.problems += validation_problems(error, file)
            continue
        if agenda.slug != path.stem:
            result.problems.append(
                Problem(
                    file,
                    "slug",
                    _("Der Slug '%(slug)s' passt nicht zum Dateinamen '%(file)s'.")
                    % {"slug": agenda.slug, "file": path.name},
                )
            )
        for index, step in enumerate(agenda.steps):
            if step.method is not None and step.method not in known:
                result.problems.append(
                    Problem(file, f"steps.{index}.method", _("Unbekannte Methode '%(slug)s'.") % {"slug": step.method})
                )
        result.problems += [Problem(file, where, text) for where, text in card_choice_problems(agenda, result.cards)]
        for index, slug in enumerate(agenda.target_groups):
            if slug not in TARGET_GROUPS:
                result.problems.append(
                    Problem(file, f"target_groups.{index}", _("Unbekannte Zielgruppe '%(slug)s'.") % {"slug": slug})
                )
        if agenda.slug in result.agendas:
            other = result.agendas[agenda.slug][0]
            result.problems.append(
                Problem(
                    file,
                    "slug",
                    _("Der Slug '%(slug)s' kommt schon in %(file)s vor.") % {"slug": agenda.slug, "file": other},
                )
            )
            continue
        result.agendas[agenda.slug] = (file, agenda)
    return result


def card_choice_problems(
    agenda: AgendaTemplate, cards: Mapping[str, tuple[str, MethodCard]]
) -> list[tuple[str, Message]]:
    """What does not fit in the template's `cards` settings (nothing to check while a method is unknown)."""
    blocks: list[list[BlockStep]] = []
    for step in agenda.steps:
        if step.method is None:
            blocks.append([BlockStep(step.title, step.board.mechanic.value if step.board else "timer")])
        elif step.method in cards:
            blocks.append([BlockStep(s.title, s.board.mechanic.value) for s in cards[step.method][1].steps])
        else:
            return []
    return resolve(agenda, blocks).problems


def load_shipped() -> Loaded:
    """The shipped catalogue; parsed again only when a file changed (sync runs at every start-up)."""
    stamp = tuple(sorted((str(path), path.stat().st_mtime_ns) for path in METHODS_DIR.rglob("*.y*ml")))
    return _load_shipped(stamp)


@lru_cache(maxsize=1)
def _load_shipped(stamp: tuple[tuple[str, int], ...]) -> Loaded:
    del stamp
    return load([METHODS_DIR], reference_dir=None)
