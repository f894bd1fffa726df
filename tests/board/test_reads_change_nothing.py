"""A GET changes nothing: the coach reading a workshop (its page, the JSON API, the results, the events) makes
no participant row; the first write (here: starting a step) makes it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, start
from werkstatt.workshops.models import Participant

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}


async def coach_rows(db: AsyncSession, workshop: LiveWorkshop) -> int:
    await db.commit()
    query = select(func.count()).where(
        Participant.workshop_id == UUID(workshop.id), Participant.account_id == workshop.coach.id
    )
    return int(await db.scalar(query) or 0)


async def test_the_coachs_reads_write_no_row_and_the_first_write_does(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    reads = [
        f"/api/workshops/{workshop.id}",
        f"/api/workshops/{workshop.id}/ideas",
        f"/api/workshops/{workshop.id}/events?after=0",
        f"/api/workshops/{workshop.id}/results",
        f"/w/{workshop.id}",
        f"/w/{workshop.id}/ergebnis",
    ]
    for url in reads:
        response = await coach_client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        assert await coach_rows(db, workshop) == 0, url
    await start(coach_client, workshop)
    assert await coach_rows(db, workshop) == 1
    posted = await coach_client.post(
        f"/api/workshops/{workshop.id}/ideas", json={"text": "Bänke am Markt"}, headers=SAME_ORIGIN
    )
    assert posted.status_code == 201, posted.text
    assert await coach_rows(db, workshop) == 1
    for url in reads:
        response = await coach_client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
    assert await coach_rows(db, workshop) == 1
