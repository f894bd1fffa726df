"""Finding the account a privacy request names (by e-mail, as the person knows it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from werkstatt.network.models import Account

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


EMAIL_MAX = 254


class UnknownAccount(LookupError):
    """No account has this e-mail address."""

    def __init__(self, email: str) -> None:
        super().__init__(f"Kein Konto mit der E-Mail-Adresse {email[:EMAIL_MAX]!r}.")


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return value.isoformat()


async def find_account(db: AsyncSession, email: str) -> Account:
    email = email.strip().lower()
    found = None
    if 0 < len(email) <= EMAIL_MAX:
        found = (await db.execute(select(Account).where(func.lower(Account.email) == email))).scalar_one_or_none()
    if found is None:
        raise UnknownAccount(email)
    return found
