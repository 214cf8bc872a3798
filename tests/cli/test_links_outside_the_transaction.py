"""A slow link check does not hold the store's write lock: another `draftmate` writes while the links are fetched."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app

LONGEST_WAIT = 30.0  # seconds the server holds its answer at most, should the test fail before releasing it


class Handler(BaseHTTPRequestHandler):
    """Answers 200, but only once the test releases it: the link check is under way for as long as the test likes."""

    asked = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Handler.asked.set()
        Handler.release.wait(LONGEST_WAIT)
        try:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


@pytest.fixture
def slow_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    from draftmate.uncertainty import links

    # the server listens on 127.0.0.1, which the link check refuses by default (test_link_addresses.py)
    monkeypatch.setattr(
        links, "LinkCheck", functools.partial(links.LinkCheck, allow_loopback=True, timeout=LONGEST_WAIT)
    )
    Handler.asked.clear()
    Handler.release.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    Handler.release.set()
    httpd.shutdown()
    httpd.server_close()


def test_a_note_is_written_while_an_import_waits_on_its_links(
    runner: CliRunner, slow_server: int, tmp_path: Path
) -> None:
    other = tmp_path / "other.md"
    other.write_text("# Other\n\nA draft to note on.\n")
    created = runner.invoke(app, ["draft", "--from-file", str(other), "--json"])
    assert created.exit_code == 0, created.stderr
    other_id = json.loads(created.stdout)["id"][:8]

    page = tmp_path / "links.md"
    page.write_text(f"# Links\n\nThe figures are at http://127.0.0.1:{slow_server}/report.\n")
    imported: dict[str, object] = {}

    def import_with_links() -> None:
        result = runner.invoke(app, ["draft", "--from-file", str(page), "--check-links", "--json"])
        imported.update(code=result.exit_code, out=result.stdout, err=result.stderr)

    importer = threading.Thread(target=import_with_links)
    importer.start()
    try:
        assert Handler.asked.wait(LONGEST_WAIT), "the link was never fetched"
        # another process, as a person at another terminal: before, it waited out the busy timeout and failed
        note = subprocess.run(
            [sys.executable, "-m", "draftmate", "note", other_id, "checked the figures"],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=60,
        )
        assert note.returncode == 0, note.stderr
    finally:
        Handler.release.set()
        importer.join(LONGEST_WAIT)
    assert imported["code"] == 0, imported["err"]
    notes = json.loads(str(imported["out"]))["notes"]
    live = [n for n in notes if n["kind"] == "url"]
    assert len(live) == 1 and live[0]["resolution"]["status"] == "verified"
    shown = runner.invoke(app, ["show", other_id, "--json"])
    assert [n["why"] for n in json.loads(shown.stdout)["notes"] if n["kind"] == "human"] == ["checked the figures"]
    assert runner.invoke(app, ["verify"]).exit_code == 0
