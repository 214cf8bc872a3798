"""A throwaway PostgreSQL server for the tests: initdb and pg_ctl from Debian's package, as its own user."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"


def binaries() -> Path | None:
    """The directory with initdb and pg_ctl: Debian's newest installed version, or the PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(owner: str | None, argv: list[str]) -> list[str]:
    """The command run as `owner` (PostgreSQL refuses to run as root)."""
    if owner is None:
        return argv
    runner = shutil.which("runuser") or shutil.which("su")
    if runner and runner.endswith("runuser"):
        return [runner, "-u", owner, "--", *argv]
    return ["su", owner, "-s", "/bin/sh", "-c", " ".join(argv)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server: its data directory, socket directory and port."""

    root: Path
    port: int
    owner: str | None
    bin: Path

    def url(self, database: str = "postgres", *, options: str = "") -> str:
        """A URL that reaches it over TCP on 127.0.0.1 as the superuser."""
        query = f"?options={options}" if options else ""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}{query}"

    def pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on this server (start, stop, restart)."""
        argv = [str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-l", str(self.root / "log"), "-w", *args]
        subprocess.run(_as_owner(self.owner, argv), check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        """Stop it and remove its files."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Server:
    """Start a fresh server in a temp directory; raise RuntimeError saying why it cannot."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb); install Debian's `postgresql` package")
    owner = None
    root = Path(tempfile.mkdtemp(prefix="draftmate-pg-"))
    if os.geteuid() == 0:  # initdb and postgres refuse root: run them as the package's own user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no `postgres` user to run the server as") from None
        owner = "postgres"
        shutil.chown(root, owner)
    port = _free_port()
    server = Server(root=root, port=port, owner=owner, bin=bin_dir)
    initdb = [
        str(bin_dir / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    ]
    try:
        subprocess.run(_as_owner(owner, initdb), check=True, capture_output=True, timeout=120)
        settings = (
            f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 60\n"
        )
        conf = root / "data" / "postgresql.conf"
        with conf.open("a") as f:
            f.write(settings)
        server.pg_ctl("start")
    except (subprocess.SubprocessError, OSError) as e:
        detail = getattr(e, "stderr", b"") or b""
        log = root / "log"
        tail = log.read_text(errors="replace")[-400:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {e} {detail.decode(errors='replace')[-400:]} {tail}") from None
    return server


@contextlib.contextmanager
def running() -> Iterator[Server]:
    """A server for the length of the block."""
    server = start()
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":  # .ci/run: prove a server starts here, then stop it
    with running() as s:
        print(f"PostgreSQL starts: {s.bin} on port {s.port}")
    sys.exit(0)
