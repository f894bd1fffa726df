"""JSON API for votes (API.md): cast a dot or a rating, take it back, reveal, fix the final order."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, post
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board.common import actor_for
from werkstatt.live.events import publish
from werkstatt.voting import service as voting
from werkstatt.voting.batch import batcher
from werkstatt.voting.schemas import OrderIn, VoteIn


def after_vote(request: Request[Any, Any, Any], workshop_id: UUID, step: int | None) -> None:
    if step is not None:
        batcher(request.app.state).touch(workshop_id, step)


class VotingApi(Controller):
    path = "/api/workshops/{workshop_id:uuid}"
    tags = ("Abstimmung",)  # type: ignore[assignment]

    @post("/votes", status_code=201, summary="Einen Punkt vergeben oder eine Karte bewerten")
    async def cast(
        self, request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID, data: VoteIn
    ) -> dict[str, Any]:
        actor = await actor_for(request, db, workshop_id)
        key = request.headers.get("idempotency-key")
        result, event = await voting.cast_vote_once(
            db, actor, key, data.model_dump(mode="json"), data.idea_id, data.score_x, data.score_y
        )
        await db.commit()
        if event is not None:
            publish(request.app.state.channels, event)
            after_vote(request, workshop_id, result["step"])
        return result

    @delete("/votes/{vote_id:uuid}", status_code=204, summary="Eigene Stimme zurücknehmen")
    async def withdraw(
        self, request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID, vote_id: UUID
    ) -> None:
        actor = await actor_for(request, db, workshop_id)
        event = await voting.withdraw_vote(db, actor, vote_id)
        await db.commit()
        publish(request.app.state.channels, event)
        after_vote(request, workshop_id, int(event.data["vote"]["step"]))

    @post("/votes/reveal", status_code=200, summary="Ergebnis des Abstimmungsschritts aufdecken (Moderation)")
    async def reveal(self, request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID) -> dict[str, int]:
        actor = await actor_for(request, db, workshop_id)
        event = await voting.reveal_tallies(db, actor)
        await db.commit()
        publish(request.app.state.channels, event)
        return {"seq": event.seq}

    @post("/ranking", status_code=200, summary="Endgültige Reihenfolge festlegen (Moderation)")
    async def fix_order(
        self, request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID, data: OrderIn
    ) -> Response[dict[str, int]]:
        actor = await actor_for(request, db, workshop_id)
        event = await voting.set_final_order(db, actor, data.idea_ids)
        await db.commit()
        publish(request.app.state.channels, event)
        return Response({"seq": event.seq}, status_code=200)
