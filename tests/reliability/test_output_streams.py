"""Standard streams that are full, closed or not UTF-8 give one line or work, never a traceback (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_draft_killed import start_server, stop

from reliability_support import REPO, clean_env

DRAFTMATE = [sys.executable, "-m", "draftmate"]
DOC = REPO / "docs" / "bad-input.md"
FULL = "cannot write to standard output (No space left on device)"
UNICODE_TEXT = "# Zoë’s plan ✓\n\nShips on 3 March 2025 to 40 sites.\n"


def run(
    home: Path, *args: str, env: dict[str, str] | None = None, **streams: object
) -> subprocess.CompletedProcess[str]:
    """`draftmate ARGS` as a separate process, with the streams given (stdout captured unless one is given)."""
    streams.setdefault("stdout", subprocess.PIPE)
    streams.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        [*DRAFTMATE, *args],
        env=env or clean_env(home),
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
        **streams,  # type: ignore[call-overload]
    )


@pytest.fixture
def final_draft(hermetic: Path, tmp_path: Path) -> str:
    """A final draft whose title and text are not ASCII; returns its short ID."""
    source = tmp_path / "plan.md"
    source.write_text(UNICODE_TEXT, encoding="utf-8")
    made = run(hermetic, "draft", "--from-file", str(source), "--json")
    assert made.returncode == 0, made.stderr
    record = json.loads(made.stdout)
    short = record["id"][:8]
    resolves = [f"--resolve={n['number']}=verified" for n in record["notes"]]
    approved = run(hermetic, "review", short, "--decision", "approve", "--reviewer", "Ada", *resolves)
    assert approved.returncode == 0, approved.stderr
    return str(short)


def assert_one_error(result: subprocess.CompletedProcess[str], code: int, fragment: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["show", "{id}"],
        ["show", "{id}", "--json"],
        ["export", "{id}", "-o", "-"],
        ["export", "{id}", "-o", "-", "--format", "json"],
        ["verify"],
        ["config", "show"],
        ["--version"],
        ["list", "--help"],
    ],
    ids=lambda a: " ".join(a),
)
def test_stdout_on_a_full_device_is_one_line(hermetic: Path, final_draft: str, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = run(hermetic, *(a.format(id=final_draft) for a in args), stdout=full)
    assert_one_error(result, 1, FULL)


def test_a_draft_streamed_to_a_full_device_is_stored_and_says_so(hermetic: Path) -> None:
    server, url = start_server(latency=0.0)
    env = clean_env(hermetic, DRAFTMATE_MODEL="local-model", DRAFTMATE_BASE_URL=url)
    try:
        with open("/dev/full", "w") as full:
            result = run(hermetic, "draft", "Release notes for version 2.4", "--samples", "0", env=env, stdout=full)
    finally:
        stop(server)
    assert_one_error(result, 1, FULL)
    assert "the draft is stored: draftmate show" in result.stderr
    listed = run(hermetic, "list", "--json")
    [stored] = json.loads(listed.stdout)
    assert stored["current_version"] == 1 and not stored["incomplete"]


@pytest.mark.parametrize(
    "encoding_env",
    [{"PYTHONIOENCODING": "ascii"}, {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}],
    ids=["PYTHONIOENCODING=ascii", "LANG=C"],
)
def test_an_output_that_is_not_utf8_gets_escapes(
    hermetic: Path, final_draft: str, encoding_env: dict[str, str]
) -> None:
    env = clean_env(hermetic, **encoding_env)
    listed = run(hermetic, "list", env=env)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert "Zo\\xeb" in listed.stdout  # escaped, not dropped and not a crash
    shown = run(hermetic, "show", final_draft, env=env)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    as_json = run(hermetic, "show", final_draft, "--json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["title"] == "Zoë’s plan ✓"  # JSON's own \u escapes: still the same JSON
    exported = run(hermetic, "export", final_draft, "-o", "-", env=env)
    assert exported.returncode == 0 and "Zoë" in exported.stdout  # export writes UTF-8 bytes, whatever the locale


@pytest.mark.parametrize("args", [["list"], ["show", "{id}"], ["show", "{id}", "--json"], ["config", "show"]])
def test_a_closed_stdout_or_stdin_does_not_crash(hermetic: Path, final_draft: str, args: list[str]) -> None:
    argv = [a.format(id=final_draft) for a in args]
    closed_out = run(hermetic, *argv, stdout=subprocess.DEVNULL, preexec_fn=_close(1))
    assert closed_out.returncode == 0 and closed_out.stderr == "", closed_out.stderr
    closed_in = run(hermetic, *argv, stdin=subprocess.DEVNULL, preexec_fn=_close(0))
    assert closed_in.returncode == 0 and "Traceback" not in closed_in.stderr, closed_in.stderr
    assert closed_in.stdout.strip()


def test_commands_that_read_stdin_say_what_is_missing_when_it_is_closed(hermetic: Path, final_draft: str) -> None:
    assert_one_error(run(hermetic, "draft", "-", preexec_fn=_close(0)), 2, "standard input is empty")
    assert_one_error(run(hermetic, "review", final_draft, preexec_fn=_close(0)), 2, "needs a terminal")


def _close(fd: int) -> object:
    """A preexec_fn that closes `fd` in the child, as `<&-` or `>&-` would."""

    def close() -> None:
        os.close(fd)

    return close


def test_the_table_lists_the_stream_cases() -> None:
    """docs/bad-input.md has a row for each case tested here."""
    table = DOC.read_text()
    for case in ("/dev/full", "PYTHONIOENCODING=ascii", "closed stdin or stdout"):
        assert case in table, f"docs/bad-input.md has no row for {case!r}"
