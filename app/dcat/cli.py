"""`catalog export`: the whole public catalogue as gzipped N-Triples, Turtle or JSON-LD,
streamed to a file in constant memory, with a progress bar."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.dcat.formats import DUMP_FORMATS
from app.dcat_export import dump
from app.dcat_export import service as svc

console = Console(stderr=True)


def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="nt.gz, ttl.gz or jsonld.gz")
    ] = "nt.gz",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="file to write ('-' for stdout); default catalog.<format>"
        ),
    ] = None,
) -> None:
    """Export the public catalogue as DCAT-AP 3 (gzip), in constant memory."""
    chosen = DUMP_FORMATS.get(fmt)
    if chosen is None:
        console.print(f"[red]error:[/red] unknown format {fmt!r}: use {', '.join(DUMP_FORMATS)}")
        raise typer.Exit(code=2)
    settings = get_settings()
    sessions = make_sessionmaker(make_engine(settings.effective_database_url))
    with session_scope(sessions) as session:
        ctx = svc.build_context(session, settings)
        total = svc.public_count(session)
    target = output or Path(f"catalog.{fmt}")
    columns = (TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=str(target) == "-") as progress:
        task = progress.add_task("export", total=total)

        def stored(parts: Iterator[tuple[int, bytes]]) -> Iterator[bytes]:
            for count, piece in parts:
                progress.advance(task, count)
                yield piece

        # Stored per-dataset texts from the read model (no ORM on this path).
        pieces = stored(dump.gzip_dump(sessions, ctx, chosen))
        if str(target) == "-":
            for piece in pieces:
                sys.stdout.buffer.write(piece)
            sys.stdout.buffer.flush()
            return
        # Write beside the target and rename at the end: a failed export leaves no half file.
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as handle:
            for piece in pieces:
                handle.write(piece)
        os.replace(partial, target)
    console.print(f"exported {total} datasets to {target}")
