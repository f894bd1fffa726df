"""Downloads of a workshop's result: `GET /api/workshops/{id}/export?format=…` (API.md; bearer token or
session cookie) and the result page's links `/w/{id}/ergebnis/export/{format}` (session cookie, HTML error
pages). The workshop's coach (and whoever may run it: network admins, admins) exports; once it is closed, so
does every member of its network (the Kernteam hands the result to the town council). A guest gets 403,
anyone from elsewhere 404, nobody signed in 401. A GET changes nothing, so it needs no CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board.common import bearer, reader_for
from werkstatt.errors import Forbidden, Invalid, TooMany, Unauthenticated
from werkstatt.export.formats import FORMATS
from werkstatt.export.gather import gather
from werkstatt.export.text import content_disposition, filenames
from werkstatt.i18n import _
from werkstatt.logo import logo
from werkstatt.ratelimit import hit, retry_after
from werkstatt.results.access import may_export
from werkstatt.uow import UnitOfWork
from werkstatt.web import BERLIN, request_locale

EXPORT_WINDOW = 300
EXPORT_LIMIT = 30  # per person and five minutes: a PDF costs about a second of CPU
FORMAT_HELP = _("Erlaubt sind: %(formats)s.") % {"formats": ", ".join(FORMATS)}


def _joined(request: Request[Any, Any, Any], workshop_id: UUID) -> bool:
    session = request.scope.get("state", {}).get("web_session")
    return bool(session is not None and session.data.get("participants", {}).get(str(workshop_id)))


async def export_response(
    request: Request[Any, Any, Any], db: AsyncSession, workshop_id: UUID, fmt: str | None
) -> Response[bytes]:
    account = request.scope.get("state", {}).get("account")
    if account is None and bearer(request) is None and not _joined(request, workshop_id):
        raise Unauthenticated(_("Bitte melden Sie sich an, um das Ergebnis zu exportieren."))
    actor = await reader_for(request, db, workshop_id)
    if not may_export(actor):
        raise Forbidden(_("Nur die Moderation exportiert das Ergebnis der Werkstatt."))
    chosen = FORMATS.get(fmt or "")
    if chosen is None:
        raise Invalid(_("Dieses Exportformat gibt es nicht."), {"format": FORMAT_HELP})
    key = f"export:{account.id if account is not None else actor.participant_id}"
    if await hit(request.app.state, key, EXPORT_WINDOW) > EXPORT_LIMIT:
        wait = await retry_after(request.app.state, key, EXPORT_WINDOW)
        raise TooMany(_("Zu viele Exporte in kurzer Zeit. Bitte gleich noch einmal versuchen."), wait)
    data = await gather(db, actor.workshop, request_locale(request))
    if chosen.name in {"pdf", "docx"}:
        data = data.model_copy(update={"logo": logo(request.app.state.settings, actor.workshop.town_id)})
    await UnitOfWork.of(db).release()  # the connection goes back to the pool before rendering
    body = await anyio.to_thread.run_sync(chosen.render, data) if chosen.slow else chosen.render(data)
    starts = data.starts_at or datetime.now(UTC)
    day = (starts if starts.tzinfo else starts.replace(tzinfo=UTC)).astimezone(BERLIN).date()
    return Response(
        body,
        media_type=chosen.media_type,
        headers={
            "content-disposition": content_disposition(*filenames(data.town, day, data.title, chosen.name)),
            "cache-control": "no-store",
        },
    )


class ExportApi(Controller):
    path = "/api/workshops/{workshop_id:uuid}"
    tags = ("Ergebnisse",)  # type: ignore[assignment]

    @get(
        "/export",
        summary="Ergebnis als Datei: PDF-Protokoll, DOCX, XLSX, CSV, Markdown oder JSON (Moderation)",
        description="Zeigt, was der Raum gesehen hat: keine ausgeblendeten, zurückgezogenen oder noch verdeckten "
        "Karten, keine Punkte eines verdeckten Abstimmungsschritts vor dem Aufdecken, keine Namen von Gästen.",
    )
    async def export(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        fmt: Annotated[str | None, QueryParameter(name="format", description=str(FORMAT_HELP), max_length=10)] = None,
    ) -> Response[bytes]:
        return await export_response(request, db, workshop_id, fmt)


class ExportDownloads(Controller):
    path = "/w/{workshop_id:uuid}/ergebnis/export"
    include_in_schema = False

    @get("/{fmt:str}", name="workshop_export")
    async def download(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        fmt: FromPath[str],
    ) -> Response[bytes]:
        return await export_response(request, db, workshop_id, fmt)


HANDLERS = [ExportApi, ExportDownloads]
