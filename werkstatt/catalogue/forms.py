"""The card form: the core facts as fields, the steps and the remaining details as YAML text.

Every error from the schema or the service is shown at the form field it belongs to; errors inside the
YAML parts name their path ("Schritt 2 › board.config.dots: Unbekanntes Feld.").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from werkstatt.catalogue.loader import field_of, message_of
from werkstatt.catalogue.models import Visibility
from werkstatt.catalogue.schema import MethodCard
from werkstatt.i18n import Message, _

CORE = (
    "slug",
    "name",
    "summary",
    "purpose",
    "category",
    "participation",
    "duration",
    "group_size",
    "setting",
    "target_groups",
    "focus_topics",
    "steps",
    "version",
)
MULTI = ("setting", "target_groups", "focus_topics")
NUMBERS = ("duration_min", "duration_typical", "duration_max", "group_min", "group_optimal", "group_max")
MAX_YAML = 40_000

NEW_STEPS = """- title: Einstieg
  minutes: 10
  grouping: plenum
  instructions: Hier sehen Sie die Frage des Abends und wie es weitergeht.
  facilitator_notes: Frage und Ablauf vorstellen, Beitrittscode zeigen.
  board: {mechanic: discuss}
- title: Ideen sammeln
  minutes: 15
  grouping: einzeln
  instructions: Schreiben Sie Ihre Ideen auf Karten - eine Idee je Karte.
  board: {mechanic: collect, config: {max_cards_per_person: 5}}
"""

NEW_MORE = """arc: [divergieren]
phases: []
preparation: {effort: gering}
facilitation: {level: einsteiger}
materials: []
tips: []
risks: []
sources:
  - title: Erfahrung aus unserem Netzwerk
"""


@dataclass
class CardForm:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)


def dump_yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100) if value else ""


def form_from_card(card: dict[str, Any], visibility: str = Visibility.network) -> CardForm:
    more = {key: value for key, value in card.items() if key not in CORE}
    return CardForm(
        values={
            "slug": card.get("slug", ""),
            "name": card.get("name", ""),
            "summary": card.get("summary", ""),
            "purpose": card.get("purpose", ""),
            "category": card.get("category", ""),
            "participation": card.get("participation", ""),
            "duration_min": card.get("duration", {}).get("min", ""),
            "duration_typical": card.get("duration", {}).get("typical", ""),
            "duration_max": card.get("duration", {}).get("max", ""),
            "duration_note": card.get("duration", {}).get("note", ""),
            "group_min": card.get("group_size", {}).get("min", ""),
            "group_optimal": card.get("group_size", {}).get("optimal", ""),
            "group_max": card.get("group_size", {}).get("max") or "",
            "setting": list(card.get("setting", [])),
            "target_groups": list(card.get("target_groups", [])),
            "focus_topics": list(card.get("focus_topics", [])),
            "steps_yaml": dump_yaml(card.get("steps", [])),
            "more_yaml": dump_yaml(more),
            "visibility": visibility,
            "note": "",
        }
    )


def new_form() -> CardForm:
    form = form_from_card({"duration": {}, "group_size": {}})
    form.values.update(steps_yaml=NEW_STEPS, more_yaml=NEW_MORE, duration_min=20, duration_typical=25, duration_max=40)
    form.values.update(group_min=5, group_optimal=15, setting=["drinnen"])
    return form


def form_key(path: str) -> tuple[str, str]:
    """The form field an error at a card path belongs to, and the part of the path to show with it."""
    head, _, rest = path.partition(".")
    if head == "duration":
        return (f"duration_{rest}" if rest in {"min", "typical", "max", "note"} else "duration_min"), ""
    if head == "group_size":
        names = {"min": "group_min", "optimal": "group_optimal", "max": "group_max"}
        return names.get(rest, "group_min"), ""
    if head == "steps":
        if not rest:
            return "steps_yaml", ""
        index, _, inner = rest.partition(".")
        label = f"Schritt {int(index) + 1}" if index.isdigit() else index
        return "steps_yaml", f"{label} › {inner}" if inner else label
    if head in MULTI:
        return head, ""
    if head in {"slug", "name", "summary", "purpose", "category", "participation", "visibility", "note"}:
        return head, ""
    if head == "(Datei)":
        return "more_yaml", ""
    return "more_yaml", path


def form_errors(errors: Mapping[str, Message]) -> dict[str, Message]:
    """Card errors by form field; several on one field are joined (each translated on its own)."""
    found: dict[str, Message] = {}
    for path, message in errors.items():
        key, where = form_key(path)
        text = Message("%(where)s: %(message)s", {"where": where, "message": message}) if where else message
        found[key] = Message("%(first)s %(then)s", {"first": found[key], "then": text}) if key in found else text
    return found


def _number(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None if value in ("", None) else value


def _yaml_part(text: str, key: str, expect: type, errors: dict[str, Message]) -> Any:
    if len(text) > MAX_YAML:
        errors[key] = _("Der Text ist zu lang.")
        return None
    try:
        data = yaml.safe_load(text) if text.strip() else expect()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or _("unlesbar")
        errors[key] = (
            _("Kein gültiges YAML in Zeile %(line)d: %(problem)s.") % {"line": mark.line + 1, "problem": problem}
            if mark is not None
            else _("Kein gültiges YAML: %(problem)s.") % {"problem": problem}
        )
        return None
    if not isinstance(data, expect):
        errors[key] = (
            _("Bitte eine Liste von Schritten angeben (jede Zeile mit „- title: …“ beginnt einen Schritt).")
            if expect is list
            else _("Bitte Felder der Form „name: Wert“ angeben.")
        )
        return None
    return data


def card_from_form(form: Any, slug: str | None = None) -> tuple[MethodCard | None, CardForm]:
    """Read the posted form; `slug` fixes the slug when editing. Returns the card or the form with errors."""
    values: dict[str, Any] = {key: str(form.get(key, "")).strip() for key in ("slug", "name", "summary", "purpose")}
    for key in ("category", "participation", "duration_note", "steps_yaml", "more_yaml", "visibility", "note"):
        values[key] = str(form.get(key, ""))
    for key in NUMBERS:
        values[key] = str(form.get(key, "")).strip()
    for key in MULTI:
        values[key] = [str(v) for v in form.getall(key, [])] if hasattr(form, "getall") else list(form.get(key, []))
    if slug is not None:
        values["slug"] = slug
    result = CardForm(values=values)
    if len(values["note"]) > 300:
        result.errors["note"] = _("Höchstens %(max_length)s Zeichen erlaubt.") % {"max_length": 300}
    steps = _yaml_part(values["steps_yaml"], "steps_yaml", list, result.errors)
    more = _yaml_part(values["more_yaml"], "more_yaml", dict, result.errors)
    if isinstance(more, dict):
        clash = [key for key in more if key in CORE]
        if clash:
            result.errors["more_yaml"] = _("Das Feld „%(field)s“ bitte oben im Formular ausfüllen.") % {
                "field": clash[0]
            }
    if result.errors:
        return None, result
    duration: dict[str, Any] = {
        "min": _number(values["duration_min"]),
        "typical": _number(values["duration_typical"]),
        "max": _number(values["duration_max"]),
    }
    if values["duration_note"].strip():
        duration["note"] = values["duration_note"].strip()
    group: dict[str, Any] = {"min": _number(values["group_min"]), "optimal": _number(values["group_optimal"])}
    if values["group_max"]:
        group["max"] = _number(values["group_max"])
    data: dict[str, Any] = {
        **(more or {}),
        "slug": values["slug"],
        "name": values["name"],
        "summary": values["summary"],
        "purpose": values["purpose"],
        "category": values["category"],
        "participation": values["participation"],
        "duration": duration,
        "group_size": group,
        "setting": values["setting"],
        "target_groups": values["target_groups"],
        "focus_topics": values["focus_topics"],
        "steps": steps,
    }
    try:
        return MethodCard.model_validate(data), result
    except ValidationError as error:
        result.errors = form_errors({field_of(item["loc"]): message_of(item) for item in error.errors()})
        return None, result
