"""The link check fetches http(s) on globally routable addresses only: a draft's URL cannot reach a private one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.uncertainty.links import PRIVATE, LinkCheck

REPO = Path(__file__).resolve().parents[2]


class Handler(BaseHTTPRequestHandler):
    """200 at /ok; /metadata, /private and /file redirect to an address the check must refuse."""

    hits: list[str] = []
    targets = {
        "/metadata": "http://169.254.169.254/latest/meta-data/",
        "/private": "http://10.0.0.1/admin",
        "/file": "file:///etc/passwd",
    }

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Handler.hits.append(self.path)
        if self.path in self.targets:
            self.send_response(302)
            self.send_header("Location", self.targets[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Handler.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_loopback_is_refused_by_default(server: str) -> None:
    result = LinkCheck(timeout=1).check(f"http://{server}/ok")
    assert result.error == PRIVATE and not result.live and not result.dead
    assert Handler.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://10.1.2.3/",
        "http://192.168.0.1:8080/admin",
        "http://172.16.0.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost/",
        "http://2130706433/",  # 127.0.0.1 spelled as one number
    ],
)
def test_private_addresses_are_not_fetched(url: str) -> None:
    result = LinkCheck(timeout=0.5).check(url)
    assert result.error == PRIVATE, result
    assert not result.dead and not result.live


def test_only_http_and_https_are_fetched() -> None:
    result = LinkCheck(timeout=0.5).check("file:///etc/passwd")
    assert result.error.startswith("not fetched: only http and https") and not result.dead


@pytest.mark.parametrize("path", ["/metadata", "/private"])
def test_a_redirect_to_a_private_address_is_not_followed(server: str, path: str) -> None:
    result = LinkCheck(timeout=0.5, allow_loopback=True).check(f"http://{server}{path}")
    assert result.error == PRIVATE and result.status is None and not result.live and not result.dead
    assert Handler.hits == [path]


def test_a_redirect_to_another_scheme_is_not_followed(server: str) -> None:
    result = LinkCheck(timeout=0.5, allow_loopback=True).check(f"http://{server}/file")
    assert result.error.startswith("not fetched: only http and https") and not result.live


def test_the_test_seam_allows_loopback_only(server: str) -> None:
    assert LinkCheck(timeout=1, allow_loopback=True).check(f"http://{server}/ok").live
    assert LinkCheck(timeout=0.5, allow_loopback=True).check("http://10.1.2.3/").error == PRIVATE


def test_a_draft_linking_a_private_address_keeps_its_note_for_a_person(
    runner: CliRunner, server: str, tmp_path: Path
) -> None:
    page = tmp_path / "notes.md"
    page.write_text(f"# Notes\n\nThe figures are at http://{server}/ok.\n")
    result = runner.invoke(app, ["draft", "--from-file", str(page), "--check-links", "--json"])
    assert result.exit_code == 0, result.stderr
    (note,) = [n for n in json.loads(result.stdout)["notes"] if n["kind"] == "url"]
    assert note["severity"] == "verify" and note["resolution"] is None
    assert "address on a private network" in note["why"]
    assert Handler.hits == []


def test_the_readme_says_so() -> None:
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "not fetched: address on a private network" in readme


def test_the_bad_input_table_has_the_row() -> None:
    table = (REPO / "docs" / "bad-input.md").read_text()
    assert "| a link (or a redirect) to a loopback, private, link-local or cloud-metadata address" in table


def test_a_name_is_resolved_once_and_the_checked_address_connected(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: a name that answers a global address to the check, then 127.0.0.1, still reaches the first."""
    import socket

    real = socket.getaddrinfo
    lookups: list[str] = []
    connected: list[tuple[str, int]] = []

    def rebinding(host: str, port: object, *args: object, **kwargs: object) -> object:
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        lookups.append(host)
        address = "1.1.1.1" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        connected.append(address)
        raise ConnectionRefusedError("the test connects nowhere")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    result = LinkCheck(timeout=0.5).check("http://rebind.example:8080/")
    assert connected == [("1.1.1.1", 8080)] and lookups == ["rebind.example"]
    assert result.dead and result.error.startswith("could not connect")


def test_one_tls_context_serves_a_whole_run(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle for each URL made 24 links cost 3.3 s instead of 0.3 s."""
    import httpx

    made: list[object] = []
    real = httpx.create_ssl_context
    monkeypatch.setattr(httpx, "create_ssl_context", lambda *a, **k: made.append(1) or real(*a, **k))
    check = LinkCheck(timeout=1, allow_loopback=True)
    check.prefetch([f"http://{server}/ok?{i}" for i in range(5)])
    assert len(check.cache) == 5 and all(r.live for r in check.cache.values())
    assert len(made) == 1
