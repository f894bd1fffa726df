"""A workshop's dates as the rest of the house reads them (join codes expire after the last date, guest data
is pseudonymised after it)."""

from __future__ import annotations

from datetime import datetime, timedelta


def last_date(
    starts_at: datetime | None, planned_minutes: int | None, last_event_at: datetime | None
) -> datetime | None:
    """A workshop's last date: the later of its planned end and its last live event (a workshop held on a
    second evening, or run without a date, ends with what happened in it). None: nothing happened, no date."""
    ends = starts_at + timedelta(minutes=planned_minutes or 0) if starts_at else None
    found = [moment for moment in (ends, last_event_at) if moment is not None]
    return max(found) if found else None
