"""`catalog readmodel rebuild`: render every dataset's stored renderings afresh."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.readmodel import service

console = Console(stderr=True)
_COLUMNS = (TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())

readmodel_cli = typer.Typer(help="Stored dataset renderings (the read model)", no_args_is_help=True)


@readmodel_cli.command("rebuild")
def rebuild(
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=10_000, help="datasets per transaction")
    ] = 500,
) -> None:
    """Render every dataset (deleted ones included) with this environment's base URI.

    Needed once for datasets written before the read model existed (until then they are
    served by the fresh path), and after changing CATALOG_BASE_URI, after a migration that
    adds a stored form. One transaction per batch, so it can be stopped and run again.
    """
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    began = time.perf_counter()
    try:
        with Progress(*_COLUMNS, console=console) as progress:
            task = progress.add_task("rebuild", total=None)
            count = service.rebuild_in_batches(
                make_sessionmaker(engine),
                settings,
                batch,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - began
    typer.echo(f"rendered {count} datasets in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f}/s)")
