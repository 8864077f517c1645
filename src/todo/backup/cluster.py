"""A throwaway PostgreSQL cluster for the drills: a data directory and a port of its own, run
with the server programs of one major version, found as `binaries` finds the client programs
(the embedded server's, Debian's /usr/lib/postgresql/<major>/bin, then PATH).

PostgreSQL refuses to run as root; as root, every program runs as an unprivileged system user
(`postgres`, or the embedded server's `pgserver`) that owns the cluster's directories.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql

from todo.backup import binaries
from todo.db import Database, Transaction
from todo.errors import DomainError

T = TypeVar("T")

SUPERUSER = "postgres"
_SYSTEM_USERS = ("postgres", "pgserver")


class ClusterFailed(DomainError):
    code, status = "CLUSTER_FAILED", 500


def system_user() -> str | None:
    """Who runs the server programs: None (this process's user) unless this process is root."""
    if os.geteuid() != 0:
        return None
    for name in _SYSTEM_USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise ClusterFailed(
        f"running as root, and none of the users {', '.join(_SYSTEM_USERS)} exists to run "
        "PostgreSQL as; run as another user or create one"
    )


@contextmanager
def workspace(prefix: str) -> Iterator[Path]:
    """A temporary directory for clusters, owned by the user that runs them; deleted after."""
    user = system_user()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def own_directory(path: Path) -> Path:
    """Create `path` (inside a workspace) owned by the user that runs the clusters."""
    path.mkdir(parents=True, exist_ok=True)
    give_to_cluster_user(path)
    return path


def give_to_cluster_user(tree: Path) -> None:
    """Make the user that runs the clusters own `tree` and everything in it."""
    user = system_user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for folder, _, files in os.walk(tree):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(Path(folder) / name, entry.pw_uid, entry.pw_gid)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Cluster:
    """One cluster in `data_dir`, listening on 127.0.0.1:`port` only."""

    def __init__(self, data_dir: Path, *, major: int, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.major = major
        self.port = port or free_port()
        self.user = system_user()
        self.log = data_dir.parent / f"{data_dir.name}.log"

    def program(self, name: str) -> Path:
        """A server or client program of this cluster's major version."""
        return binaries.find(name, self.major)

    def run(self, name: str, *args: str, timeout: float = 300) -> str:
        """Run one of the programs as the cluster's user; its output (ClusterFailed if it fails)."""
        done = self._run(name, *args, timeout=timeout)
        if done.returncode != 0:
            raise ClusterFailed(f"{name} failed: {(done.stderr or done.stdout).strip()[-600:]}")
        return done.stdout

    def _run(self, name: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(  # noqa: S603 (a found program, no shell)
                [str(self.program(name)), *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                user=self.user,
                cwd=self.data_dir.parent,
                env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "TZ": "UTC"},
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise ClusterFailed(f"{name} could not run: {error}") from error

    def init(self) -> Cluster:
        """A fresh cluster (initdb) that trusts local connections and listens on its port."""
        self.run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                 "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        return self

    def configure(self, **settings: str) -> None:
        """Append settings to postgresql.auto.conf (the last value of a setting wins)."""
        lines = "".join(f"{key} = '{value}'\n" for key, value in settings.items())
        with (self.data_dir / "postgresql.auto.conf").open("a") as conf:
            conf.write(lines)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.configure(
            port=str(self.port), listen_addresses="127.0.0.1", unix_socket_directories=""
        )
        self.run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log), "-w", "-t", "120",
                 "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` (clean, with a checkpoint) or `immediate` (as a crash)."""
        self.run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "120", "stop")

    def running(self) -> bool:
        """Whether a server runs on this data directory."""
        return self._run("pg_ctl", "-D", str(self.data_dir), "status", timeout=30).returncode == 0

    def url(self, database: str = "postgres") -> str:
        """A URL for the superuser to `database` on this cluster."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database; a URL to it."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def wait_until_promoted(self, *, timeout: float = 300) -> None:
        """Wait until recovery has ended and the server accepts writes."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2) as conn:
                    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
            except psycopg.OperationalError as error:
                if not self.running():
                    raise ClusterFailed(
                        f"the server stopped during recovery: {self.tail()}"
                    ) from error
            if time.monotonic() > deadline:
                raise ClusterFailed(f"recovery did not end within {timeout:.0f} s: {self.tail()}")
            time.sleep(0.1)

    def tail(self, lines: int = 5) -> str:
        """The end of the server's log."""
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def remove(self) -> None:
        """Stop the server if it runs (immediately: it is thrown away) and delete its data."""
        if self.data_dir.exists() and self.running():
            with suppress(ClusterFailed):
                self.stop("immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)


@asynccontextmanager
async def small_pool(url: str) -> AsyncIterator[Database]:
    """A pool of one or two connections for a drill's own writes and checks."""
    db = Database(url, pool_size=1, max_overflow=1, pool_timeout=30)
    await db.open()
    try:
        yield db
    finally:
        await db.close()


async def as_owner(db: Database, query: Callable[[Transaction], Awaitable[T]]) -> T:
    """Run one repository query in an owner transaction (it sees every row); its result."""
    async with db.owner_transaction() as tx:
        return await query(tx)
