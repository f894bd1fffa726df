"""The one wiring file: settings, database, broker, middleware, routes. No logic lives here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXRequest
from litestar.static_files import create_static_files_router
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from werkstatt import db as database
from werkstatt import metrics
from werkstatt.board import handlers as board_handlers
from werkstatt.board import limits
from werkstatt.board.fragments import render_event, render_events_with, render_presence
from werkstatt.board.push import BoardPush, changes_whole_board
from werkstatt.board.queries import extend_board_with
from werkstatt.bodycheck import BodyCheckMiddleware
from werkstatt.catalogue import handlers as catalogue_handlers
from werkstatt.catalogue.service import sync_shipped_methods
from werkstatt.cooldown import CooldownMiddleware
from werkstatt.errors import EXCEPTION_HANDLERS
from werkstatt.export import handlers as export_handlers
from werkstatt.i18n import Message
from werkstatt.jobs import JobContext, register_jobs
from werkstatt.live import events as live_events
from werkstatt.live.broker import make_channels, make_redis
from werkstatt.live.hub import Hub
from werkstatt.logo import logo_image, town_logo_image
from werkstatt.logs import RequestIdMiddleware, echo_request_id, litestar_logging
from werkstatt.network import handlers as network_handlers
from werkstatt.openapi import DocumentedAsPlugin
from werkstatt.pages import PagesController, healthz
from werkstatt.ratelimit import Limiter
from werkstatt.results import handlers as results_handlers
from werkstatt.scheduler import Scheduler
from werkstatt.security import SecurityHeadersMiddleware, add_security_headers
from werkstatt.sessions import SessionMiddleware
from werkstatt.settings import Settings, load_settings
from werkstatt.uow import provide_session, unit_of_work_provider, use_publisher
from werkstatt.voting import board as voting_board
from werkstatt.voting import fragments as voting_fragments
from werkstatt.voting import handlers as voting_handlers
from werkstatt.voting.batch import TallyBatcher
from werkstatt.web import STATIC
from werkstatt.workshops import handlers as workshops_handlers

# The domain packages, lowest first (their names also name their message catalogues).
DOMAINS = ("network", "catalogue", "workshops", "board", "voting", "results", "export")
# Each domain package lists its controllers (routes.py + api.py) in `werkstatt/<domain>/handlers.py`.
DOMAIN_HANDLERS: tuple[list[Any], ...] = (
    network_handlers.HANDLERS,
    catalogue_handlers.HANDLERS,
    workshops_handlers.HANDLERS,
    board_handlers.HANDLERS,
    voting_handlers.HANDLERS,
    results_handlers.HANDLERS,
    export_handlers.HANDLERS,
)

# Voting adds to the board below it: its part of every board state, and the fragments of its own events.
extend_board_with(voting_board.extend_board)
render_events_with(voting_fragments.render_html)


def domain_handlers() -> list[Any]:
    return [handler for handlers in DOMAIN_HANDLERS for handler in handlers]


def route_handlers() -> list[Any]:
    """Every domain's controllers; collected here so that `create_app` stays the only wiring point."""
    handlers: list[Any] = [healthz, logo_image, town_logo_image, metrics.metrics_endpoint, *domain_handlers()]
    handlers.append(
        create_static_files_router(
            path="/static",
            directories=[STATIC],
            include_in_schema=False,
            cache_control=None,
            send_as_attachment=False,
        )
    )
    handlers.append(PagesController)  # last: its `/{slug}` catches the legal pages
    return handlers


async def sync_methods_at_start(settings: Settings) -> None:
    """Embedded mode: the shipped method cards are upserted at start-up (production runs `werkstatt methods
    sync` in its migration step instead, so several workers do not race)."""
    await sync_shipped_methods(settings)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    metrics.configure(settings)
    engine = database.create_engine(settings)
    sessionmaker = database.create_sessionmaker(engine)
    redis = make_redis(settings)
    channels = make_channels(settings, redis)
    scheduler = Scheduler(sessionmaker)
    register_jobs(scheduler, JobContext(settings, sessionmaker, channels))

    use_publisher(sessionmaker, lambda events: live_events.publish(channels, *events))

    # What handlers may ask for by name (`settings: NamedDependency[Settings]`, …) instead of reading app.state;
    # `channels` is provided by the ChannelsPlugin itself. Middleware and the hub's helpers keep app.state.
    def provide_settings() -> Settings:
        current: Settings = app.state.settings  # the test suite hands a reused app each test's own settings
        return current

    def provide_redis() -> Redis | None:
        return redis

    def provide_hub() -> Hub:
        hub: Hub = app.state.hub  # made anew for each run of the app (`start_afresh`)
        return hub

    def provide_sessionmaker() -> async_sessionmaker[AsyncSession]:
        return sessionmaker  # for what opens its own sessions, as a websocket does per message

    def provide_tally_batcher() -> TallyBatcher:
        found: TallyBatcher = app.state.tally_batcher  # made anew for each run of the app (`start_afresh`)
        return found

    def provide_limiter() -> Limiter:
        limiter: Limiter = app.state.limiter  # made anew for each run of the app (`start_afresh`)
        return limiter

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        limits.configure(app.state.limiter, limits.PostLimits.from_settings(settings))
        if settings.sync_methods_on_start and not settings.production:
            await sync_methods_at_start(settings)
        if settings.run_jobs:
            scheduler.start()
        try:
            yield
        finally:
            await scheduler.stop()  # before the hub, channels and engine it uses go
            await app.state.hub.shutdown()  # sockets still open get 1012 and reconnect elsewhere
            await engine.dispose()
            if redis is not None:
                await redis.aclose()
            start_afresh(app)

    csrf = CSRFConfig(
        secret=settings.resolved_secret_key,
        cookie_name="__Host-csrftoken" if settings.production else "csrftoken",
        cookie_secure=settings.production,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
        exclude=["/api/"],
    )
    app = Litestar(
        route_handlers=route_handlers(),
        dependencies={
            "uow": Provide(unit_of_work_provider(sessionmaker)),
            "db": Provide(provide_session, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "redis": Provide(provide_redis, sync_to_thread=False),
            "hub": Provide(provide_hub, sync_to_thread=False),
            "limiter": Provide(provide_limiter, sync_to_thread=False),
            "tally_batcher": Provide(provide_tally_batcher, sync_to_thread=False),
            "sessionmaker": Provide(provide_sessionmaker, sync_to_thread=False),
        },
        plugins=[channels, DocumentedAsPlugin()],
        middleware=[
            RequestIdMiddleware(),
            SecurityHeadersMiddleware(),
            CooldownMiddleware(),
            BodyCheckMiddleware(),
            SessionMiddleware(),
        ],
        csrf_config=csrf,
        request_class=HTMXRequest,
        before_send=[echo_request_id, add_security_headers],
        exception_handlers=EXCEPTION_HANDLERS,
        type_encoders={Message: str},  # a marked message in a JSON body that nobody translated: German
        openapi_config=OpenAPIConfig(
            title="Werkstatt API", version="1", path="/schema", render_plugins=[JsonRenderPlugin()]
        ),
        lifespan=[lifespan],
        logging_config=litestar_logging(),
        debug=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.redis = redis
    app.state.channels = channels
    app.state.scheduler = scheduler
    built = set(app.state)

    def start_afresh(app: Litestar) -> None:
        """What one run of the app counts and holds (limits, the hub's rooms, whatever a route attached to the
        state) is made anew for each run, so an app that is started again (the test suite starts one built app
        many times) begins as a new one would."""
        for key in [key for key in app.state if key not in built]:
            del app.state[key]
        app.state.limiter = Limiter(redis)
        limits.configure(app.state.limiter, limits.PostLimits.from_settings(settings))
        app.state.tally_batcher = TallyBatcher(sessionmaker, channels, redis=redis)
        push = BoardPush(sessionmaker, settings, app.route_reverse)
        app.state.hub = Hub(
            channels,
            partial(render_event, push=push),
            render_presence,
            prepare=push.prepare,
            render_personal=push.render_personal,
            needs_preparing=changes_whole_board,
        )
        app.state.hub.limit_sockets(app.state.limiter, settings.sockets_per_participant)
        # The hub catches up lost news from the event log; watching it only pays with several workers (Redis).
        app.state.hub.use_event_log(sessionmaker, watch=redis is not None)

    start_afresh(app)
    return app
