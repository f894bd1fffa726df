"""A flooding participant is refused at the door: once the limiter said "too fast", the same token's next card
posts in that wait are answered 429 before any token or database work, and nobody else is touched."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, join, start
from werkstatt.board.models import Idea


async def test_a_flood_is_refused_at_the_door_and_only_for_the_flooder(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    await start(coach_client, workshop)
    anna = await join(coach_client, workshop.code, "Anna")
    bernd = await join(coach_client, workshop.code, "Bernd")
    ideas = f"/api/workshops/{workshop.id}/ideas"

    async def post(token: str, text: str) -> Any:
        return await as_guest(coach_client, "POST", ideas, token, json={"text": text})

    answers = [await post(anna["token"], f"Karte {n}") for n in range(8)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:5] == [201] * 5 and statuses[5:] == [429] * 3, statuses
    first, later = answers[5], answers[6:]
    assert "Karte geht in" in first.json()["detail"]  # the limiter's refusal
    for answer in later:  # the door's: same status, same German, a Retry-After to wait
        assert "Beitrag geht in" in answer.json()["detail"] and int(answer.headers["retry-after"]) >= 1
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers.get("x-content-type-options") == "nosniff"
    assert (await db.scalar(select(func.count(Idea.id)).where(Idea.text.like("Karte %")))) == 5

    assert (await post(bernd["token"], "Bernds Karte")).status_code == 201, "others are not held back"
    card = answers[0].json()["id"]
    comment = await as_guest(coach_client, "POST", f"{ideas}/{card}/comments", anna["token"], json={"text": "Ja"})
    assert comment.status_code == 201, "a comment is another kind of post, counted on its own"
