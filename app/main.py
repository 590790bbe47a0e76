"""Application factory: the lifespan builds the engine; every surface is mounted here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.accounts import passwords
from app.api import dcat as dcat_api
from app.api import dcat_dump, guards, hot_reads, json_input, v1
from app.api.ckan import envelope as ckan_envelope
from app.api.ckan.router import router as ckan_router
from app.api.head import HeadAsGet
from app.api.rate_limit import RateLimitMiddleware, RateLimits
from app.api.sessions import request_database
from app.api.v1 import errors as v1_errors
from app.config import Settings, get_settings
from app.db import make_engine
from app.faults import http as faults_http
from app.faults.readiness import readiness
from app.harvest.worker import harvest_scheduler
from app.readmodel import service as readmodel
from app.search import memory
from app.web import errors as web_errors
from app.web import routes as web_routes
from app.web.render import STATIC
from app.web.staff import auth as staff_auth
from app.web.staff import dataset_routes as staff_dataset_routes
from app.web.staff import harvest_routes as staff_harvest
from app.web.staff import resource_routes as staff_resource_routes
from app.web.staff import routes as staff_routes
from app.web.staff import upload_routes
from app.web.staff.csrf import CsrfMiddleware

_HEALTHY = b'{"status":"ok"}'


async def _healthz(_request: Request) -> Response:
    return Response(_HEALTHY, media_type="application/json")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.effective_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_overflow,
            pool_timeout=settings.db_pool_timeout,
            busy_timeout_ms=int(settings.db_busy_timeout * 1000),
        )
        app.state.engine = engine
        app.state.db = request_database(
            engine,
            sessions=settings.db_sessions,
            queue_timeout=settings.db_queue_timeout,
            max_waiting=settings.db_max_waiting,
        )
        app.state.sessionmaker = app.state.db.write_sessions
        # Worker threads and connections sized together: every thread can hold a connection.
        to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        scheduler = app.state.scheduler = harvest_scheduler(settings, engine)
        memory.configure(
            enabled=settings.search_memory != "off",
            wait=settings.search_memory == "wait",
            batch=settings.search_memory_batch,
            snapshot=settings.search_snapshot,
        )
        memory.warm(engine)
        readmodel.configure(settings)  # the base URI its stored DCAT documents are made with
        await to_thread.run_sync(passwords.warm_up)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            memory.stop(engine)
            await app.state.db.dispose()
            engine.dispose()

    app = FastAPI(
        title="Japan Open Data Catalogue",
        version="0.1.0",
        description="施策と府省庁・地方公共団体のオープンデータのカタログ (native REST API)\n\n"
        + json_input.LIMITS_DOC,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.scheduler = None
    v1_errors.install(app)
    ckan_envelope.install(app, settings)
    app.add_middleware(CsrfMiddleware)  # inside the guards: bodies are size-checked first
    guards.install(app, settings.max_request_bytes, settings.base_uri)
    faults_http.install(app, settings.retry_after_seconds)
    # Outermost: a refused client costs no body read and no database work.
    app.state.rate_limits = RateLimits(
        settings.rate_limit_ip, settings.rate_limit_token, settings.rate_limit_login
    )
    app.add_middleware(RateLimitMiddleware, limits=app.state.rate_limits)
    app.add_middleware(HeadAsGet)  # outside the rest: every GET route answers HEAD
    app.include_router(upload_routes.router)  # before /dataset/{ref}, which would take "upload"
    # Staff dataset forms before the public /dataset/{ref} pages (which would take "new").
    app.include_router(staff_dataset_routes.router)
    app.include_router(staff_resource_routes.router)
    app.include_router(web_routes.router)  # before CKAN's: /api is also the browsers' guide
    app.include_router(staff_routes.router)
    app.include_router(staff_harvest.router)
    app.include_router(v1.router)
    app.include_router(ckan_router)
    app.include_router(dcat_api.router)
    app.include_router(dcat_dump.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    hot_reads.install(app)  # in front of the routes above: stored rows, one thread hop
    # First of all: a liveness probe costs one route match and no thread hop (a sync FastAPI
    # route took ~0.8 ms of CPU per call for its worker-thread hop).
    app.router.routes.insert(
        0, Route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    )
    web_errors.install(app)
    staff_auth.install(app)
    ckan_envelope.install_fallbacks(app, settings)  # wraps the web layer's

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        status, body = readiness(app.state.engine, app.state.scheduler)
        return JSONResponse(body, status_code=status)

    return app
