"""What an export contains: one typed snapshot of a workshop's result as the room has seen it.

Every renderer reads only this model, so what can leak is decided once, in `gather.py`. The field names of
`ideas`, `clusters` and `project_ideas` are those of the results API (API.md); the JSON export is this model
dumped as it is, so renaming a field here breaks integrators."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from werkstatt.export.text import translator

SCHEMA = "werkstatt-export/1"
TOP_IDEAS = 5  # the protocol opens with this many ideas


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgendaItem(_Frozen):
    position: int
    title: str
    minutes: int
    mechanic: str
    mechanic_label: str
    method_slug: str | None = None
    method_name: str | None = None


class MatrixAxes(_Frozen):
    x_label: str
    y_label: str
    scale: int


class ExportIdea(_Frozen):
    id: str
    number: int
    """The card's stable number in its workshop (the same on every screen; gaps allowed): the label of its point
    in the matrix."""
    text: str
    merged: list[str] = []
    """The texts of the duplicates merged into this card."""
    cluster_id: str | None = None
    cluster: str | None = None
    votes: int | None = None
    """None while the dots of a hidden vote step are not revealed (or when nobody voted on anything)."""
    score_x: float | None = None
    score_y: float | None = None
    raters: int = 0
    rank: int | None = None
    tie: bool = False
    fixed: bool = False
    project_idea_ids: list[str] = []

    def with_merged(self, separator: str = "\n") -> str:
        """The text with the duplicates merged into it, each on its own line as "+ text"."""
        return self.text + "".join(f"{separator}+ {other}" for other in self.merged)


class ExportClusterCard(_Frozen):
    id: str
    number: int | None = None
    text: str


class ExportCluster(_Frozen):
    id: str
    name: str
    idea_ids: list[str] = []
    """The cards in the cluster now."""
    cards: list[ExportClusterCard] = []
    """The cards as the latest step on clusters fixed them when it started (what was voted on); else as now."""
    votes: int | None = None
    """Dots of the steps on clusters (None while hidden, or when no step voted on clusters)."""
    score_x: float | None = None
    score_y: float | None = None
    raters: int = 0
    rank: int | None = None
    tie: bool = False


class NextStepItem(_Frozen):
    text: str
    due_on: date | None = None
    done: bool = False


class ProjectCardItem(_Frozen):
    idea_id: str
    text: str
    votes: int | None = None


class ExportProjectIdea(_Frozen):
    id: str
    title: str
    description: str = ""
    owner_id: str | None = None
    owner_name: str | None = None
    """A Kernteam member's name: the person the town council can ask. Guests never appear."""
    status: str
    status_label: str
    focus_topic_ids: list[str] = []
    focus_topics: list[str] = []
    cards: list[ProjectCardItem] = []
    next_steps: list[NextStepItem] = []


class ParticipationRow(_Frozen):
    target_group: str | None
    """The network's name for the group (e.g. "Jugendliche"); None = no answer."""
    count: int


class MethodRatingItem(_Frozen):
    method_slug: str
    method_name: str
    stars: int
    note: str = ""


class ExportData(_Frozen):
    schema_version: str = SCHEMA
    locale: str = "de"
    generated_at: datetime
    workshop_id: str
    title: str
    town: str
    network: str
    format: str
    format_label: str
    starts_at: datetime | None = None
    date_label: str = ""
    place: str = ""
    state: str
    moderation: str | None = None
    focus_topics: list[str] = []
    target_groups: list[str] = []
    agenda: list[AgendaItem] = []
    matrix: MatrixAxes | None = None
    hidden: bool = False
    """True while the dots of a hidden vote step are not revealed: no dots and no ranks from them."""
    fixed: bool = False
    blind_cards: int = 0
    """Cards of a blind step not revealed yet: counted, never shown."""
    ideas: list[ExportIdea] = []
    clusters: list[ExportCluster] = []
    cluster_voting: bool = False
    """The agenda votes, ranks or rates clusters: the documents show the clusters' result (rank, dots, cards)."""
    project_ideas: list[ExportProjectIdea] = []
    participation: list[ParticipationRow] = []
    method_ratings: list[MethodRatingItem] = []
    logo: tuple[bytes, str] | None = Field(default=None, exclude=True)
    """The operator's or town's logo (bytes, media type) for PDF and DOCX; never part of the JSON file."""

    def top_ideas(self, count: int = TOP_IDEAS) -> list[ExportIdea]:
        """The first ranked ideas (none while the dots are hidden): what the protocol opens with."""
        return [idea for idea in self.ideas if idea.rank is not None][:count]

    @property
    def participants(self) -> int:
        return sum(row.count for row in self.participation)

    @property
    def has_clusters(self) -> bool:
        """Documents leave out an empty Cluster column (CSV and XLSX keep their columns stable)."""
        return any(idea.cluster for idea in self.ideas)

    def project_titles(self, idea: ExportIdea) -> list[str]:
        titles = {project.id: project.title for project in self.project_ideas}
        return [titles[pid] for pid in idea.project_idea_ids if pid in titles]

    def cluster_ideas(self, cluster: ExportCluster) -> list[ExportIdea]:
        wanted = set(cluster.idea_ids)
        return [idea for idea in self.ideas if idea.id in wanted]

    def cluster_texts(self, cluster: ExportCluster) -> list[str]:
        """The texts of a cluster's cards: as voted on where the agenda voted on clusters, else as now."""
        if self.cluster_voting:
            return [card.text for card in cluster.cards]
        return [idea.text for idea in self.cluster_ideas(cluster)]

    def cluster_heading(self, cluster: ExportCluster) -> str:
        """ "2. Aufenthalt (3 Karten, 5 Punkte)": place, name, cards and, where the room saw them, dots."""
        _ = translator(self.locale)
        count = len(self.cluster_texts(cluster))
        place = f"{cluster.rank}. " if self.cluster_voting and cluster.rank is not None else ""
        parts = [_("1 Karte") if count == 1 else _("%(n)s Karten") % {"n": count}]
        if self.cluster_voting and cluster.votes is not None:
            parts.append(_("1 Punkt") if cluster.votes == 1 else _("%(n)s Punkte") % {"n": cluster.votes})
        if cluster.tie:
            parts.append(_("gleichauf"))
        return f"{place}{cluster.name} ({', '.join(parts)})"
