"""What happens to a workshop's people, past tense, with who may see it (`live.visibility`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkstatt.live.events import Event
from werkstatt.live.visibility import PRESENCE


@dataclass(frozen=True)
class ParticipantJoined(Event, type="participant_joined", visibility=PRESENCE):
    participant: dict[str, Any]
