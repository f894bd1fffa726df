"""The commands that steer a live workshop, one typed model each, served by one registry.

A command is `{type, …}` (API.md): `type` names the model, the other keys are its fields, each with a type and
a limit; anything else is refused. The JSON API, the board's HTML forms and the websocket's command frames all
go through `run_command`: the actor is authorised first (a guest's coach command is refused as such, whatever
its fields), then the body is validated against the `Command` union, then the command runs and records its
event. The unit of work around the caller commits and publishes.

`Command` is a pydantic discriminated union on `type`; the OpenAPI schema documents it (`CommandBody`): one
component per command, its `type` a constant."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, get_args
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from werkstatt.board import moderation, service
from werkstatt.board.models import CLUSTER_NAME_MAX
from werkstatt.errors import CHECK_FIELDS, Invalid, german_message
from werkstatt.i18n import Message, _
from werkstatt.openapi import DocumentedAs
from werkstatt.workshops.permissions import require_moderator
from werkstatt.workshops.planning import MAX_STEPS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.live.models import WorkshopEvent
    from werkstatt.workshops.service import Actor

TYPE_MAX = 40  # the longest `type` echoed back in a refusal


class BaseCommand(BaseModel):
    """One command: its fields besides `type` are all it takes (unknown ones are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    participants_may: ClassVar[bool] = False
    """Whether a participant may send it too (the command itself then checks the step's `who` setting)."""
    details: ClassVar[Mapping[str, tuple[Message, Message]]] = {}
    """The refusal's headline and the field's message when this field is out of its range (the domain's words
    for it); other refusals name the field's problem under "check the marked fields"."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: Any) -> Any:
        """An empty form field (or JSON string) in an optional field means "none": the unsorted column, no
        spotlight, the step's own time."""
        if not isinstance(data, Mapping):
            return data
        optional = {name for name, field in cls.model_fields.items() if not field.is_required()}
        return {key: None if value == "" and key in optional else value for key, value in data.items()}

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        raise NotImplementedError


# --- steps -------------------------------------------------------------------------------------------


class StartStep(BaseCommand):
    """Move every board to agenda step `step` (0-based); starting the first step opens the workshop."""

    type: Literal["start_step"]
    step: Annotated[StrictInt, Field(ge=0, le=MAX_STEPS - 1)]
    details: ClassVar[Mapping[str, tuple[Message, Message]]] = {
        "step": (_("Diesen Schritt gibt es im Ablauf nicht."), _("Unbekannter Schritt."))
    }

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await service.start_step(db, actor, self.step)


class Close(BaseCommand):
    """End the workshop: nothing can be changed afterwards; the result stays."""

    type: Literal["close"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await service.close_workshop(db, actor)


class EditStep(BaseCommand):
    """Change the running step's question and instructions live (empty: none)."""

    type: Literal["edit_step"]
    question: str | None = Field(default=None, max_length=300)
    instructions: str | None = Field(default=None, max_length=4000)

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.edit_step_text(db, actor, self.question or "", self.instructions or "")


# --- timer -------------------------------------------------------------------------------------------


class StartTimer(BaseCommand):
    """Start (or resume) the step's timer; without `seconds` it runs the step's own time (or what was left)."""

    type: Literal["start_timer"]
    seconds: StrictInt | None = Field(default=None, ge=1, le=moderation.MAX_TIMER)
    details: ClassVar[Mapping[str, tuple[Message, Message]]] = {
        "seconds": (_("Die Zeit muss zwischen 1 Sekunde und 6 Stunden liegen."), _("Ungültige Dauer."))
    }

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.start_timer(db, actor, self.seconds)


class PauseTimer(BaseCommand):
    type: Literal["pause_timer"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.pause_timer(db, actor)


class AddMinute(BaseCommand):
    type: Literal["add_minute"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.add_minute(db, actor)


class StopTimer(BaseCommand):
    type: Literal["stop_timer"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.stop_timer(db, actor)


# --- reveal, lock, spotlight -------------------------------------------------------------------------


class Reveal(BaseCommand):
    """Uncover the blind cards of the step, or a hidden vote's tallies."""

    type: Literal["reveal"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.reveal(db, actor)


class Lock(BaseCommand):
    type: Literal["lock"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.set_lock(db, actor, True)


class Unlock(BaseCommand):
    type: Literal["unlock"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.set_lock(db, actor, False)


class HideJoin(BaseCommand):
    """Hide the projector's join box (code, address, QR) once the room is in."""

    type: Literal["hide_join"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.set_join_box(db, actor, False)


class ShowJoin(BaseCommand):
    """Show the projector's join box again, for latecomers."""

    type: Literal["show_join"]

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.set_join_box(db, actor, True)


class Spotlight(BaseCommand):
    """Highlight `idea:<id>` or `cluster:<id>` on every board and the projector; empty switches it off."""

    type: Literal["spotlight"]
    target: str | None = Field(default=None, max_length=60, pattern=r"^(idea|cluster):[0-9a-fA-F-]{32,36}$")
    details: ClassVar[Mapping[str, tuple[Message, Message]]] = {
        "target": (_("Hervorheben geht für eine Karte oder einen Cluster."), _("Ungültiges Ziel."))
    }

    @field_validator("target")
    @classmethod
    def _card_or_cluster(cls, value: str | None) -> str | None:
        if value is None:
            return None
        kind, _sep, item_id = value.partition(":")  # the pattern checked the kind
        try:
            return f"{kind}:{UUID(item_id)}"
        except ValueError:  # not a card's or cluster's id
            raise ValueError(_("Ungültiges Ziel.")) from None

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        if self.target is None:
            return await moderation.spotlight(db, actor, None)
        kind, _sep, item_id = self.target.partition(":")
        return await moderation.spotlight(db, actor, ("idea" if kind == "idea" else "cluster", UUID(item_id)))


# --- clusters ----------------------------------------------------------------------------------------


class CreateCluster(BaseCommand):
    type: Literal["create_cluster"]
    name: Annotated[str, Field(max_length=CLUSTER_NAME_MAX)]
    participants_may: ClassVar[bool] = True

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.create_cluster(db, actor, self.name)


class RenameCluster(BaseCommand):
    type: Literal["rename_cluster"]
    cluster_id: UUID
    name: Annotated[str, Field(max_length=CLUSTER_NAME_MAX)]
    participants_may: ClassVar[bool] = True

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.rename_cluster(db, actor, self.cluster_id, self.name)


class DeleteCluster(BaseCommand):
    """Dissolve a cluster; its cards stay, unsorted."""

    type: Literal["delete_cluster"]
    cluster_id: UUID

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.delete_cluster(db, actor, self.cluster_id)


class MoveIdea(BaseCommand):
    """Put a card into a cluster; without `cluster_id` back to the unsorted cards."""

    type: Literal["move_idea"]
    idea_id: UUID
    cluster_id: UUID | None = None
    participants_may: ClassVar[bool] = True

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.move_idea(db, actor, self.idea_id, self.cluster_id)


# --- merge, hide, remove -----------------------------------------------------------------------------


class MergeIdeas(BaseCommand):
    """Merge the duplicate `source_id` into `target_id` (before the vote only)."""

    type: Literal["merge_ideas"]
    source_id: UUID
    target_id: UUID

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.merge_ideas(db, actor, self.source_id, self.target_id)


class UnmergeIdea(BaseCommand):
    """Undo a merge: `idea_id` is the merged source; only while the surviving card has no votes."""

    type: Literal["unmerge_idea"]
    idea_id: UUID

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.unmerge_idea(db, actor, self.idea_id)


class HideIdea(BaseCommand):
    """Take a card off the participants' boards; the reason is for the moderation only."""

    type: Literal["hide_idea"]
    idea_id: UUID
    reason: str | None = Field(default=None, max_length=200)

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.hide_idea(db, actor, self.idea_id, self.reason or "")


class RestoreIdea(BaseCommand):
    type: Literal["restore_idea"]
    idea_id: UUID

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.restore_idea(db, actor, self.idea_id)


class RemoveParticipant(BaseCommand):
    """The participant's sockets close and their token and session can do nothing more."""

    type: Literal["remove_participant"]
    participant_id: UUID

    async def run(self, db: AsyncSession, actor: Actor) -> WorkshopEvent:
        return await moderation.remove_participant(db, actor, self.participant_id)


Command = Annotated[
    StartStep
    | Close
    | EditStep
    | StartTimer
    | PauseTimer
    | AddMinute
    | StopTimer
    | Reveal
    | Lock
    | Unlock
    | HideJoin
    | ShowJoin
    | Spotlight
    | CreateCluster
    | RenameCluster
    | DeleteCluster
    | MoveIdea
    | MergeIdeas
    | UnmergeIdea
    | HideIdea
    | RestoreIdea
    | RemoveParticipant,
    Field(discriminator="type"),
]
"""Every command, told apart by `type`."""

ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)
COMMANDS: dict[str, type[BaseCommand]] = {
    get_args(model.model_fields["type"].annotation)[0]: model for model in get_args(get_args(Command)[0])
}
"""The registry: each command's model by its `type`."""
PARTICIPANT_COMMANDS = frozenset(kind for kind, model in COMMANDS.items() if model.participants_may)
FIELDS = frozenset(name for model in COMMANDS.values() for name in model.model_fields if name != "type")
"""Every field any command takes (what the board's forms may send besides `type`)."""
INT_FIELDS = frozenset({"step", "seconds"})
RANGE_ERRORS = frozenset({"greater_than_equal", "less_than_equal", "string_pattern_mismatch", "value_error"})

CommandBody = Annotated[dict[str, Any], DocumentedAs(Command)]
"""The JSON API's body: read as it came (authorised before it is validated), documented as `Command`."""


def parse_command(raw: object) -> Command:
    """The command in `raw` (a JSON object or form fields), or a German refusal naming the bad fields."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if not isinstance(kind, str) or not kind:
        raise Invalid(_("Nachricht braucht ein Feld type."), {"type": _("Pflichtfeld fehlt.")})
    if kind not in COMMANDS:
        raise Invalid(_("Unbekannter Befehl: %(kind)s") % {"kind": kind[:TYPE_MAX]}, {"type": _("Unbekannter Befehl.")})
    try:
        return ADAPTER.validate_python(raw)
    except ValidationError as error:
        raise _refusal(kind, COMMANDS[kind], error) from None


def _refusal(kind: str, model: type[BaseCommand], error: ValidationError) -> Invalid:
    errors: dict[str, Message] = {}
    out_of_range: list[str] = []
    unknown: list[str] = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"][1:]) or "type"  # loc[0] is the union's tag
        if item["type"] in RANGE_ERRORS and field in model.details:
            errors.setdefault(field, model.details[field][1])
            out_of_range.append(field)
        elif item["type"] == "extra_forbidden":
            unknown.append(field)
        errors.setdefault(field, german_message(item))
    if unknown:
        unknown.sort()
        detail = _("Unbekannte Felder für %(kind)s: %(fields)s") % {"kind": kind, "fields": ", ".join(unknown)}
    else:
        detail = model.details[out_of_range[0]][0] if out_of_range else CHECK_FIELDS
    return Invalid(detail, errors)


def from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """A command from the board's form fields: `type` and the command fields sent (not the CSRF token);
    numbers as numbers, so the model decides on them as it does on JSON."""
    command: dict[str, Any] = {"type": str(form.get("type", ""))[:TYPE_MAX]}
    for key in FIELDS & set(form):
        command[key] = value = str(form.get(key))[:5000]
        if key in INT_FIELDS:
            with contextlib.suppress(ValueError):  # else the model explains the number in German
                command[key] = int(value)
    return command


async def run_command(db: AsyncSession, actor: Actor, raw: object) -> WorkshopEvent:
    """Every command, from the API, the HTML controls and the websocket alike: authorised, validated, run."""
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind not in PARTICIPANT_COMMANDS:
        require_moderator(actor, _("Nur die Moderation darf die Werkstatt steuern."))
    return await parse_command(raw).run(db, actor)
