"""Application factory: the lifespan builds the engine; every surface is mounted here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.accounts import passwords
from app.api import dcat as dcat_api
from app.api import dcat_dump, guards, json_input, v1
from app.api.ckan import envelope as ckan_envelope
from app.api.ckan.router import router as ckan_router
from app.api.rate_limit import RateLimitMiddleware, RateLimits
from app.api.sessions import request_database
from app.api.v1 import errors as v1_errors
from app.config import Settings, get_settings
from app.db import make_engine
from app.harvest.worker import harvest_scheduler
from app.search import memory


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
        scheduler = harvest_scheduler(settings, engine)
        memory.configure(
            enabled=settings.search_memory != "off", wait=settings.search_memory == "wait"
        )
        memory.warm(engine)
        await to_thread.run_sync(passwords.warm_up)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            engine.dispose()

    app = FastAPI(
        title="Japan Open Data Catalogue",
        version="0.1.0",
        description="施策と府省庁・地方公共団体のオープンデータのカタログ (native REST API)\n\n"
        + json_input.LIMITS_DOC,
        lifespan=lifespan,
    )
    app.state.settings = settings
    v1_errors.install(app)
    ckan_envelope.install(app, settings)
    guards.install(app, settings.max_request_bytes)
    # Outermost: a refused client costs no body read and no database work.
    app.state.rate_limits = RateLimits(
        settings.rate_limit_ip, settings.rate_limit_token, settings.rate_limit_login
    )
    app.add_middleware(RateLimitMiddleware, limits=app.state.rate_limits)
    app.include_router(v1.router)
    app.include_router(ckan_router)
    app.include_router(dcat_api.router)
    app.include_router(dcat_dump.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        try:
            with app.state.engine.connect() as conn:
                conn.execute(text("select 1"))
        except Exception as exc:  # readiness must report any database failure, not raise
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app
