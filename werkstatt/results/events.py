"""What happens to a workshop's results, past tense, with who may see it (`live.visibility`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkstatt.live.events import Event
from werkstatt.live.visibility import WHOLE


@dataclass(frozen=True)
class ProjectIdeaCreated(Event, type="project_idea_created", visibility=WHOLE):
    project_idea: dict[str, Any]
