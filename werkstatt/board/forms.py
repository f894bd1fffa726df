"""The board's HTML forms as models: what each form sends, with a type and a limit per field. The commands check
their own, smaller limits in their own words (a card's length depends on the step), so text fields are cut at a
generous bound here rather than refused."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from werkstatt.forms import Choice, FormModel, cut

TEXT_MAX = 5000


class JoinCodeForm(FormModel):
    """The door: a join code as typed."""

    code: Annotated[str, cut(20)] = ""


class JoinNameForm(FormModel):
    """Joining: the name shown on the board and, if the network asks for it, a target group."""

    display_name: Annotated[str, cut(200)] = ""
    target_group: str | None = Field(default=None, max_length=80)


class IdeaForm(FormModel):
    text: Annotated[str, cut(TEXT_MAX)] = ""
    focus_topic_id: Choice = None


class TextForm(FormModel):
    """A card's new text, or a comment."""

    text: Annotated[str, cut(TEXT_MAX)] = ""


class ReactionForm(FormModel):
    kind: Annotated[str, cut(20)] = ""
    on: Annotated[str, cut(5)] = ""

    @property
    def wanted(self) -> bool | None:
        """Set (True) or unset (False); neither: set unless given already."""
        return {"1": True, "true": True, "0": False, "false": False}.get(self.on)
