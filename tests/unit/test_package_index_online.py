"""The optional online check of imports on PyPI: asked only when on, within its time limit, answers cached a week."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.uncertainty.code_checks import code_checks
from draftmate.uncertainty.package_index import EXISTS, MISSING, OnlineCheck, ask_pypi, distribution_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"
REAL, ABSENT, SLOW = "zqxrealpkg", "zqxnopkg", "zqxslowpkg"  # names no offline list knows
# Lines 1, 6 and 11, apart, so the review does not merge the three notes into one.
CODE = "\n\n\n".join(f"import {name}\n\nprint({name})" for name in (REAL, ABSENT, SLOW)) + "\n"


class FakePyPI:
    """A local stand-in for PyPI's JSON API: 200 for REAL, 404 for others, no answer in time for SLOW."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.paths.append(self.path)
                if self.path == f"/pypi/{SLOW}/json":
                    time.sleep(5)
                status = 200 if self.path in (f"/pypi/{REAL}/json", f"/pypi/{SLOW}/json") else 404
                body = b'{"info": {}}' if status == 200 else b'{"message": "Not Found"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up on the slow name
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pypi"

    def asked(self, name: str) -> int:
        """How many requests reached the server for `name`."""
        return self.paths.count(f"/pypi/{name}/json")


@pytest.fixture
def pypi() -> Iterator[FakePyPI]:
    fake = FakePyPI()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_the_names_are_unknown_offline() -> None:
    assert all(distribution_for(name) is None for name in (REAL, ABSENT, SLOW))


def test_answers_are_cached_and_errors_are_not(pypi: FakePyPI, tmp_path: Path) -> None:
    check = OnlineCheck(cache=tmp_path / "pypi-cache.json", base_url=pypi.url, timeout=0.5)
    started = time.monotonic()
    first = ask_pypi([REAL, ABSENT, SLOW], check)
    assert time.monotonic() - started < 2.0  # the slow name costs the time limit, not the server's 5 s
    assert first[REAL] == EXISTS and first[ABSENT] == MISSING
    assert first[SLOW].startswith("no answer within 0.5 s")
    entries = json.loads(check.cache.read_text())["entries"]
    assert set(entries) == {REAL, ABSENT}  # the timeout is not cached
    assert entries[REAL]["exists"] is True and entries[ABSENT]["exists"] is False
    assert all(time.time() - e["checked"] < 60 for e in entries.values())

    second = ask_pypi([REAL, ABSENT, SLOW], check)
    assert second[REAL] == EXISTS and second[ABSENT] == MISSING
    assert pypi.asked(REAL) == 1 and pypi.asked(ABSENT) == 1  # answered from the cache
    assert pypi.asked(SLOW) == 2  # an error is asked again


def test_a_week_old_answer_is_asked_again(pypi: FakePyPI, tmp_path: Path) -> None:
    cache = tmp_path / "pypi-cache.json"
    old = time.time() - 8 * 24 * 3600
    cache.write_text(json.dumps({"version": 1, "entries": {REAL: {"exists": False, "checked": old}}}))
    assert ask_pypi([REAL], OnlineCheck(cache=cache, base_url=pypi.url)) == {REAL: EXISTS}
    assert pypi.asked(REAL) == 1


def test_a_damaged_cache_is_an_empty_one(pypi: FakePyPI, tmp_path: Path) -> None:
    cache = tmp_path / "pypi-cache.json"
    cache.write_text("{not json")
    assert ask_pypi([ABSENT], OnlineCheck(cache=cache, base_url=pypi.url)) == {ABSENT: MISSING}
    assert json.loads(cache.read_text())["entries"][ABSENT]["exists"] is False


def test_a_cache_that_is_a_fifo_is_neither_waited_on_nor_replaced(pypi: FakePyPI, tmp_path: Path) -> None:
    cache = tmp_path / "pypi-cache.json"
    os.mkfifo(cache)  # reading it would wait for a writer for ever
    assert ask_pypi([ABSENT], OnlineCheck(cache=cache, base_url=pypi.url)) == {ABSENT: MISSING}
    assert stat.S_ISFIFO(cache.lstat().st_mode)


def test_only_an_http_address_is_asked(tmp_path: Path) -> None:
    local = tmp_path / "local" / ABSENT / "json"
    local.parent.mkdir(parents=True)
    local.write_text("{}")
    check = OnlineCheck(cache=tmp_path / "c.json", base_url=f"file://{tmp_path / 'local'}")
    assert ask_pypi([ABSENT], check) == {ABSENT: "could not ask PyPI: its address must be an http(s) URL"}
    assert not (tmp_path / "c.json").exists()


def test_at_most_the_limit_of_names_is_asked(pypi: FakePyPI, tmp_path: Path) -> None:
    names = [f"zqxname{i}" for i in range(5)]
    answers = ask_pypi(names, OnlineCheck(cache=tmp_path / "c.json", base_url=pypi.url, limit=3))
    assert len(pypi.paths) == 3
    assert [answers[n] for n in names[3:]] == ["not asked: more than 3 unknown names in one draft"] * 2


def test_notes_say_what_pypi_answered(pypi: FakePyPI, tmp_path: Path) -> None:
    check = OnlineCheck(cache=tmp_path / "pypi-cache.json", base_url=pypi.url, timeout=0.5)
    notes, _ = code_checks(CODE, "python", online=check)
    found = {n.lines[0]: (n.severity, n.why) for n in notes if n.lines}
    assert found[1][0] == "verify"
    assert f"the PyPI project '{REAL}' exists (checked online" in found[1][1] and "squatted" in found[1][1]
    assert found[6][0] == "blocking" and "may not exist" in found[6][1]
    assert f"PyPI has no project named '{ABSENT}' (checked online)" in found[6][1]
    assert found[11][0] == "blocking" and "may not exist" in found[11][1]
    assert f"the online check of '{SLOW}' on PyPI could not be made (no answer within 0.5 s)" in found[11][1]


def _draft(runner: CliRunner, tmp_path: Path, env: dict[str, str]) -> dict[int, tuple[str, str]]:
    source = tmp_path / "tool.py"
    source.write_text(CODE)
    result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"], env=env)
    assert result.exit_code == 0, result.output
    return {n["lines"][0]: (n["severity"], n["why"]) for n in json.loads(result.stdout)["notes"] if n.get("lines")}


def test_draft_asks_pypi_when_the_setting_is_on_and_uses_the_cache_next_time(
    pypi: FakePyPI, runner: CliRunner, hermetic: Path, tmp_path: Path
) -> None:
    env = {"DRAFTMATE_CHECK_PACKAGES_ONLINE": "true", "DRAFTMATE_PYPI_URL": pypi.url}
    started = time.monotonic()
    found = _draft(runner, tmp_path, env)
    assert time.monotonic() - started < 6  # three names, one draft: one 3 s limit, not three
    assert found[1][0] == "verify" and "checked online" in found[1][1]
    assert found[6][0] == "blocking" and f"PyPI has no project named '{ABSENT}'" in found[6][1]
    assert found[11][0] == "blocking" and "could not be made" in found[11][1]
    assert set(json.loads((hermetic / "pypi-cache.json").read_text())["entries"]) == {REAL, ABSENT}

    again = _draft(runner, tmp_path, env)
    assert again[1] == found[1] and again[6] == found[6]
    assert pypi.asked(REAL) == 1 and pypi.asked(ABSENT) == 1


def test_with_the_setting_off_nothing_is_asked(
    pypi: FakePyPI, runner: CliRunner, hermetic: Path, tmp_path: Path
) -> None:
    found = _draft(runner, tmp_path, {"DRAFTMATE_PYPI_URL": pypi.url})
    assert pypi.paths == []
    assert not (hermetic / "pypi-cache.json").exists()
    assert [found[line][0] for line in (1, 6, 11)] == ["blocking"] * 3
    assert not any("online" in why for _, why in found.values())


def test_config_set_turns_it_on_and_config_show_lists_it(
    pypi: FakePyPI, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = runner.invoke(app, ["config", "show", "--json"])
    assert json.loads(shown.stdout)["check_packages_online"] == {"value": False, "source": "default"}
    assert runner.invoke(app, ["config", "set", "check_packages_online", "true"]).exit_code == 0
    shown = runner.invoke(app, ["config", "show"])
    assert "check_packages_online" in shown.stdout and "True" in shown.stdout
    monkeypatch.setenv("DRAFTMATE_PYPI_URL", pypi.url)
    found = _draft(runner, tmp_path, {})
    assert "checked online" in found[1][1] and pypi.asked(REAL) == 1


def test_a_value_that_is_not_a_boolean_is_refused(runner: CliRunner, hermetic: Path) -> None:
    result = runner.invoke(app, ["config", "set", "check_packages_online", "maybe"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid configuration: check_packages_online:")
    assert result.stderr.count("\n") == 1 and "(from config set)" in result.stderr
    assert not (hermetic / "config.toml").exists()


def test_the_table_lists_every_case() -> None:
    table = DOC.read_text()
    for case in ("`check_packages_online` not a boolean", "PyPI unreachable, slow", "damaged `pypi-cache.json`"):
        assert case in table, case
