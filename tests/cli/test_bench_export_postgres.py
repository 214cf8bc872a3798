"""bench/export.py --start-postgres: one run starts its own server, copies the store there, times export --all on
both backends interleaved, and prints both medians, their ratio, the peaks and the load average."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pg_server
from backends import postgres_required

BENCH = Path(__file__).resolve().parents[2] / "bench" / "export.py"


def test_the_export_bench_compares_postgresql_with_sqlite_in_one_run() -> None:
    if pg_server.binaries() is None and not postgres_required():
        pytest.skip("no PostgreSQL server binaries (initdb) to start one")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTMATE_")}
    ran = subprocess.run(
        [sys.executable, str(BENCH), "12", "--runs", "2", "--start-postgres"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
    assert "started PostgreSQL" in out
    assert re.search(r"export --all, 2 runs each, interleaved, after one untimed run each \(store copy: ", out)
    assert re.search(r"SQLite +median \d\.\d{3} s wall, .* peak \d+\.\d MB; runs \d\.\d\d, \d\.\d\d\n", out)
    assert re.search(r"PostgreSQL median \d\.\d{3} s wall, .* peak \d+\.\d MB; runs \d\.\d\d, \d\.\d\d\n", out)
    assert re.search(r"PostgreSQL / SQLite: \d+\.\d\dx of the medians \((NOT )?within 1\.5x\), .*; same bytes", out)
    assert re.search(r"load average before the timed runs: [\d., ]+ on \d+ CPUs; after: ", out)
