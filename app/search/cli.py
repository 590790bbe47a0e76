"""`catalog search ...`: index maintenance from the command line."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.search import service

search_cli = typer.Typer(help="Search index", no_args_is_help=True)
console = Console(stderr=True)


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the datasets, with a progress bar.

    One transaction: searches keep answering from the old index until it commits.
    """
    engine = make_engine(get_settings().effective_database_url)
    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("reindex", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            with session_scope(make_sessionmaker(engine)) as session:
                count = service.reindex(session, advance)
    finally:
        engine.dispose()
    typer.echo(f"indexed {count} datasets")
