"""Throwaway PostgreSQL cluster for the test session.

Usage (e.g. from a session-scoped pytest fixture)::

    cluster = start_cluster()
    engine = create_engine(cluster.url)           # database "catalog_test"
    other_url = cluster.create_database("t_mod")  # a fresh extra database
    ...
    cluster.stop()

``start_cluster()`` runs ``initdb`` + ``pg_ctl start`` in a fresh temporary
directory (data directory, unix-socket directory and server log all live
there), listens on the unix socket *and* on a free TCP port on 127.0.0.1,
and trades durability for speed (``fsync=off`` etc.).  ``stop()`` shuts the
server down with ``pg_ctl stop -m immediate`` and deletes the directory; it is
idempotent and also registered with :mod:`atexit` as a fallback.

initdb/postgres refuse to run as root.  When the tests run as root (CI does),
every server-side command is run as the ``postgres`` OS user through
``runuser -u postgres --``; the temporary directory is chowned to that user and
the socket is made world-accessible so the root test process can connect.

If the environment variable ``CATALOG_TEST_POSTGRES_URL`` is set, no server is
started: that server is used instead (``create_database`` still works there,
and the databases it created are dropped again by ``stop()``).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

__all__ = [
    "ENV_URL",
    "MIN_MAJOR",
    "Cluster",
    "PostgresBinaries",
    "PostgresNotAvailable",
    "find_binaries",
    "start_cluster",
]

ENV_URL = "CATALOG_TEST_POSTGRES_URL"
MIN_MAJOR = 15
DEFAULT_DATABASE = "catalog_test"
SUPERUSER = "postgres"
OS_USER = "postgres"

NOT_FOUND_MESSAGE = (
    "PostgreSQL server binaries not found; install postgresql-15 "
    f"(apt-get install postgresql) or set {ENV_URL}"
)

# Appended to postgresql.conf.  Durability is irrelevant for a throwaway cluster.
SPEED_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "random_page_cost": "1.1",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_connections": "200",
    # Tiny test databases: parallel plans only waste time (and /dev/shm in containers).
    "max_parallel_workers_per_gather": "0",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
}

_DB_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")


class PostgresNotAvailable(RuntimeError):
    """The PostgreSQL server binaries are missing (or too old)."""


class ClusterError(RuntimeError):
    """initdb / pg_ctl / the server failed."""


@dataclass(frozen=True)
class PostgresBinaries:
    bindir: Path
    major: int
    minor: int

    @property
    def initdb(self) -> Path:
        return self.bindir / "initdb"

    @property
    def pg_ctl(self) -> Path:
        return self.bindir / "pg_ctl"


# --------------------------------------------------------------------------- helpers


def _binary_version(initdb: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(initdb), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            env={**os.environ, "LC_ALL": "C"},
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = _VERSION_RE.search(out)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2) or 0)


def find_binaries(min_major: int = MIN_MAJOR) -> PostgresBinaries:
    """Locate initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin.

    Returns the highest version >= *min_major*; raises PostgresNotAvailable otherwise.
    """
    candidates: set[Path] = set()
    on_path = shutil.which("initdb")
    if on_path:
        candidates.add(Path(on_path).resolve().parent)
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        candidates.add(Path(d).resolve())

    best: PostgresBinaries | None = None
    for bindir in sorted(candidates):
        if not (os.access(bindir / "initdb", os.X_OK) and os.access(bindir / "pg_ctl", os.X_OK)):
            continue
        version = _binary_version(bindir / "initdb")
        if version is None or version[0] < min_major:
            continue
        found = PostgresBinaries(bindir=bindir, major=version[0], minor=version[1])
        if best is None or (found.major, found.minor) > (best.major, best.minor):
            best = found
    if best is None:
        raise PostgresNotAvailable(NOT_FOUND_MESSAGE)
    return best


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _traversable_by_others(path: Path) -> bool:
    """True if every directory from / down to *path* has the o+x bit."""
    p = path.resolve()
    for d in [p, *p.parents]:
        try:
            if not d.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _socket_url(user: str, database: str, socket_dir: Path, port: int) -> str:
    return (
        f"postgresql+psycopg://{quote(user, safe='')}@/{database}"
        f"?host={quote(str(socket_dir), safe='/')}&port={port}"
    )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


# --------------------------------------------------------------------------- cluster


@dataclass
class Cluster:
    """A running PostgreSQL server (own throwaway cluster, or an external one).

    ``url`` points at the database ``catalog_test`` (or, for an external server,
    at the database named in ``CATALOG_TEST_POSTGRES_URL``).
    """

    url: str
    external: bool = False
    binaries: PostgresBinaries | None = None
    base_dir: Path | None = None
    data_dir: Path | None = None
    socket_dir: Path | None = None
    log_file: Path | None = None
    port: int | None = None
    run_as: str | None = None  # OS user for pg_ctl, None = current user
    startup_seconds: float = 0.0
    _created: list[str] = field(default_factory=list, repr=False)
    _stopped: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- URLs --------------------------------------------------------------------------

    @property
    def tcp_url(self) -> str:
        """Same database as ``url``, but over TCP (127.0.0.1:port)."""
        if self.external or self.port is None:
            return self.url
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{DEFAULT_DATABASE}"

    def url_for(self, database: str) -> str:
        """The URL of *database* on this server (it is not created)."""
        if not self.external and self.socket_dir is not None and self.port is not None:
            return _socket_url(SUPERUSER, database, self.socket_dir, self.port)
        return make_url(self.url).set(database=database).render_as_string(hide_password=False)

    # -- admin -------------------------------------------------------------------------

    def _admin_urls(self) -> list[URL]:
        base = make_url(self.url)
        urls = [base.set(database="postgres")]
        if base.database and base.database != "postgres":
            urls.append(base)
        return urls

    def _admin_execute(self, *statements: str) -> None:
        last_exc: Exception | None = None
        for admin_url in self._admin_urls():
            engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            try:
                with engine.connect() as conn:
                    for stmt in statements:
                        conn.execute(text(stmt))
                return
            except Exception as exc:
                last_exc = exc
            finally:
                engine.dispose()
        assert last_exc is not None
        raise last_exc

    def create_database(self, name: str) -> str:
        """(Re)create an empty database *name* and return its SQLAlchemy URL."""
        if not _DB_NAME_RE.match(name):
            raise ValueError(f"invalid database name {name!r} (use [A-Za-z_][A-Za-z0-9_]*)")
        if self._stopped:
            raise ClusterError("cluster is stopped")
        self._admin_execute(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'",
        )
        with self._lock:
            if name not in self._created:
                self._created.append(name)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        if not _DB_NAME_RE.match(name):
            raise ValueError(f"invalid database name {name!r}")
        self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        with self._lock:
            if name in self._created:
                self._created.remove(name)

    # -- lifecycle ---------------------------------------------------------------------

    def _pg_ctl(self, *args: str, timeout: float = 90.0) -> None:
        if self.external or self.binaries is None or self.data_dir is None:
            raise ClusterError("only a cluster this module started can be stopped and started")
        _run([str(self.binaries.pg_ctl), *args, "-D", str(self.data_dir)],
             run_as=self.run_as, cwd=self.base_dir, timeout=timeout)  # fmt: skip

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server but keep the cluster (``pg_ctl stop -m fast|immediate``): every
        connection is dropped, as in a restart or failover. :meth:`start_server` brings it
        back on the same port and data."""
        self._pg_ctl("stop", "-m", mode, "-w", "-t", "60")

    def start_server(self) -> None:
        assert self.log_file is not None
        self._pg_ctl("start", "-l", str(self.log_file), "-w", "-t", "60")

    def restart(self, down_seconds: float = 0.0, mode: str = "fast") -> float:
        """Stop the server, wait `down_seconds`, start it again; the seconds it was down."""
        started = time.monotonic()
        self.stop_server(mode)
        time.sleep(down_seconds)
        self.start_server()
        return time.monotonic() - started

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m immediate``) and delete its directory.

        Safe to call more than once.  For an external server, only the databases
        created through :meth:`create_database` are dropped.
        """
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            created = list(self._created)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

        if self.external:
            for name in created:
                with contextlib.suppress(Exception):
                    self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return

        try:
            if self.binaries is not None and self.data_dir is not None:
                with contextlib.suppress(Exception):
                    _run(
                        [
                            str(self.binaries.pg_ctl),
                            "stop",
                            "-D",
                            str(self.data_dir),
                            "-m",
                            "immediate",
                            "-w",
                            "-t",
                            "30",
                        ],
                        run_as=self.run_as,
                        cwd=self.base_dir,
                        timeout=60,
                    )
        finally:
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)

    @property
    def stopped(self) -> bool:
        return self._stopped

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- running


def _run(
    argv: list[str],
    *,
    run_as: str | None,
    cwd: Path | None,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL command, as OS user *run_as* (via runuser) if given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PG") and not k.startswith("LC_") and k != "LANG"
    }
    env["LC_ALL"] = "C"
    if run_as is not None:
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        argv = [runuser, "-u", run_as, "--", *argv]
        env["HOME"] = pwd.getpwnam(run_as).pw_dir
    proc = subprocess.run(
        argv,
        cwd=str(cwd) if cwd is not None else None,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise ClusterError(
            f"command failed ({proc.returncode}): {' '.join(argv)}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def _external_cluster(url: str) -> Cluster:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"{ENV_URL} must be a postgresql URL, got {parsed.drivername!r}")
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    cluster = Cluster(url=url, external=True)
    atexit.register(cluster.stop)
    return cluster


def _make_base_dir(run_as: str | None) -> Path:
    parent: str | None = None
    if run_as is not None and not _traversable_by_others(Path(tempfile.gettempdir())):
        parent = "/tmp"  # the postgres user must be able to reach the directory
    base = Path(tempfile.mkdtemp(prefix="catalog-pg-", dir=parent))
    if run_as is not None:
        pw = pwd.getpwnam(run_as)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    # The socket dir lives inside: others need +x to reach the socket.
    base.chmod(0o755)
    return base


def start_cluster(
    database: str = DEFAULT_DATABASE,
    *,
    min_major: int = MIN_MAJOR,
    start_timeout: float = 60.0,
) -> Cluster:
    """Start a throwaway cluster (or use ``$CATALOG_TEST_POSTGRES_URL``).

    Raises :class:`PostgresNotAvailable` if no server binaries >= *min_major*
    are installed.
    """
    env_url = os.environ.get(ENV_URL, "").strip()
    if env_url:
        return _external_cluster(env_url)

    t0 = time.monotonic()
    binaries = find_binaries(min_major)

    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            raise PostgresNotAvailable(
                f"running as root, but there is no '{OS_USER}' OS user to run the "
                f"server as; install postgresql (apt-get install postgresql) or set {ENV_URL}"
            ) from None
        run_as = OS_USER

    base = _make_base_dir(run_as)
    data_dir = base / "data"
    socket_dir = base / "sock"
    log_file = base / "server.log"
    socket_dir.mkdir(mode=0o755)
    socket_dir.chmod(0o755)
    if run_as is not None:
        pw = pwd.getpwnam(run_as)
        os.chown(socket_dir, pw.pw_uid, pw.pw_gid)

    cluster = Cluster(
        url="",
        binaries=binaries,
        base_dir=base,
        data_dir=data_dir,
        socket_dir=socket_dir,
        log_file=log_file,
        run_as=run_as,
    )
    atexit.register(cluster.stop)
    try:
        _run(
            [
                str(binaries.initdb),
                "-D",
                str(data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            run_as=run_as,
            cwd=base,
            timeout=120,
        )

        extra_conf = data_dir / "catalog_test.conf"
        with (data_dir / "postgresql.conf").open("a") as fh:
            fh.write(f"\ninclude = '{extra_conf.name}'\n")

        last_error: Exception | None = None
        for _attempt in range(3):
            port = _free_port()
            settings = {
                **SPEED_SETTINGS,
                "listen_addresses": "'127.0.0.1'",
                "port": str(port),
                "unix_socket_directories": f"'{socket_dir}'",
                "unix_socket_permissions": "0777",
            }
            # Included at the end of postgresql.conf, so these settings win;
            # rewritten on each attempt to replace the previous port.
            extra_conf.write_text(
                "# written by tests/pg_cluster.py\n"
                + "".join(f"{k} = {v}\n" for k, v in settings.items())
            )
            try:
                _run(
                    [
                        str(binaries.pg_ctl),
                        "start",
                        "-D",
                        str(data_dir),
                        "-l",
                        str(log_file),
                        "-w",
                        "-t",
                        str(int(start_timeout)),
                    ],
                    run_as=run_as,
                    cwd=base,
                    timeout=start_timeout + 30,
                )
            except ClusterError as exc:
                last_error = ClusterError(f"{exc}\nserver log:\n{_tail(log_file)}")
                continue
            cluster.port = port
            break
        else:
            assert last_error is not None
            raise last_error

        cluster.url = _socket_url(SUPERUSER, "postgres", socket_dir, port)
        cluster.url = cluster.create_database(database)
    except BaseException:
        cluster.stop()
        raise
    cluster.startup_seconds = time.monotonic() - t0
    return cluster
