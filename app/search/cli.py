"""`catalog search ...`: index maintenance from the command line."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine

from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.search import memory, service
from app.search.memory import registry

search_cli = typer.Typer(help="Search index", no_args_is_help=True)
console = Console(stderr=True)
_COLUMNS = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the datasets, with a progress bar.

    One transaction: searches keep answering from the old index until it commits. Then
    writes the memory-index snapshot (from 10,000 documents on; see `search snapshot`).
    """
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    memory.configure(snapshot=settings.search_snapshot)
    try:
        with Progress(TextColumn("indexing"), *_COLUMNS, console=console) as progress:
            task = progress.add_task("reindex", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            with session_scope(make_sessionmaker(engine)) as session:
                count = service.reindex(session, advance)
        typer.echo(f"indexed {count} datasets")
        if count >= registry.options.snapshot_min_docs and registry.snapshot_path(engine):
            _write_snapshot(engine, reuse=False)  # the old one is of the old epoch
    finally:
        engine.dispose()


@search_cli.command("snapshot")
def snapshot(
    full: bool = typer.Option(False, "--full", help="load from the database, not the old file"),
) -> None:
    """Write the memory-index snapshot file (CATALOG_SEARCH_SNAPSHOT) that every process
    of `catalog serve` starts from, instead of loading every index row (then it catches
    up). Starts from the current snapshot, caught up, when it is valid."""
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    memory.configure(snapshot=settings.search_snapshot)
    try:
        _write_snapshot(engine, reuse=not full)
    except registry.SnapshotsOff as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def _write_snapshot(engine: Engine, *, reuse: bool) -> None:
    with Progress(TextColumn("loading the memory index"), *_COLUMNS, console=console) as bar:
        task = bar.add_task("load", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        path, documents, size = registry.write_snapshot(engine, reuse=reuse, progress=advance)
    if size is None:
        typer.echo(f"snapshot {path} already up to date, or being written by another process")
    else:
        typer.echo(f"snapshot of {documents} documents written to {path} ({size / 2**20:.1f} MiB)")
