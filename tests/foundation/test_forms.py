"""HTML forms read as pydantic models (`werkstatt.forms`): what the reader takes from a form, and how the one
renderer turns a refusal into field errors with status 422."""

from __future__ import annotations

from typing import Annotated
from uuid import uuid4

import pytest
from litestar import Litestar, Request, Response, post
from litestar.datastructures import FormMultiDict, State
from litestar.testing import AsyncTestClient
from pydantic import Field, ValidationError

from werkstatt.errors import EXCEPTION_HANDLERS, Conflict, Invalid
from werkstatt.forms import Choice, FormModel, cut, form_errors, form_page, parse_form, read_form
from werkstatt.settings import Settings


class Sample(FormModel):
    name: str = Field(min_length=1, max_length=20)
    note: Annotated[str, cut(5)] = ""
    topic: Choice = None
    tags: list[str] = Field(default_factory=list, max_length=3)
    size: int | None = None


def form(*pairs: tuple[str, str]) -> FormMultiDict:
    return FormMultiDict(list(pairs))


def test_a_list_field_takes_every_value_and_others_their_first() -> None:
    read = parse_form(form(("name", "Ada"), ("name", "Bea"), ("tags", "a"), ("tags", "b")), Sample)
    assert (read.name, read.tags) == ("Ada", ["a", "b"])


def test_unknown_fields_and_the_csrf_token_are_ignored() -> None:
    read = parse_form(form(("name", "Ada"), ("_csrf_token", "x"), ("submit", "1")), Sample)
    assert read.name == "Ada"


def test_an_empty_optional_field_is_none() -> None:
    read = parse_form(form(("name", "Ada"), ("size", ""), ("topic", "")), Sample)
    assert (read.size, read.topic) == (None, None)


def test_a_cut_field_is_shortened_not_refused() -> None:
    assert parse_form(form(("name", "Ada"), ("note", "abcdefgh")), Sample).note == "abcde"


def test_a_choice_that_is_no_id_says_so_in_german() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_form(form(("name", "Ada"), ("topic", "kein-uuid")), Sample)
    assert form_errors(caught.value) == {"topic": "Ungültige Auswahl."}


def test_a_choice_reads_an_id() -> None:
    topic = uuid4()
    assert parse_form(form(("name", "Ada"), ("topic", str(topic))), Sample).topic == topic


def test_validation_errors_become_german_field_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_form(form(("tags", "a"), ("tags", "b"), ("tags", "c"), ("tags", "d")), Sample)
    assert form_errors(caught.value) == {
        "name": "Pflichtfeld fehlt.",
        "tags": "Zu viele Einträge (höchstens 3).",
    }


def test_a_domain_error_keeps_its_fields_or_gives_its_detail() -> None:
    assert form_errors(Invalid("Prüfen", {"name": "Vergeben."})) == {"name": "Vergeben."}
    assert form_errors(Conflict("Schon vorhanden.")) == {"_": "Schon vorhanden."}


@post("/probe", status_code=200)
async def probe(request: Request[object, object, object]) -> Response[str]:
    try:
        read = await read_form(request, Sample)
    except Invalid as error:
        return form_page(request, "errors/error.html", {"status": 422, "title": "x", "detail": "y"}, error)
    return Response(read.name)


async def test_a_refused_form_is_the_page_again_with_status_422(settings: Settings) -> None:
    app = Litestar([probe], exception_handlers=EXCEPTION_HANDLERS, state=State({"settings": settings}))
    async with AsyncTestClient(app=app) as client:
        refused = await client.post("/probe", data={"name": ""})
        accepted = await client.post("/probe", data={"name": "Ada"})
    assert (refused.status_code, accepted.status_code, accepted.text) == (422, 200, "Ada")
