"""What an audience may see of voting's news: counts per target group are the coach's, and while a step hides
its tallies nobody else gets the counts; a fixed ranking comes as the coach's and as the public view."""

from __future__ import annotations

import copy
from typing import Any

from werkstatt.live.visibility import COACH, Viewer, Visibility

COACH_ONLY_TALLY = ("by_group", "group_names", "regrouped")  # who voted for what, by target group
# per card: nothing of it while the step's tallies are hidden (nor which cards changed)
SECRET_TALLY = ("tallies", "positions", "labels", "changed")


class Tally(Visibility):
    """Counts for the coach come with counts per target group (and, while the step hides them, the counts):
    none of it reaches other audiences."""

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        if viewer.role == COACH:
            return copy.deepcopy(data)
        drop = COACH_ONLY_TALLY + (SECRET_TALLY if data.get("hidden") else ())
        return {key: copy.deepcopy(value) for key, value in data.items() if key not in drop}


class Ranking(Visibility):
    """A fixed ranking: the coach's view, and the public one (votes hidden with the tallies) for everyone else."""

    def view(self, data: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        if viewer.role == COACH:
            return {key: copy.deepcopy(value) for key, value in data.items() if key != "public"}
        if "public" in data:
            public = copy.deepcopy(data["public"])
            shown = {row[0] for row in public}
            return {"order": [i for i in data.get("order") or [] if i in shown], "ranking": public}
        return copy.deepcopy(data)


TALLY = Tally()
RANKING = Ranking()
