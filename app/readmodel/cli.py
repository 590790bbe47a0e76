"""`catalog readmodel rebuild`: render every dataset's stored renderings afresh."""

from __future__ import annotations

import typer

from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.readmodel import service

readmodel_cli = typer.Typer(help="Stored dataset renderings (the read model)", no_args_is_help=True)


@readmodel_cli.command("rebuild")
def rebuild() -> None:
    """Render every dataset (deleted ones included) with this environment's base URI.

    Needed once for datasets written before the read model existed (until then they are
    served by the fresh path), and after changing CATALOG_BASE_URI. One transaction.
    """
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            count = service.rebuild(session, settings)
    finally:
        engine.dispose()
    typer.echo(f"rendered {count} datasets")
