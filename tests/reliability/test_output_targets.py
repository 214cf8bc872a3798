"""Where draftmate writes: only a regular file or nothing there; never a device, a FIFO, the store or a dangling link.

Every writer (export, export --all, calibration --export/--plot) goes through fileio.check_target; temporary
files are removed on SIGTERM and, after a SIGKILL, by the next write to the same directory.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_export import cli, final_import
from typer.testing import CliRunner

from draftmate import fileio

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "bad-input.md"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "out"
    where.mkdir()
    monkeypatch.chdir(where)
    return where


def one_line(result: object, code: int, words: str) -> None:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == code, stderr  # type: ignore[attr-defined]
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert words in stderr, stderr
    assert "Traceback" not in stderr


def store_intact(runner: CliRunner, draft_id: str) -> None:
    verified = cli(runner, "verify")
    assert verified.exit_code == 0, verified.stderr
    assert json.loads(cli(runner, "show", draft_id[:8], "--json").stdout)["status"] == "final"


# ---- devices and FIFOs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_a_fifo_is_refused_by_every_writer_and_stays_a_fifo(
    runner: CliRunner, tmp_path: Path, out: Path, force: list[str]
) -> None:
    draft_id = final_import(runner, tmp_path)
    fifo = out / "pipe"
    os.mkfifo(fifo)
    for args in (
        ["export", draft_id[:8], "-o", str(fifo)],
        ["export", "--all", "-o", str(fifo)],
        ["calibration", "--export", str(fifo)],
        ["calibration", "--plot", str(fifo)],
    ):
        one_line(cli(runner, *args, *force), 2, "pipe is a FIFO (named pipe), not a regular file")
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode), args
    assert sorted(p.name for p in out.iterdir()) == ["pipe"]  # no sidecar, no temp file
    store_intact(runner, draft_id)


def test_a_character_device_is_not_replaced_even_with_force(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a character device (mknod) needs root; CI runs as root")
    draft_id = final_import(runner, tmp_path)
    device = out / "mynull"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is, but ours to lose
    for args in (
        ["export", draft_id[:8], "-o", str(device)],
        ["export", "--all", "-o", str(device)],
        ["calibration", "--export", str(device)],
    ):
        one_line(cli(runner, *args, "--force"), 2, "mynull is a character device, not a regular file")
        assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_dev_null_is_refused_as_a_device_not_as_an_existing_file(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    """Without --force only: the message must not send anyone to --force (as root that would replace /dev/null)."""
    draft_id = final_import(runner, tmp_path)
    one_line(cli(runner, "export", draft_id[:8], "-o", "/dev/null"), 2, "/dev/null is a character device")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


# ---- the store -------------------------------------------------------------------------------------------


def test_export_over_the_store_is_refused_however_it_is_named(
    runner: CliRunner, tmp_path: Path, out: Path, hermetic: Path
) -> None:
    draft_id = final_import(runner, tmp_path)
    database = hermetic / "draftmate.db"
    before = os.stat(database).st_ino
    (out / "link.db").symlink_to(database)
    os.link(database, out / "hard.db")
    for target in (database, Path(f"{database}-wal"), Path(f"{database}-shm"), out / "link.db", out / "hard.db"):
        for args in (["export", draft_id[:8], "-o", str(target)], ["export", "--all", "-o", str(target)]):
            one_line(cli(runner, *args, "--force"), 2, "is draftmate's own store")
        one_line(cli(runner, "calibration", "--export", str(target), "--force"), 2, "is draftmate's own store")
    spelled = hermetic / ".." / hermetic.name / "draftmate.db"
    one_line(cli(runner, "export", draft_id[:8], "-o", str(spelled), "--force"), 2, "is draftmate's own store")
    assert os.stat(database).st_ino == before  # not replaced
    assert database.read_bytes().startswith(b"SQLite format 3\x00")
    store_intact(runner, draft_id)


# ---- symbolic links --------------------------------------------------------------------------------------


def test_a_dangling_symlink_is_refused_and_its_target_not_created(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    elsewhere = tmp_path / "elsewhere.md"
    (out / "x.md").symlink_to(elsewhere)
    for force in ([], ["--force"]):
        one_line(cli(runner, "export", draft_id[:8], "-o", "x.md", *force), 2, "which does not exist; remove the link")
        one_line(cli(runner, "export", "--all", "-o", "x.md", *force), 2, "which does not exist; remove the link")
    assert not elsewhere.exists() and (out / "x.md").is_symlink()


def test_a_symlink_to_a_file_is_written_through_only_with_force(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    real = tmp_path / "real.md"
    real.write_text("old\n")
    (out / "x.md").symlink_to(real)
    one_line(cli(runner, "export", draft_id[:8], "-o", "x.md"), 2, "pass --force to overwrite the file it points to")
    assert real.read_text() == "old\n"
    assert cli(runner, "export", draft_id[:8], "-o", "x.md", "--force").exit_code == 0
    assert (out / "x.md").is_symlink() and real.read_text().startswith("---\n")


def test_a_symlink_to_a_fifo_is_refused(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    os.mkfifo(tmp_path / "pipe")
    (out / "x.md").symlink_to(tmp_path / "pipe")
    one_line(cli(runner, "export", draft_id[:8], "-o", "x.md", "--force"), 2, "symbolic link to a FIFO")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)


# ---- names ------------------------------------------------------------------------------------------------


def test_dev_stdout_is_standard_output(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    result = cli(runner, "export", draft_id[:8], "-o", "/dev/stdout")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("---\n")
    every = cli(runner, "export", "--all", "-o", "/dev/stdout")
    assert every.exit_code == 0, every.stderr
    assert json.loads(every.stdout.splitlines()[0])["provenance"]["draft_id"] == draft_id


def test_a_250_byte_file_name_is_written(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    draft_id = final_import(runner, tmp_path)
    name = "n" * 247 + ".md"
    result = cli(runner, "export", draft_id[:8], "-o", name)
    assert result.exit_code == 0, result.stderr
    assert (out / name).read_bytes().startswith(b"---\n")
    assert cli(runner, "export", "--all", "-o", "a" * 244 + ".jsonl").exit_code == 0


def test_control_characters_in_an_imported_suffix_reach_no_file_name(
    runner: CliRunner, tmp_path: Path, out: Path
) -> None:
    draft_id = final_import(runner, tmp_path, "x = 1\n", "evil.p\x1b[31my")
    result = cli(runner, "export", draft_id[:8])
    assert result.exit_code == 0, result.stderr
    names = [p.name for p in out.iterdir()]
    assert names and all("\x1b" not in n and n.isprintable() for n in names), names
    assert "\x1b" not in result.stderr
    escaped = final_import(runner, tmp_path, "y = 2\n", "ok.py")
    shown = cli(runner, "export", escaped[:8], "-o", "bad\x1b[2Jname.py")
    assert shown.exit_code == 0 and "\x1b" not in shown.stderr and "bad\\x1b[2Jname.py" in shown.stderr


# ---- temporary files --------------------------------------------------------------------------------------

# A child draftmate whose `export --all` stalls after its first line, so a signal lands mid-write.
STALLING = """
import sys, time
from draftmate.services import exports
real = exports.iter_final_lines
def stalling(*args, **kwargs):
    for line in real(*args, **kwargs):
        yield line
        time.sleep(60)
exports.iter_final_lines = stalling
from draftmate.cli.commands import app
sys.argv = ["draftmate", *sys.argv[1:]]
app()
"""


def temps(where: Path) -> list[str]:
    return sorted(p.name for p in where.iterdir() if p.name.endswith(".tmp"))


def stalled_export(where: Path, name: str) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [sys.executable, "-c", STALLING, "export", "--all", "-o", str(where / name)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not temps(where):
        assert child.poll() is None, child.stderr.read() if child.stderr else b""
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.02)
    time.sleep(0.2)  # into the stall
    return child


def test_sigterm_mid_export_all_removes_the_temporary_file(runner: CliRunner, tmp_path: Path, out: Path) -> None:
    final_import(runner, tmp_path)
    child = stalled_export(out, "all.jsonl")
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 128 + signal.SIGTERM, stderr
    assert b"Traceback" not in stderr
    assert list(out.iterdir()) == []  # neither the export nor its temporary file


def test_a_sigkilled_exports_leftover_is_removed_by_the_next_write(
    runner: CliRunner, tmp_path: Path, out: Path
) -> None:
    final_import(runner, tmp_path)
    child = stalled_export(out, "all.jsonl")
    child.kill()
    child.communicate(timeout=30)
    leftover = temps(out)
    assert len(leftover) == 1 and leftover[0].startswith(fileio.TEMP_PREFIX)
    assert cli(runner, "export", "--all", "-o", "again.jsonl").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["again.jsonl"]


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    live = tmp_path / f"{fileio.TEMP_PREFIX}1-abcdefgh.tmp"  # pid 1 is always running
    live.write_text("someone is writing this")
    fileio.write_atomic(tmp_path / "x.txt", "x")
    assert live.exists()


def test_the_table_lists_every_case() -> None:
    """docs/bad-input.md has a row for each case tested here."""
    table = DOC.read_text()
    for case in (
        "FIFO or device as export target",
        "the store as export target",
        "dangling symbolic link",
        "symbolic link to a file",
        "`-o /dev/stdout`",
        "killed mid-write",
    ):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
