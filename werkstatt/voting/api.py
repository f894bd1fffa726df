"""JSON API for votes (API.md): cast a dot or a rating, take it back, reveal, fix the final order."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board.common import actor_for
from werkstatt.idempotency import Effect, IdempotentOperation, idempotent
from werkstatt.settings import Settings
from werkstatt.voting import service as voting
from werkstatt.voting.batch import TallyBatcher
from werkstatt.voting.schemas import OrderIn, VoteIn


def after_vote(tally_batcher: TallyBatcher, workshop_id: UUID, step: int | None) -> None:
    if step is not None:
        tally_batcher.touch(workshop_id, step)


class VotingApi(Controller):
    path = "/api/workshops/{workshop_id:uuid}"
    tags = ("Abstimmung",)  # type: ignore[assignment]

    @post(
        "/votes",
        status_code=201,
        summary="Einen Punkt vergeben oder eine Karte (oder einen Cluster) bewerten",
        description=(
            "Ein Punkt: `{idea_id}`; eine Bewertung in der Matrix: `{idea_id, score_x, score_y}`. In einem Schritt, "
            'der über Cluster abstimmt (`config.cards = {"from": "clusters"}`), nennt die Stimme statt der Karte den '
            "Cluster: `cluster_id` statt `idea_id` (gleiche Punkte- und Platzregeln). Ein Cluster, der in diesem "
            "Schritt nicht zur Wahl steht: 409; ein Cluster einer anderen Werkstatt: 404."
        ),
        operation_class=IdempotentOperation,
    )
    async def cast(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        tally_batcher: NamedDependency[TallyBatcher],
        workshop_id: FromPath[UUID],
        data: JSONBody[VoteIn],
    ) -> dict[str, Any]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            result, _event = await voting.cast_vote(
                db, actor, data.idea_id, data.score_x, data.score_y, cluster_id=data.cluster_id
            )
            return Effect(result, then=lambda: after_vote(tally_batcher, workshop_id, result["step"]))

        return (await idempotent(request, db, settings, run, data=data, actor=actor)).body

    @delete(
        "/votes/{vote_id:uuid}",
        status_code=204,
        summary="Eigene Stimme zurücknehmen",
        operation_class=IdempotentOperation,
    )
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        tally_batcher: NamedDependency[TallyBatcher],
        workshop_id: FromPath[UUID],
        vote_id: FromPath[UUID],
    ) -> None:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            event = await voting.withdraw_vote(db, actor, vote_id)
            step = int(event.data["vote"]["step"])
            return Effect(then=lambda: after_vote(tally_batcher, workshop_id, step))

        await idempotent(request, db, settings, run, actor=actor)

    @post(
        "/votes/reveal",
        status_code=200,
        summary="Ergebnis des Abstimmungsschritts aufdecken (Moderation)",
        operation_class=IdempotentOperation,
    )
    async def reveal(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> dict[str, int]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            event = await voting.reveal_tallies(db, actor)
            return Effect({"seq": event.seq})

        return (await idempotent(request, db, settings, run, actor=actor)).body

    @post(
        "/ranking",
        status_code=200,
        summary="Endgültige Reihenfolge festlegen (Moderation)",
        operation_class=IdempotentOperation,
    )
    async def fix_order(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        data: JSONBody[OrderIn],
    ) -> dict[str, int]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            event = await voting.set_final_order(db, actor, data.idea_ids)
            return Effect({"seq": event.seq})

        return (await idempotent(request, db, settings, run, data=data, actor=actor)).body
