"""The voting forms of the board's vote panel, as models read by `werkstatt.forms` (a type and a limit per field)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BeforeValidator, Field, field_validator

from werkstatt.errors import Invalid
from werkstatt.forms import FORM_PREFIX, INVALID_CHOICE, Choice, FormModel
from werkstatt.i18n import _

MAX_PLACES = 500  # the service's own limit of a final order
NO_PLACE = _("Bitte mindestens einer Karte einen Platz geben.")


def _score(value: Any) -> Any:
    if value is None or value == "" or isinstance(value, int):
        return value if value != "" else None
    try:
        return int(str(value)[:3])
    except ValueError:
        raise ValueError(_("Bitte eine Zahl wählen.")) from None


# A rating on one axis of the matrix: a whole number (the service checks its range), or none.
Score = Annotated[int | None, BeforeValidator(_score)]


class ItemForm(FormModel):
    """The card (`idea_id`) or, in a step on clusters, the cluster (`cluster_id`) a vote form names."""

    idea_id: Choice = None
    cluster_id: Choice = None

    def target(self) -> tuple[UUID | None, UUID | None]:
        """(card, None) or (None, cluster): a named cluster wins; naming neither is an invalid choice."""
        if self.cluster_id is not None:
            return None, self.cluster_id
        if self.idea_id is None:
            raise Invalid(INVALID_CHOICE, {"idea_id": INVALID_CHOICE})
        return self.idea_id, None


class CastForm(ItemForm):
    """A dot, or in a matrix step a rating on both axes."""

    score_x: Score = None
    score_y: Score = None


class OrderForm(FormModel):
    """The coach's final order: a place (`place-<card id>`) per card; cards left without a place are left out."""

    places: dict[str, str] = Field(default_factory=dict, json_schema_extra={FORM_PREFIX: "place-"})

    @field_validator("places")
    @classmethod
    def _some_places(cls, places: dict[str, str]) -> dict[str, str]:
        given = {key: value for key, value in places.items() if value.strip()}
        if len(given) > MAX_PLACES:
            raise ValueError(_("Zu viele Karten."))
        for key in given:
            try:
                UUID(key[:40])
            except ValueError:
                raise ValueError(INVALID_CHOICE) from None
        if not given:
            raise ValueError(NO_PLACE)
        return given

    def ordered(self) -> list[UUID]:
        """The cards by their place (a place that is no number counts as 0), ties by card id."""
        ranked = []
        for key, value in self.places.items():
            try:
                place = int(value[:4])
            except ValueError:
                place = 0
            ranked.append((place, key, UUID(key[:40])))
        return [idea_id for _place, _key, idea_id in sorted(ranked)]
