"""`draft --from-file F --check-links` and `config set check_links true`, against a local server the test starts."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from reliability_support import one_line_error

REPO = Path(__file__).resolve().parent.parent.parent


class Handler(BaseHTTPRequestHandler):
    """200 everywhere but /gone (404)."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Handler.hits.append(self.path)
        self.send_response(404 if self.path == "/gone" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server here listens on 127.0.0.1, which the link check refuses by default (test_link_addresses.py)."""
    from draftmate.uncertainty import links

    monkeypatch.setattr(links, "LinkCheck", functools.partial(links.LinkCheck, allow_loopback=True))


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Path]:
    Handler.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    path = tmp_path / "notes.md"
    path.write_text(
        f"# Notes\n\nThe figures are at http://127.0.0.1:{port}/report.\n\n"
        f"The first draft cited http://localhost:{port}/gone as well.\n"
    )
    yield path
    httpd.shutdown()
    httpd.server_close()


def notes_of(result: object) -> list[dict[str, object]]:
    assert getattr(result, "exit_code", None) == 0, getattr(result, "stderr", "")
    return list(json.loads(getattr(result, "stdout", ""))["notes"])


def test_check_links_blocks_a_dead_link_and_resolves_a_live_one(runner: CliRunner, page: Path) -> None:
    notes = notes_of(runner.invoke(app, ["draft", "--from-file", str(page), "--check-links", "--json"]))
    dead = [n for n in notes if n["severity"] == "blocking"]
    assert len(dead) == 1 and "HTTP 404" in str(dead[0]["why"]) and dead[0]["resolution"] is None
    live = [n for n in notes if n["kind"] == "url" and n["severity"] == "verify"]
    assert len(live) == 1
    resolution = live[0]["resolution"]
    assert isinstance(resolution, dict) and resolution["status"] == "verified"
    assert resolution["by"] == "draftmate check-links" and "HTTP 200" in resolution["comment"]
    assert sorted(Handler.hits) == ["/gone", "/report"]


def test_by_default_no_link_is_fetched(runner: CliRunner, page: Path) -> None:
    notes = notes_of(runner.invoke(app, ["draft", "--from-file", str(page), "--json"]))
    assert Handler.hits == []
    assert {n["severity"] for n in notes} == {"verify"} and all(n["resolution"] is None for n in notes)


def test_config_check_links_true_turns_it_on(runner: CliRunner, page: Path) -> None:
    assert runner.invoke(app, ["config", "set", "check_links", "true"]).exit_code == 0
    notes = notes_of(runner.invoke(app, ["draft", "--from-file", str(page), "--json"]))
    assert any(n["severity"] == "blocking" for n in notes) and Handler.hits


def test_a_rule_resolved_note_needs_no_answer_in_review(runner: CliRunner, page: Path) -> None:
    page.write_text(page.read_text().replace("/gone", "/fine"))
    created = json.loads(runner.invoke(app, ["draft", "--from-file", str(page), "--check-links", "--json"]).stdout)
    assert created["notes"] and all(n["resolution"] for n in created["notes"])
    approved = runner.invoke(app, ["review", created["id"][:8], "--decision", "approve", "--reviewer", "Ann"])
    assert approved.exit_code == 0, approved.stderr


def test_check_links_not_a_boolean_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["config", "set", "check_links", "maybe"])
    one_line_error(result, 2, "check_links: Input should be a valid boolean")


def test_the_bad_input_table_has_the_check_links_rows() -> None:
    table = (REPO / "docs" / "bad-input.md").read_text()
    assert "| `check_links` not a boolean (`maybe`)" in table
    assert "| a link that cannot be fetched with `--check-links`" in table


def test_the_model_path_and_the_environment_turn_it_on_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from draftmate.domain.records import Kind
    from draftmate.services.assess import link_check
    from draftmate.settings.config import resolve

    assert link_check(Kind.TEXT) is None
    assert resolve({"check_links": True})[0].check_links  # `draft SPEC --check-links` passes it as a flag
    monkeypatch.setenv("DRAFTMATE_CHECK_LINKS", "true")
    assert link_check(Kind.TEXT) is not None
    assert link_check(Kind.TEXT, False) is None
    monkeypatch.setenv("DRAFTMATE_CHECK_LINKS", "maybe")
    assert link_check(Kind.TEXT) is None  # unreadable settings leave it off
