"""`catalog harvest ...` and `catalog worker`.

Exit codes of `catalog harvest run`: 0 finished, 1 failed, 2 finished with warnings (records
that errored, or deletions withheld by the threshold); the job's stats are printed either way.
"""

from __future__ import annotations

import json
import logging
import signal
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.actor import SYSTEM
from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.errors import AppError
from app.harvest import service
from app.harvest.lease import JobLease
from app.harvest.runner import run_job
from app.harvest.schemas import JobOut, JobStats, SourceConfig, SourceIn, SourcePatch
from app.harvest.worker import Worker, recover_dead_jobs

harvest_cli = typer.Typer(help="Harvest other catalogues into this one", no_args_is_help=True)
source_cli = typer.Typer(help="Manage harvest sources", no_args_is_help=True)
harvest_cli.add_typer(source_cli, name="source")
console = Console(stderr=True)


def _db() -> tuple[Engine, sessionmaker[Session]]:
    engine = make_engine(get_settings().effective_database_url)
    return engine, make_sessionmaker(engine)


def _fail(message: str, fields: dict[str, list[str]] | None = None) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    for field, messages in (fields or {}).items():
        console.print(f"  {field}: {'; '.join(messages)}", highlight=False)
    return typer.Exit(code=1)


def _config(raw: str | None) -> SourceConfig | None:
    if raw is None:
        return None
    try:
        return SourceConfig.model_validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise _fail(f"--config is not valid JSON: {exc}") from exc
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for err in exc.errors():
            fields.setdefault(".".join(map(str, err["loc"])) or "config", []).append(err["msg"])
        raise _fail("--config is not valid", fields) from exc


def _stats(stats: JobStats) -> str:
    return ", ".join(f"{k} {v}" for k, v in stats.model_dump().items())


def _job_line(job: JobOut) -> str:
    when = f"{job.created:%Y-%m-%d %H:%M:%S}"
    mode = job.mode or "-"
    return f"{job.id}  {job.source}  {job.status:<8}  {mode:<11}  {when}  {_stats(job.stats)}"


@source_cli.command("add")
def source_add(
    name: str,
    type_: Annotated[str, typer.Option("--type", help="ckan, dcat or catalog")],
    url: Annotated[str, typer.Option(help="the portal's base URL (or RDF document URL)")],
    org: Annotated[str, typer.Option(help="owner organisation name")],
    schedule: Annotated[str, typer.Option(help="cron, Japan time")] = "0 3 * * *",
    config: Annotated[str | None, typer.Option(help="JSON object of source settings")] = None,
    title: str = "",
    inactive: Annotated[bool, typer.Option("--inactive", help="do not schedule runs")] = False,
) -> None:
    """Register a harvest source."""
    if type_ not in ("ckan", "dcat", "catalog"):
        raise _fail("--type must be ckan, dcat or catalog")
    data = SourceIn(
        name=name,
        title=title,
        type=type_,
        url=url,
        organization=org,
        schedule=schedule,
        config=_config(config) or SourceConfig(),
        active=not inactive,
    )
    _, factory = _db()
    try:
        with session_scope(factory) as session:
            out = service.create_source(session, SYSTEM, data)
    except AppError as exc:
        raise _fail(exc.message, exc.fields) from exc
    typer.echo(
        f"created harvest source {out.name} ({out.type} {out.url}), next run {out.next_run_at}"
    )


@source_cli.command("list")
def source_list() -> None:
    """List harvest sources with their last job."""
    _, factory = _db()
    with session_scope(factory) as session:
        sources = service.list_sources(session)
    for s in sources:
        last = f"{s.last_job.status} {s.last_job.created:%Y-%m-%d %H:%M}" if s.last_job else "never"
        state = "active" if s.active else "inactive"
        typer.echo(
            f"{s.name}  {s.type}  {s.url}  {s.organization}  {s.schedule}  {state}  last: {last}"
        )


@source_cli.command("show")
def source_show(name: str) -> None:
    """Show a source as JSON."""
    _, factory = _db()
    try:
        with session_scope(factory) as session:
            out = service.get_source(session, name)
    except AppError as exc:
        raise _fail(exc.message) from exc
    typer.echo(out.model_dump_json(indent=2))


@source_cli.command("update")
def source_update(
    name: str,
    url: str | None = None,
    org: str | None = None,
    schedule: str | None = None,
    config: Annotated[str | None, typer.Option(help="JSON object (replaces the config)")] = None,
    title: str | None = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
) -> None:
    """Change a source."""
    patch = SourcePatch(
        title=title,
        url=url,
        organization=org,
        schedule=schedule,
        config=_config(config),
        active=active,
    )
    _, factory = _db()
    try:
        with session_scope(factory) as session:
            out = service.update_source(session, SYSTEM, name, patch)
    except AppError as exc:
        raise _fail(exc.message, exc.fields) from exc
    typer.echo(f"updated harvest source {out.name}")


@source_cli.command("delete")
def source_delete(name: str) -> None:
    """Delete a source and its job reports (its datasets stay)."""
    _, factory = _db()
    try:
        with session_scope(factory) as session:
            service.delete_source(session, SYSTEM, name)
    except AppError as exc:
        raise _fail(exc.message) from exc
    typer.echo(f"deleted harvest source {name}")


@harvest_cli.command("run")
def run(
    name: str,
    full: Annotated[bool, typer.Option("--full", help="full run (also detects deletions)")] = False,
) -> None:
    """Run one job for a source now, in the foreground, and print its stats."""
    settings = get_settings()
    engine, factory = _db()
    recover_dead_jobs(factory)
    try:
        with session_scope(factory) as session:
            job = service.start_job(session, SYSTEM, name, full=full)
            lease = JobLease(engine, job.id)  # held before the running job is visible
    except AppError as exc:
        raise _fail(exc.message) from exc

    def show(stats: JobStats) -> None:
        console.print(f"  {_stats(stats)}", highlight=False)

    with lease:
        done = run_job(factory, settings, job.id, progress=show)
    with session_scope(factory) as session:
        result = service.get_job(session, done.id)
    typer.echo(f"job {result.id} {result.status} ({result.mode}): {_stats(result.stats)}")
    if result.message:
        typer.echo(result.message)
    if result.status == "failed":
        raise typer.Exit(code=1)
    if result.warnings:
        raise typer.Exit(code=2)


@harvest_cli.command("jobs")
def jobs(
    name: Annotated[str | None, typer.Argument(help="source name (all sources if omitted)")] = None,
    limit: int = 20,
) -> None:
    """List recent jobs, newest first."""
    _, factory = _db()
    try:
        with session_scope(factory) as session:
            found = service.list_jobs(session, name, limit)
    except AppError as exc:
        raise _fail(exc.message) from exc
    for job in found:
        typer.echo(_job_line(job))


@harvest_cli.command("report")
def report(
    job_id: str,
    status: Annotated[str | None, typer.Option(help="only records with this status")] = None,
    limit: int = 100,
    offset: int = 0,
) -> None:
    """A job's stats and its records (remote id/URL, dataset, status, message)."""
    _, factory = _db()
    try:
        with session_scope(factory) as session:
            rep = service.job_report(
                session, job_id, SYSTEM, status=status, limit=limit, offset=offset
            )
    except AppError as exc:
        raise _fail(exc.message, exc.fields) from exc
    typer.echo(_job_line(rep.job))
    if rep.job.message:
        typer.echo(rep.job.message)
    for r in rep.records:
        dataset = r.dataset_name or r.dataset_id or "-"
        tail = f"  {r.message}" if r.message else ""
        typer.echo(f"{r.status:<9}  {r.remote_key}  {r.remote_url}  {dataset}{tail}")
    if rep.total > offset + len(rep.records):
        typer.echo(f"... {rep.total - offset - len(rep.records)} more (use --offset)")


def worker_command(
    poll: Annotated[
        float | None, typer.Option(help="seconds between polls when idle (default: settings)")
    ] = None,
) -> None:
    """Run harvest jobs as they come due (any number of workers on PostgreSQL)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    worker = Worker(get_settings(), poll=poll)

    def stop(*_args: Any) -> None:
        worker.stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    console.print(f"harvest worker started (poll {worker.poll:g} s); Ctrl-C to stop")
    try:
        worker.run()
    except KeyboardInterrupt:
        worker.stop_event.set()
