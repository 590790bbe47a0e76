"""`catalog upload FILE --org ORG [--save]`: the bulk upload of an オープンデータ一覧 from a shell.

The same parser and service as `/dataset/upload`, acting as the system (like `catalog import`):
prints the encoding, the outcome counts and every error/warning by row and column (Japanese
messages, as the page shows them); `--save` then saves all valid rows in one transaction.
Exit status 1 when the file is refused or has rows in error (after saving, with `--save`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.accounts.actor import SYSTEM
from app.bulk import service
from app.bulk.open_data_list import ListRefused, parse
from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.errors import AppError

console = Console(stderr=True)


def upload_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")],
    org: Annotated[str, typer.Option(help="organisation name, id or 全国地方公共団体コード")],
    save: Annotated[bool, typer.Option(help="save the valid rows (default: preview only)")] = False,
) -> None:
    """Preview (and with --save, save) an オープンデータ一覧."""
    sessions = make_sessionmaker(make_engine(get_settings().effective_database_url))
    try:
        parsed = parse(file.read_bytes())
    except ListRefused as exc:
        console.print(f"{file}: {exc}")
        raise typer.Exit(1) from exc
    try:
        with sessions() as session:
            plan = service.preview(session, SYSTEM, org, parsed)
            session.rollback()
    except AppError as exc:
        console.print(exc.message)
        raise typer.Exit(1) from exc
    counts = ", ".join(f"{o} {plan.count(o)}" for o in ("new", "update", "unchanged", "error"))
    typer.echo(f"{file.name}: {plan.encoding}, {len(plan.rows)} rows: {counts}")
    for issue in plan.issues:
        text = issue.msgid % issue.params if issue.params else issue.msgid
        typer.echo(f"row {issue.row}, {issue.column}: {issue.level}: {text}")
    if save:
        with session_scope(sessions) as session:
            result = service.apply(session, SYSTEM, plan)
        typer.echo(
            f"saved: {len(result.created)} created, {len(result.updated)} updated, "
            f"{result.unchanged} unchanged, {len(result.stale)} stale"
        )
    if plan.count("error"):
        raise typer.Exit(1)
