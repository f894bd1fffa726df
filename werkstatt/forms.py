"""HTML forms: each form is a pydantic model (German messages, a type and a limit per field), read in one way, and
a refused form is answered by one renderer: the same page again with its field errors marked (422).

Why not Litestar's `Body(media_type=RequestEncodingType.URL_ENCODED)`: it validates before the handler runs and
answers a bad form with Litestar's `ValidationException`, so the route could not show its own page again with the
values typed so far. `read_form` validates inside the handler instead, with the same model."""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from werkstatt.errors import CHECK_FIELDS, DomainError, Invalid, field_errors
from werkstatt.i18n import Message, _
from werkstatt.web import page

if TYPE_CHECKING:
    from collections.abc import Mapping

    from litestar import Request, Response
    from litestar.datastructures import FormMultiDict

M = TypeVar("M", bound=BaseModel)

CSRF_FIELD = "_csrf_token"
INVALID_CHOICE = _("Ungültige Auswahl.")
# A field that gathers every form key starting with a prefix (`place-<id>` → {"<id>": value}):
# `Field(json_schema_extra={FORM_PREFIX: "place-"})` on a `dict[str, str]` field.
FORM_PREFIX = "form_prefix"


class FormModel(BaseModel):
    """A form's fields: unknown ones (the CSRF token, buttons) are ignored; an empty optional field is None."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_none(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {key: None if value == "" and _optional(cls, key) else value for key, value in data.items()}


def _optional(model: type[BaseModel], key: str) -> bool:
    field = model.model_fields.get(key)
    return field is not None and type(None) in get_args(field.annotation)


def cut(limit: int) -> BeforeValidator:
    """A field's limit where the form has always shortened what it got (the command then explains its own,
    smaller limit in its own words): the first `limit` characters of a text, or entries of a list."""
    return BeforeValidator(lambda value: value[:limit] if isinstance(value, str | list) else value)


def _choice(value: Any) -> Any:
    if value is None or value == "" or isinstance(value, UUID):
        return value or None
    try:
        return UUID(str(value)[:40])
    except ValueError:
        raise ValueError(INVALID_CHOICE) from None


# A select or radio button's id: "Ungültige Auswahl." for anything that is not one.
Choice = Annotated[UUID | None, BeforeValidator(_choice)]


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, types.UnionType, Annotated):
        return any(_is_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) in (list, tuple, set, frozenset)


def form_values(form: FormMultiDict | Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields as the form sent them: lists for list fields, the first value for the others."""
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        prefix = field.json_schema_extra.get(FORM_PREFIX) if isinstance(field.json_schema_extra, dict) else None
        if isinstance(prefix, str):
            data[key] = {
                given[len(prefix) :]: value
                for given, value in form.items()
                if given.startswith(prefix) and isinstance(value, str)
            }
            continue
        if key not in form:
            continue
        if _is_list(field.annotation):
            many = form.getall(key, []) if hasattr(form, "getall") else form[key]
            data[key] = [value for value in (many if isinstance(many, list) else [many]) if isinstance(value, str)]
        else:
            value = form.get(key)
            if isinstance(value, str):
                data[key] = value
    return data


def parse_form(form: FormMultiDict | Mapping[str, Any], model: type[M]) -> M:
    """The model from a form; pydantic's `ValidationError` when a field is refused."""
    return model.model_validate(form_values(form, model))


def validate(model: type[M], data: Mapping[str, Any]) -> M:
    """The model, or `Invalid` with a German message per field."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        raise Invalid(CHECK_FIELDS, field_errors(error)) from None


async def read_form(request: Request[Any, Any, Any], model: type[M]) -> M:
    """The request's form as `model`, or `Invalid` with a German message per field."""
    return validate(model, form_values(await request.form(), model))


async def form_data(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The first value of every field (the CSRF token left out): what the user typed, to show it again."""
    form = await request.form()
    return {key: str(value) for key, value in form.items() if key != CSRF_FIELD and isinstance(value, str)}


def form_errors(error: ValidationError | DomainError) -> dict[str, Message]:
    """A refusal as field errors: pydantic's per field, a domain error's own fields, else its detail under `_`."""
    if isinstance(error, ValidationError):
        return field_errors(error)
    return dict(error.errors) or {"_": error.detail}


def form_page(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any],
    error: ValidationError | DomainError | None = None,
    *,
    block: str | None = "content",
    status_code: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """The one renderer of a form page: with `error`, the page again with the field errors marked and status 422
    (or the status the caller names)."""
    full = {"errors": {}, **context}
    if error is not None:
        full["errors"] = {**full["errors"], **form_errors(error)}
    status = status_code if status_code is not None else 422 if error is not None else 200
    return page(request, template, full, block=block, status_code=status, headers=headers)
