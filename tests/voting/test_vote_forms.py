"""The vote panel's forms as models (`voting/forms.py`): what each reads from a form and what it refuses."""

from __future__ import annotations

from uuid import uuid4

import pytest
from litestar.datastructures import FormMultiDict
from pydantic import ValidationError

from werkstatt.errors import Invalid
from werkstatt.forms import form_errors, parse_form
from werkstatt.voting.forms import CastForm, ItemForm, OrderForm


def form(*pairs: tuple[str, str]) -> FormMultiDict:
    return FormMultiDict(list(pairs))


def test_a_named_cluster_is_the_target_even_with_a_card() -> None:
    idea, cluster = uuid4(), uuid4()
    assert parse_form(form(("idea_id", str(idea)), ("cluster_id", str(cluster))), ItemForm).target() == (None, cluster)


def test_a_form_naming_neither_card_nor_cluster_is_an_invalid_choice() -> None:
    with pytest.raises(Invalid) as caught:
        parse_form(form(("idea_id", "")), ItemForm).target()
    assert caught.value.errors == {"idea_id": "Ungültige Auswahl."}


def test_a_rating_is_read_as_whole_numbers_and_an_empty_axis_as_none() -> None:
    cast = parse_form(form(("idea_id", str(uuid4())), ("score_x", "4"), ("score_y", "")), CastForm)
    assert (cast.score_x, cast.score_y) == (4, None)


def test_a_rating_that_is_no_number_asks_for_one() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_form(form(("idea_id", str(uuid4())), ("score_x", "viel")), CastForm)
    assert form_errors(caught.value) == {"score_x": "Bitte eine Zahl wählen."}


def test_the_final_order_sorts_cards_by_place_and_leaves_out_empty_places() -> None:
    first, second, left_out = uuid4(), uuid4(), uuid4()
    order = parse_form(
        form((f"place-{second}", "2"), (f"place-{first}", "1"), (f"place-{left_out}", " "), ("_csrf_token", "x")),
        OrderForm,
    )
    assert order.ordered() == [first, second]


def test_a_final_order_without_any_place_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_form(form((f"place-{uuid4()}", "")), OrderForm)
    assert form_errors(caught.value) == {"places": "Bitte mindestens einer Karte einen Platz geben."}
