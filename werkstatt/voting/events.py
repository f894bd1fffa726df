"""What happens in a vote, past tense, each with who may see it (`live.visibility`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkstatt.live.events import SPREAD, Event
from werkstatt.live.visibility import PERSONAL
from werkstatt.voting.visibility import RANKING, TALLY


@dataclass(frozen=True)
class VoteCast(Event, type="vote_cast", visibility=PERSONAL):
    """A dot or a rating: the voter's own news (which card, their remaining dots), theirs and the coach's."""

    vote: dict[str, Any]


@dataclass(frozen=True)
class VoteWithdrawn(Event, type="vote_withdrawn", visibility=PERSONAL):
    vote: dict[str, Any]


@dataclass(frozen=True)
class TallyUpdated(Event, type="tally_updated", visibility=TALLY):
    """The step's counts, coalesced (`voting.batch`); its keys follow the step's mechanic (`voting.news`)."""

    tally: dict[str, Any] = field(default_factory=dict, metadata=SPREAD)


@dataclass(frozen=True)
class RankingFixed(Event, type="ranking_fixed", visibility=RANKING):
    """The coach's final order: the coach's ranking and the public one (`voting.news.ranking_data`)."""

    ranking: dict[str, Any] = field(default_factory=dict, metadata=SPREAD)
