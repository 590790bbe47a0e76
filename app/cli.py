"""The `catalog` command: init, serve, user, token, import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.accounts import service as accounts
from app.accounts.actor import SYSTEM
from app.accounts.schemas import TokenCreate, UserCreate
from app.bulk.cli import upload_command
from app.catalog.seed_loader import load_seed
from app.config import get_settings
from app.datasets.importer import import_package
from app.db import make_engine, make_sessionmaker, session_scope
from app.dcat.cli import export as export_command
from app.errors import AppError
from app.harvest.cli import harvest_cli, worker_command
from app.readmodel.cli import readmodel_cli
from app.search.cli import search_cli

cli = typer.Typer(
    help="Japan open-data catalogue",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
user_cli = typer.Typer(help="Manage users", no_args_is_help=True)
token_cli = typer.Typer(help="Manage API tokens", no_args_is_help=True)
cli.add_typer(user_cli, name="user")
cli.add_typer(token_cli, name="token")
cli.add_typer(harvest_cli, name="harvest")
cli.command("worker")(worker_command)
cli.add_typer(search_cli, name="search")
cli.add_typer(readmodel_cli, name="readmodel")
cli.command("export")(export_command)
cli.command("upload")(upload_command)
console = Console(stderr=True)


def _sessions() -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(get_settings().effective_database_url))


def _fail(exc: AppError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.message}")
    for field, messages in exc.fields.items():
        console.print(f"  {field}: {'; '.join(messages)}")
    return typer.Exit(code=1)


@cli.command()
def init() -> None:
    """Create or upgrade the database schema and load the seed (idempotent)."""
    url = get_settings().effective_database_url
    console.print(f"migrating {url.split('@')[-1]}")
    migrate.upgrade(url)
    with session_scope(_sessions()) as session:
        stats = load_seed(
            session, get_settings(), progress=lambda msg: console.print(f"loading {msg}")
        )
    if stats.changed:
        created = ", ".join(f"{n} {t}" for t, n in sorted(stats.created.items())) or "nothing"
        updated = ", ".join(f"{n} {t}" for t, n in sorted(stats.updated.items())) or "nothing"
        console.print(f"seed loaded: created {created}; updated {updated}")
        if stats.reindexed:
            console.print(f"re-indexed {stats.reindexed} datasets for search")
    else:
        console.print("seed already up to date: nothing changed")


WORKER_STARTUP_SECONDS = 120


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    access_log: Annotated[
        bool, typer.Option(help="log every request (uvicorn's access log, ~2-5% of a read)")
    ] = True,
) -> None:
    """Serve the web site and the APIs."""
    import os

    import uvicorn

    # On the embedded SQLite default, harvest jobs run in a scheduler thread of the web
    # process (app.main); on PostgreSQL `catalog worker` processes run them instead.
    os.environ.setdefault("CATALOG_HARVEST_SCHEDULER", "true")

    # A worker answers uvicorn's health check once its lifespan has run (engine, memory index,
    # the Argon2 warm-up): on a loaded 2-core machine that took longer than uvicorn's default
    # 5 s, and the supervisor killed and restarted the workers in a loop.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
    )


@user_cli.command("add")
def user_add(
    name: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    sysadmin: Annotated[bool, typer.Option("--sysadmin")] = False,
    org: Annotated[str | None, typer.Option(help="organisation name to join")] = None,
    role: Annotated[str, typer.Option(help="member, editor or admin")] = "editor",
    email: str = "",
    fullname: str = "",
) -> None:
    """Create a user, optionally a member of an organisation."""
    try:
        with session_scope(_sessions()) as session:
            user = accounts.create_user(
                session,
                SYSTEM,
                UserCreate(
                    name=name, password=password, sysadmin=sysadmin, email=email, fullname=fullname
                ),
            )
            if org:
                accounts.set_member(session, SYSTEM, org, user.name, role)
    except AppError as exc:
        raise _fail(exc) from exc
    suffix = f", {role} of {org}" if org else ""
    typer.echo(f"created user {name}{' (sysadmin)' if sysadmin else ''}{suffix}")


@token_cli.command("create")
def token_create(
    user: str,
    name: Annotated[str, typer.Option(help="a label for the token")] = "cli",
    days: Annotated[int | None, typer.Option(help="days until it expires")] = None,
) -> None:
    """Create an API token; the token alone is printed on the last line."""
    try:
        with session_scope(_sessions()) as session:
            token = accounts.create_token(
                session,
                SYSTEM,
                TokenCreate(user=user, name=name, expires_in_days=days),
                get_settings().token_default_days,
            )
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(
        f"token {token.prefix}… for {user}, expires {token.expires_at:%Y-%m-%d}; shown once:"
    )
    typer.echo(token.token)


@cli.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines of CKAN package dicts")
    ],
    org: Annotated[
        str | None,
        typer.Option(help="owner of records whose organisation is not known here"),
    ] = None,
    timezone: Annotated[
        str, typer.Option(help="time zone of naive dataset times (CKAN writes UTC)")
    ] = "UTC",
    resource_timezone: Annotated[
        str | None,
        typer.Option(help="time zone of naive resource times (e-Gov: Asia/Tokyo)"),
    ] = None,
) -> None:
    """Import datasets from a JSON Lines file (one CKAN package dict per line).

    Values that cannot be placed here are kept as `remote_*` extras and listed per line.
    Naive times are read in `--timezone` (resources: `--resource-timezone`, default the same),
    as a `ckan` harvest source's `timezone`/`resource_timezone` settings do.
    """
    for zone in (timezone, resource_timezone):
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise typer.BadParameter(f"unknown time zone {zone!r}") from exc
    lines = [line for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = {"created": 0, "updated": 0, "failed": 0}
    factory = _sessions()
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("import", total=len(lines))
        for number, line in enumerate(lines, start=1):
            try:
                pkg = json.loads(line)
                if not isinstance(pkg, dict):
                    raise ValueError("each line must be a JSON object")
                # One transaction per dataset: a bad line loses nothing else.
                with session_scope(factory) as session:
                    outcome, _ds, notes = import_package(
                        session,
                        SYSTEM,
                        pkg,
                        fallback_org=org,
                        timezone=timezone,
                        resource_timezone=resource_timezone,
                    )
                counts[outcome] += 1
                for note in notes:
                    console.print(f"line {number}: {note}")
            except AppError as exc:
                counts["failed"] += 1
                detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
                console.print(
                    f"line {number}: {exc.message}{' (' + detail + ')' if detail else ''}"
                )
            except ValueError as exc:
                counts["failed"] += 1
                console.print(f"line {number}: not valid JSON: {exc}")
            progress.advance(task)
    typer.echo(
        f"created {counts['created']}, updated {counts['updated']}, failed {counts['failed']}"
    )
    if counts["failed"]:
        raise typer.Exit(code=1)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
