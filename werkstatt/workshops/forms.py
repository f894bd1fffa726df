"""HTML form values → the same validated inputs the JSON API uses, with German errors keyed by form field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

from werkstatt.catalogue.schema import CONFIG_MODELS, Mechanic
from werkstatt.errors import CHECK_FIELDS, Invalid, field_errors
from werkstatt.i18n import Message, _
from werkstatt.web import BERLIN
from werkstatt.workshops.planning import WorkshopDetails, step_in
from werkstatt.workshops.schemas import WorkshopCreate

if TYPE_CHECKING:
    from litestar.datastructures import FormMultiDict

    from werkstatt.workshops.schemas import StepIn

CHECK = CHECK_FIELDS


def text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def values(form: FormMultiDict, name: str) -> list[str]:
    return [value.strip() for value in form.getall(name, []) if isinstance(value, str) and value.strip()]


def optional(value: str) -> str | None:
    return value or None


def local_datetime(day: str, clock: str) -> datetime | None:
    """Date and time as a person in Germany enters them → UTC. Empty date = no date yet."""
    if not day:
        if clock:
            raise Invalid(CHECK, {"date": _("Bitte auch ein Datum angeben.")})
        return None
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        raise Invalid(CHECK, {"date": _("Bitte ein gültiges Datum angeben (TT.MM.JJJJ).")}) from None
    try:
        parsed_time = time.fromisoformat(clock) if clock else time(18, 0)
    except ValueError:
        raise Invalid(CHECK, {"time": _("Bitte eine gültige Uhrzeit angeben (HH:MM).")}) from None
    if not 2000 <= parsed_day.year <= 2100:
        raise Invalid(CHECK, {"date": _("Bitte ein Datum zwischen 2000 und 2100 angeben.")})
    return datetime.combine(parsed_day, parsed_time, tzinfo=BERLIN).astimezone(UTC)


def _errors(error: ValidationError) -> dict[str, Message]:
    """Pydantic errors keyed by form field: `starts_at` is the date field, list items name their list."""
    found: dict[str, Message] = {}
    for key, message in field_errors(error).items():
        name = key.split(".", 1)[0]
        found.setdefault("date" if name == "starts_at" else name, message)
    return found


def _validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Invalid(CHECK, _errors(error)) from None


def _details_data(form: FormMultiDict) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": text(form, "title"),
        "format": text(form, "format") or "ideen-werkstatt",
        "place": text(form, "place"),
        "focus_topic_ids": values(form, "focus_topic_ids"),
        "target_groups": values(form, "target_groups"),
        "expected_participants": optional(text(form, "expected_participants")),
    }
    planned = optional(text(form, "planned_minutes"))
    if planned is not None:
        data["planned_minutes"] = planned
    errors: dict[str, Message] = {}
    try:
        data["starts_at"] = local_datetime(text(form, "date"), text(form, "time"))
    except Invalid as error:
        errors.update(error.errors)
    try:
        _validate(WorkshopDetails, {**data, "starts_at": None})
    except Invalid as error:
        errors = {**error.errors, **errors}
    if errors:
        raise Invalid(CHECK, errors)
    return data


def create_from_form(form: FormMultiDict, agenda: list[StepIn]) -> WorkshopCreate:
    errors: dict[str, Message] = {}
    try:
        town_id = UUID(text(form, "town_id"))
    except ValueError:
        errors["town_id"] = _("Bitte eine Stadt auswählen.")
    try:
        data = _details_data(form)
    except Invalid as error:
        errors.update(error.errors)
    if errors:
        raise Invalid(CHECK, errors)
    created: WorkshopCreate = _validate(WorkshopCreate, {**data, "town_id": town_id, "agenda": agenda})
    return created


def details_from_form(form: FormMultiDict) -> WorkshopDetails:
    data = _details_data(form)
    if "planned_minutes" not in data:
        raise Invalid(CHECK, {"planned_minutes": _("Pflichtfeld fehlt.")})
    details: WorkshopDetails = _validate(WorkshopDetails, data)
    return details


def config_from_form(form: FormMultiDict, mechanic: str, prefix: str) -> dict[str, Any]:
    """The config fields of the chosen board mode (`{prefix}-{mechanic}-{key}`); checkboxes are booleans."""
    if f"{prefix}-config" not in form:
        return {}  # a form without config fields (the quick "free step" form): the board mode's defaults
    try:
        model = CONFIG_MODELS[Mechanic(mechanic)]
    except ValueError:
        return {}
    config: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        name = f"{prefix}-{mechanic}-{key}"
        if info.annotation is bool:
            config[key] = name in form
            continue
        value = text(form, name)
        if value:
            config[key] = value
    return config


def step_from_form(form: FormMultiDict, prefix: str = "step") -> StepIn:
    mechanic = text(form, "mechanic") or "discuss"
    return step_in(
        {
            "title": text(form, "title"),
            "minutes": text(form, "minutes") or None,
            "mechanic": mechanic,
            "config": config_from_form(form, mechanic, prefix),
            "instructions": text(form, "instructions"),
            "facilitator_notes": text(form, "facilitator_notes"),
            "question": text(form, "question"),
        }
    )


def order_from_form(form: FormMultiDict) -> list[UUID]:
    found: list[UUID] = []
    for value in values(form, "order"):
        for part in value.split(","):
            try:
                found.append(UUID(part.strip()))
            except ValueError:
                raise Invalid(CHECK, {"order": _("Ungültige Reihenfolge.")}) from None
    return found
