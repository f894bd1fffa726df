"""The method card schema: the one contract for files in `methods/`, the database and the API.

Every text is German. Enumerations are lowercase slugs so that files stay easy to write by hand;
their German labels live in LABELS.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationInfo, field_validator, model_validator

from werkstatt.i18n import _

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Minutes = Annotated[int, Field(ge=1, le=60 * 24 * 3)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Category(StrEnum):
    sensibilisierung = "sensibilisierung"
    aktivierung = "aktivierung"
    ideenentwicklung = "ideenentwicklung"
    kooperation = "kooperation"
    kommunikation = "kommunikation"
    projektumsetzung = "projektumsetzung"


class Phase(StrEnum):
    """Zukunftswerkstatt (Kritik, Phantasie, Verwirklichung) and Double Diamond phases."""

    zw_kritik = "zw-kritik"
    zw_phantasie = "zw-phantasie"
    zw_verwirklichung = "zw-verwirklichung"
    dd_discover = "dd-discover"
    dd_define = "dd-define"
    dd_develop = "dd-develop"
    dd_deliver = "dd-deliver"


class Arc(StrEnum):
    """Role of the method in the arc of one session."""

    oeffnen = "oeffnen"
    divergieren = "divergieren"
    konvergieren = "konvergieren"
    abschliessen = "abschliessen"


class Participation(StrEnum):
    informieren = "informieren"
    konsultieren = "konsultieren"
    mitgestalten = "mitgestalten"
    mitentscheiden = "mitentscheiden"


class Setting(StrEnum):
    drinnen = "drinnen"
    draussen = "draussen"
    unterwegs = "unterwegs"
    online = "online"
    hybrid = "hybrid"


class Grouping(StrEnum):
    plenum = "plenum"
    einzeln = "einzeln"
    paare = "paare"
    trios = "trios"
    kleingruppen = "kleingruppen"
    tische = "tische"


class Mechanic(StrEnum):
    """What the live board does in a step. A step without board support uses `timer` or `discuss`."""

    collect = "collect"
    cluster = "cluster"
    vote = "vote"
    rank = "rank"
    rate_matrix = "rate_matrix"
    timer = "timer"
    rounds = "rounds"
    discuss = "discuss"


class Effort(StrEnum):
    gering = "gering"
    mittel = "mittel"
    hoch = "hoch"


class FacilitatorLevel(StrEnum):
    einsteiger = "einsteiger"
    erfahren = "erfahren"
    profi = "profi"


class Output(StrEnum):
    kartensammlung = "kartensammlung"
    cluster = "cluster"
    rangliste = "rangliste"
    matrix = "matrix"
    karte_mit_pins = "karte-mit-pins"
    fotoserie = "fotoserie"
    visionstext = "visionstext"
    massnahmenplan = "massnahmenplan"
    protokoll = "protokoll"
    netzwerkkarte = "netzwerkkarte"


class Format(StrEnum):
    ideen_werkstatt = "ideen-werkstatt"
    werkstatt_gespraech = "werkstatt-gespraech"
    fokusgruppe = "fokusgruppe"
    erfahrungsaustausch = "erfahrungsaustausch"


class Rotation(StrEnum):
    keine = "keine"
    tische = "tische"
    blaetter = "blaetter"
    paare = "paare"
    rollen = "rollen"
    stationen = "stationen"


class MaterialPer(StrEnum):
    veranstaltung = "veranstaltung"
    person = "person"
    gruppe = "gruppe"
    tisch = "tisch"


class CollectConfig(Strict):
    blind: bool = False
    anonymous: bool = False
    max_cards_per_person: int | None = Field(default=None, ge=1, le=50)
    max_length: int = Field(default=280, ge=20, le=1000)
    coach_only: bool = False


class ClusterConfig(Strict):
    who: Literal["coach", "all"] = "coach"


def _unset(value: Any) -> bool:
    return value is None


def _unset_text(value: Any) -> bool:
    return not value


class CardSource(Strict):
    """Which cards a vote, rank or matrix step offers (`config.cards`); unset, the step takes the default
    (werkstatt.board.step_cards): the cards of the nearest earlier collect step (with the collect steps right
    before it that ask the same question), or the same cards as the nearest earlier vote, matrix or rank step.

    - `{"from": "step", "step": 3}`: the cards collected in the earlier collect step at position 3.
    - `{"from": "top", "step": 5, "n": 10}`: the N cards with the most dots in the earlier vote step 5
      (cards sharing the N-th place come along).
    - `{"from": "all"}`: every card on the board (the behaviour before steps chose their cards).
    - `{"from": "clusters"}` or `{"from": "clusters", "step": 4}`: the clusters (optionally naming the earlier
      cluster step whose result is voted on): the cluster is the voted, ranked or rated item; its cards are
      fixed when the step starts, empty clusters are not offered. Votes then name `cluster_id`, not `idea_id`.

    The short form `"step:3"`, `"top:5:10"`, `"all"`, `"clusters"` or `"clusters:4"` (the planning form's value)
    reads the same."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=True, populate_by_name=True, serialize_by_alias=True
    )

    from_: Literal["step", "top", "all", "clusters"] = Field(alias="from")
    step: int | None = Field(
        default=None, ge=0, le=39, exclude_if=_unset, description="Position des früheren Schritts (ab 0)"
    )
    n: int | None = Field(default=None, ge=1, le=50, exclude_if=_unset, description="Wie viele Karten (nur bei top)")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        kind, *numbers = value.strip().split(":")
        if not all(number.isdigit() for number in numbers) or len(numbers) > 2:
            raise ValueError("Unbekannte Kartenauswahl")
        found: dict[str, Any] = {"from": kind}
        if numbers:
            found["step"] = int(numbers[0])
        if len(numbers) == 2:
            found["n"] = int(numbers[1])
        return found

    @model_validator(mode="after")
    def _complete(self) -> CardSource:
        if self.from_ == "all" and (self.step is not None or self.n is not None):
            raise ValueError("Bei allen Karten gibt es keinen Schritt und keine Anzahl")
        if self.from_ == "clusters" and self.n is not None:
            raise ValueError("Bei Clustern gibt es keine Anzahl")
        if self.from_ not in ("all", "clusters") and self.step is None:
            raise ValueError("Bitte den früheren Schritt angeben")
        if self.from_ == "top" and self.n is None:
            raise ValueError("Bitte angeben, wie viele Karten")
        if self.from_ == "step" and self.n is not None:
            raise ValueError("Eine Anzahl gibt es nur bei den meistgepunkteten Karten")
        return self

    @property
    def short(self) -> str:
        """The short form (the planning form's option value)."""
        return ":".join(str(part) for part in (self.from_, self.step, self.n) if part is not None)


def _cards_field() -> Any:
    """`cards` of a vote, rank or matrix step: unset means the default and is left out of a stored config."""
    return Field(
        default=None, exclude_if=_unset, description="Welche Karten zur Wahl stehen (leer = Standard, siehe README)"
    )


class VoteConfig(Strict):
    cards: CardSource | None = _cards_field()
    dots_per_person: int = Field(default=3, ge=1, le=20)
    max_per_item: int = Field(default=1, ge=1, le=20)
    hidden: bool = True

    @model_validator(mode="after")
    def _cap_fits_budget(self) -> VoteConfig:
        if self.max_per_item > self.dots_per_person:
            raise ValueError(_("max_per_item darf nicht größer als dots_per_person sein"))
        return self


class RateMatrixConfig(Strict):
    cards: CardSource | None = _cards_field()
    x_label: str = Field(default="Aufwand", min_length=1, max_length=60)
    y_label: str = Field(default="Nutzen", min_length=1, max_length=60)
    scale: int = Field(default=5, ge=2, le=10)
    x_hint: str = Field(
        default="", max_length=200, exclude_if=_unset_text, description="Was die x-Achse meint (leer: 1 = wenig …)"
    )
    y_hint: str = Field(
        default="", max_length=200, exclude_if=_unset_text, description="Was die y-Achse meint (leer: 1 = wenig …)"
    )


class RankConfig(Strict):
    cards: CardSource | None = _cards_field()
    source: Literal["votes", "manual", "scores"] = "votes"


class TimerConfig(Strict):
    auto_advance: bool = False


class RoundsConfig(Strict):
    count: int = Field(default=3, ge=1, le=20)
    rotation: Rotation = Rotation.keine


class DiscussConfig(Strict):
    pass


CONFIG_MODELS: dict[Mechanic, type[Strict]] = {
    Mechanic.collect: CollectConfig,
    Mechanic.cluster: ClusterConfig,
    Mechanic.vote: VoteConfig,
    Mechanic.rate_matrix: RateMatrixConfig,
    Mechanic.rank: RankConfig,
    Mechanic.timer: TimerConfig,
    Mechanic.rounds: RoundsConfig,
    Mechanic.discuss: DiscussConfig,
}


class Board(Strict):
    mechanic: Mechanic
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("config")
    @classmethod
    def _config_matches_mechanic(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # A field validator (not a model validator) so that errors point at `board.config.<key>`.
        mechanic = info.data.get("mechanic")
        if mechanic is not None:
            CONFIG_MODELS[mechanic].model_validate(value)
        return value

    def typed_config(self) -> Strict:
        return CONFIG_MODELS[self.mechanic].model_validate(self.config)


class Step(Strict):
    """One step of a method. Two texts: `instructions` is what the participants read (on their phones and the
    board, addressed to them); `facilitator_notes` is the moderation's own notes (the coach's board and the run
    sheet only, never sent to guests)."""

    title: ShortText
    minutes: Minutes
    grouping: Grouping = Grouping.plenum
    instructions: LongText = Field(description="Was die Teilnehmenden lesen (an sie gerichtet, kurz)")
    facilitator_notes: str | None = Field(
        default=None, min_length=1, max_length=4000, description="Hinweise für die Moderation (nur für sie sichtbar)"
    )
    board: Board


class Duration(Strict):
    min: Minutes
    typical: Minutes
    max: Minutes
    note: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _ordered(self) -> Duration:
        if not self.min <= self.typical <= self.max:
            raise ValueError(_("Es muss min ≤ typical ≤ max gelten"))
        return self


class GroupSize(Strict):
    min: int = Field(ge=1, le=10000)
    optimal: int = Field(ge=1, le=10000)
    max: int | None = Field(default=None, ge=1, le=10000, description="leer = beliebig groß")
    subgroup: int | None = Field(default=None, ge=2, le=50)

    @model_validator(mode="after")
    def _ordered(self) -> GroupSize:
        if self.min > self.optimal or (self.max is not None and self.optimal > self.max):
            raise ValueError(_("Es muss min ≤ optimal ≤ max gelten"))
        return self


class Material(Strict):
    item: ShortText
    amount: int = Field(ge=1, le=1000)
    per: MaterialPer = MaterialPer.veranstaltung
    note: str | None = Field(default=None, max_length=200)


class Preparation(Strict):
    effort: Effort
    notes: str | None = Field(default=None, max_length=1000)
    follow_up: str | None = Field(default=None, max_length=1000)
    cost_hint: str | None = Field(default=None, max_length=200)


class Facilitation(Strict):
    level: FacilitatorLevel
    co_facilitators: int = Field(default=0, ge=0, le=10)


class Rounds(Strict):
    count: int = Field(ge=1, le=50)
    rotation: Rotation
    notes: str | None = Field(default=None, max_length=500)


class Variant(Strict):
    name: ShortText
    description: LongText


class CombinesWith(Strict):
    before: list[Slug] = Field(default_factory=list, max_length=20)
    after: list[Slug] = Field(default_factory=list, max_length=20)


class Source(Strict):
    title: ShortText
    url: HttpUrl | None = None


class MethodCard(Strict):
    slug: Slug
    name: ShortText
    name_en: ShortText | None = None
    summary: Annotated[str, Field(min_length=10, max_length=300)]
    purpose: LongText
    category: Category
    secondary_categories: list[Category] = Field(default_factory=list, max_length=5)
    phases: list[Phase] = Field(default_factory=list, max_length=7)
    arc: list[Arc] = Field(min_length=1, max_length=4)
    participation: Participation
    duration: Duration
    group_size: GroupSize
    setting: list[Setting] = Field(min_length=1, max_length=5)
    room: str | None = Field(default=None, max_length=500)
    materials: list[Material] = Field(default_factory=list, max_length=40)
    preparation: Preparation
    facilitation: Facilitation
    invitation_questions: list[Annotated[str, Field(min_length=5, max_length=300)]] = Field(
        default_factory=list, max_length=10
    )
    steps: list[Step] = Field(min_length=1, max_length=30)
    rounds: Rounds | None = None
    roles: list[ShortText] = Field(default_factory=list, max_length=10)
    outputs: list[Output] = Field(default_factory=list, max_length=10)
    variants: list[Variant] = Field(default_factory=list, max_length=10)
    combines_with: CombinesWith = Field(default_factory=CombinesWith)
    accessibility: list[Annotated[str, Field(min_length=3, max_length=500)]] = Field(
        default_factory=list, max_length=10
    )
    tips: list[Annotated[str, Field(min_length=3, max_length=500)]] = Field(default_factory=list, max_length=15)
    risks: list[Annotated[str, Field(min_length=3, max_length=500)]] = Field(default_factory=list, max_length=15)
    focus_topics: list[Slug] = Field(default_factory=list, max_length=10)
    formats: list[Format] = Field(default_factory=list, max_length=4)
    target_groups: list[Slug] = Field(default_factory=list, max_length=12)
    sources: list[Source] = Field(min_length=1, max_length=10)
    text_origin: ShortText = "Eigener Text des Werkstatt-Projekts"
    licence: ShortText = "CC BY 4.0"
    version: int = Field(default=1, ge=1, le=10000)

    @field_validator(
        "secondary_categories",
        "phases",
        "arc",
        "setting",
        "outputs",
        "formats",
        "focus_topics",
        "target_groups",
    )
    @classmethod
    def _unique(cls, value: list[Any]) -> list[Any]:
        if len(set(value)) != len(value):
            raise ValueError(_("Einträge dürfen nicht doppelt vorkommen"))
        return value

    @property
    def total_minutes(self) -> int:
        return sum(step.minutes for step in self.steps)

    @property
    def board_mechanics(self) -> list[str]:
        seen: dict[str, None] = {}
        for step in self.steps:
            seen.setdefault(step.board.mechanic.value, None)
        return list(seen)


class TemplateCards(Strict):
    """Where a vote, rank or matrix step of a template block takes its cards from, named by the template's own
    blocks (planning turns it into the step's CardSource with agenda positions):

    - `{from: step, block: 3, step: Ideen umdrehen}`: the cards of the collect step "Ideen umdrehen" of block 3
      (the template's `steps`, counted from 0; a free block has no `step`);
    - `{from: top, block: 5, step: Punkte vergeben, n: 5}`: the five cards with the most dots of that vote step;
    - `{from: all}`: every card."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=True, populate_by_name=True, serialize_by_alias=True
    )

    from_: Literal["step", "top", "all"] = Field(alias="from")
    block: int | None = Field(default=None, ge=0, le=39)
    step: ShortText | None = None
    n: int | None = Field(default=None, ge=1, le=50)

    @model_validator(mode="after")
    def _complete(self) -> TemplateCards:
        if self.from_ == "all" and (self.block is not None or self.step is not None or self.n is not None):
            raise ValueError("Bei allen Karten gibt es keinen Baustein, keinen Schritt und keine Anzahl")
        if self.from_ != "all" and self.block is None:
            raise ValueError("Bitte den früheren Baustein angeben")
        if (self.from_ == "top") != (self.n is not None):
            raise ValueError("Eine Anzahl gibt es genau bei den meistgepunkteten Karten (from: top)")
        return self


class AgendaTemplateStep(Strict):
    """A block of a template: a method (its steps) or a free step. `instructions` is what the participants read
    (a free block's text, or put before the method's first step); `note` is the moderation's note for the block
    (it goes into the first step's facilitator notes, never to the participants)."""

    method: Slug | None = None
    title: ShortText
    minutes: Minutes
    board: Board | None = Field(default=None, description="leer = aus der Methode bzw. timer")
    instructions: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Was die Teilnehmenden lesen"
    )
    note: str | None = Field(default=None, max_length=500, description="Hinweis für die Moderation")
    question: str | None = Field(
        default=None, min_length=1, max_length=300, description="Leitfrage aller Schritte des Bausteins"
    )
    cards: dict[ShortText, TemplateCards] = Field(
        default_factory=dict,
        max_length=30,
        description="Titel eines Punkte-, Rang- oder Matrix-Schritts des Bausteins → woher seine Karten kommen",
    )


class AgendaTemplate(Strict):
    slug: Slug
    name: ShortText
    format: Format
    description: LongText
    target_groups: list[Slug] = Field(default_factory=list)
    steps: list[AgendaTemplateStep] = Field(min_length=1, max_length=40)


def N_(message: str) -> str:
    """Marks a label for translation; templates translate it at render time with `_()`."""
    return message


# German labels of the enumerations (msgids; the English texts live in catalogue.po).
LABELS: dict[str, dict[str, str]] = {
    "category": {
        Category.sensibilisierung: N_("Sensibilisierung"),
        Category.aktivierung: N_("Aktivierung"),
        Category.ideenentwicklung: N_("Ideenentwicklung"),
        Category.kooperation: N_("Kooperation"),
        Category.kommunikation: N_("Kommunikation"),
        Category.projektumsetzung: N_("Projektumsetzung"),
    },
    "phase": {
        Phase.zw_kritik: N_("Zukunftswerkstatt: Kritik"),
        Phase.zw_phantasie: N_("Zukunftswerkstatt: Phantasie"),
        Phase.zw_verwirklichung: N_("Zukunftswerkstatt: Verwirklichung"),
        Phase.dd_discover: N_("Double Diamond: Entdecken"),
        Phase.dd_define: N_("Double Diamond: Definieren"),
        Phase.dd_develop: N_("Double Diamond: Entwickeln"),
        Phase.dd_deliver: N_("Double Diamond: Umsetzen"),
    },
    "arc": {
        Arc.oeffnen: N_("Öffnen"),
        Arc.divergieren: N_("Divergieren"),
        Arc.konvergieren: N_("Konvergieren"),
        Arc.abschliessen: N_("Abschließen"),
    },
    "participation": {
        Participation.informieren: N_("Informieren"),
        Participation.konsultieren: N_("Konsultieren"),
        Participation.mitgestalten: N_("Mitgestalten"),
        Participation.mitentscheiden: N_("Mitentscheiden"),
    },
    "setting": {
        Setting.drinnen: N_("Drinnen"),
        Setting.draussen: N_("Draußen"),
        Setting.unterwegs: N_("Unterwegs"),
        Setting.online: N_("Online"),
        Setting.hybrid: N_("Hybrid"),
    },
    "grouping": {
        Grouping.plenum: N_("Plenum"),
        Grouping.einzeln: N_("Einzeln"),
        Grouping.paare: N_("Paare"),
        Grouping.trios: N_("Trios"),
        Grouping.kleingruppen: N_("Kleingruppen"),
        Grouping.tische: N_("Tische"),
    },
    "mechanic": {
        Mechanic.collect: N_("Karten sammeln"),
        Mechanic.cluster: N_("Clustern"),
        Mechanic.vote: N_("Punkten"),
        Mechanic.rank: N_("Rangfolge"),
        Mechanic.rate_matrix: N_("Bewertungsmatrix"),
        Mechanic.timer: N_("Timer"),
        Mechanic.rounds: N_("Runden"),
        Mechanic.discuss: N_("Gespräch"),
    },
    "effort": {Effort.gering: N_("gering"), Effort.mittel: N_("mittel"), Effort.hoch: N_("hoch")},
    "level": {
        FacilitatorLevel.einsteiger: N_("Einsteiger"),
        FacilitatorLevel.erfahren: N_("Erfahren"),
        FacilitatorLevel.profi: N_("Profi"),
    },
    "output": {
        Output.kartensammlung: N_("Kartensammlung"),
        Output.cluster: N_("Cluster"),
        Output.rangliste: N_("Rangliste"),
        Output.matrix: N_("Matrix"),
        Output.karte_mit_pins: N_("Karte mit Pins"),
        Output.fotoserie: N_("Fotoserie"),
        Output.visionstext: N_("Visionstext"),
        Output.massnahmenplan: N_("Maßnahmenplan"),
        Output.protokoll: N_("Protokoll"),
        Output.netzwerkkarte: N_("Netzwerkkarte"),
    },
    "format": {
        Format.ideen_werkstatt: N_("Ideen-Werkstatt"),
        Format.werkstatt_gespraech: N_("Werkstatt-Gespräch"),
        Format.fokusgruppe: N_("Fokusgruppe"),
        Format.erfahrungsaustausch: N_("Erfahrungsaustausch"),
    },
    "rotation": {
        Rotation.keine: N_("keine"),
        Rotation.tische: N_("Tische"),
        Rotation.blaetter: N_("Blätter"),
        Rotation.paare: N_("Paare"),
        Rotation.rollen: N_("Rollen"),
        Rotation.stationen: N_("Stationen"),
    },
    "per": {
        MaterialPer.veranstaltung: N_("je Veranstaltung"),
        MaterialPer.person: N_("je Person"),
        MaterialPer.gruppe: N_("je Gruppe"),
        MaterialPer.tisch: N_("je Tisch"),
    },
}

# The step mechanics as the planner, the live board and the exports name them: the card labels, with verbs for
# the two steps a card describes by their outcome.
MECHANIC_LABELS: dict[str, str] = {
    **LABELS["mechanic"],
    Mechanic.collect: N_("Sammeln"),
    Mechanic.discuss: N_("Besprechen"),
}
