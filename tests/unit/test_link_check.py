"""`--check-links`: each URL fetched from a local server the test starts; the status and final URL are the evidence."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.links import FakeLinkCheck, LinkCheck, LinkResult, rule_resolution


class Handler(BaseHTTPRequestHandler):
    """200 at /ok, 301 from /moved to /ok, 404 at /gone, /slow answers after 2 s."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Handler.hits.append(self.path)
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(2)
        try:
            self.send_response(404 if self.path == "/gone" else 200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Handler.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_live_link_gives_its_status(server: str) -> None:
    result = LinkCheck(allow_loopback=True, timeout=1).check(f"http://{server}/ok")
    assert (result.status, result.live, result.dead) == (200, True, False)


def test_a_redirect_is_followed_and_the_final_url_kept(server: str) -> None:
    result = LinkCheck(allow_loopback=True, timeout=1).check(f"http://{server}/moved")
    assert (result.status, result.final_url, result.live) == (200, f"http://{server}/ok", True)
    assert "after redirects, at" in result.evidence()


def test_a_404_is_dead(server: str) -> None:
    result = LinkCheck(allow_loopback=True, timeout=1).check(f"http://{server}/gone")
    assert (result.status, result.dead) == (404, True)


def test_a_timeout_decides_nothing(server: str) -> None:
    result = LinkCheck(allow_loopback=True, timeout=0.3).check(f"http://{server}/slow")
    assert result.status is None and not result.live and not result.dead
    assert result.error == "no answer within 0.3 s"


def test_a_tls_error_is_named_plainly(server: str) -> None:
    result = LinkCheck(allow_loopback=True, timeout=1).check(
        f"https://{server}/ok"
    )  # TLS spoken to a plain HTTP server
    assert result.dead and result.error.startswith("TLS error: "), result.error


def test_each_url_is_fetched_once_per_run(server: str) -> None:
    check = LinkCheck(allow_loopback=True, timeout=1)
    for _ in range(3):
        check.check(f"http://{server}/ok")
    assert Handler.hits == ["/ok"]


def test_notes_dead_links_block_live_sites_are_resolved_timeouts_stay_to_verify(server: str) -> None:
    text = (
        f"The spec is at http://{server}/ok and moved to http://{server}/moved.\n\n"
        f"The old page http://{server}/gone is cited too.\n\n"
        f"The mirror at http://localhost:{server.split(':')[1]}/slow is slow.\n"
    )
    notes = assess(text, kind="text", links=LinkCheck(allow_loopback=True, timeout=0.3)).notes
    by_line = {n.lines[0] if n.lines else 0: n for n in notes if n.kind == "url"}
    assert by_line[3].severity == "blocking" and "HTTP 404" in by_line[3].why
    live = by_line[1]
    assert live.severity == "verify" and "HTTP 200" in rule_resolution(live.signals)
    assert [r["status"] for r in live.signals["links"]["checked"]] == [200, 200]
    slow = by_line[5]
    assert not rule_resolution(slow.signals) and "could not be checked: no answer within 0.3 s" in slow.why


def test_without_a_link_check_nothing_is_fetched(server: str) -> None:
    notes = assess(f"See http://{server}/ok for the figures.\n", kind="text").notes
    assert Handler.hits == []
    assert [rule_resolution(n.signals) for n in notes if n.kind == "url"] == [""]


def test_the_fake_answers_from_its_table() -> None:
    fake = FakeLinkCheck(answers={"https://a.example/": LinkResult("https://a.example/", 200, "https://a.example/")})
    notes = assess("Read https://a.example/ and https://b.example/x today.\n", kind="text", links=fake).notes
    assert sorted(n.severity for n in notes if n.kind == "url") == ["blocking", "verify"]
    assert fake.fetched == ["https://a.example/", "https://b.example/x"]


def test_a_site_resolved_by_the_rule_adds_no_risk() -> None:
    url = "https://a.example/"
    fake = FakeLinkCheck(answers={url: LinkResult(url, 200, url)})
    checked = assess(f"Read {url} today.\n", kind="text", links=fake)
    unchecked = assess(f"Read {url} today.\n", kind="text")
    assert checked.confidence.risk == 0.0 < (unchecked.confidence.risk or 0.0)


def test_past_the_cap_links_are_not_fetched_and_stay_to_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    from draftmate.uncertainty import links

    monkeypatch.setattr(links, "MAX_LINKS", 2)
    urls = [f"https://site{i}.example/" for i in range(3)]
    fake = FakeLinkCheck(answers={u: LinkResult(u, 200, u) for u in urls})
    notes = assess("See " + ", ".join(urls) + ".\n", kind="text", links=fake).notes
    assert sorted(fake.fetched) == urls[:2]
    left = [n for n in notes if not rule_resolution(n.signals)]
    assert len(left) == 1 and left[0].severity == "verify" and "not fetched: over 2 links" in left[0].why
