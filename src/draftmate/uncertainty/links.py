"""Checking a draft's links by fetching them (`--check-links`): the one network seam of the text checks, and its fake.

Off by default and never required: without a `LinkCheck` no URL is fetched. With one, each URL is fetched once per
run (a cache keyed by URL), with a timeout, redirects followed; the status and final URL are the evidence. A link
that answers 2xx is live: its note is resolved by the rule. One that answers 4xx/5xx, or cannot be reached at all
(refused, no such host, a TLS error) is dead: a blocking note. A timeout decides nothing: the note stays to verify.

The URLs come from untrusted text, so only http(s) is fetched, and only from hosts whose every address is globally
routable, checked for the first URL and again for each redirect: a draft cannot make draftmate ask a loopback,
private, link-local or cloud-metadata address (169.254.169.254) and have the answer vouch for the link.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

TIMEOUT = 5.0  # seconds for one URL, connect and read
MAX_REDIRECTS = 10
MAX_LINKS = 50  # URLs fetched per draft at most; the rest keep their note to verify, saying so
WORKERS = 8  # URLs fetched at once
UNDECIDED = ("no answer within", "not fetched")  # errors that say nothing about the link itself
PRIVATE = "not fetched: address on a private network"
SCHEMES = ("http", "https")
_TLS_MADE = threading.Lock()


class Refused(Exception):
    """A URL or redirect hop draftmate will not fetch; the message says why, for the note."""


@dataclass(frozen=True)
class LinkResult:
    """What fetching one URL showed."""

    url: str
    status: int | None = None  # the final response's status; None when there was none
    final_url: str = ""
    error: str = ""  # why there was no response, in plain words

    @property
    def live(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def dead(self) -> bool:
        """A link a reader cannot follow: an error status, or refused, unknown host, TLS failure (not a timeout)."""
        if self.status is not None:
            return self.status >= 400
        return bool(self.error) and not self.error.startswith(UNDECIDED)

    def evidence(self) -> str:
        """One line a reviewer reads: status and where it ended, or the error."""
        if self.status is None:
            return f"{self.url}: {self.error}"
        moved = f" after redirects, at {self.final_url}" if self.final_url and self.final_url != self.url else ""
        return f"{self.url}: HTTP {self.status}{moved}"

    def as_json(self) -> dict[str, object]:
        return {"url": self.url, "status": self.status, "final_url": self.final_url, "error": self.error}


def rule_resolution(signals: dict[str, Any]) -> str:
    """The evidence with which the link check resolved a note (every link live), or "" when it did not."""
    links = signals.get("links")
    return str(links.get("resolved") or "") if isinstance(links, dict) else ""


@dataclass
class LinkCheck:
    """Fetches URLs over HTTP(S) with httpx, each once per run."""

    timeout: float = TIMEOUT
    cache: dict[str, LinkResult] = field(default_factory=dict)
    # For tests only, whose server listens on 127.0.0.1: the CLI never sets it, and no setting or variable does.
    allow_loopback: bool = False
    # one TLS context for the run: loading the CA bundle for each URL cost 0.05 s a link
    tls: Any = field(default=None, init=False, repr=False, compare=False)

    def check(self, url: str) -> LinkResult:
        """The result for `url`, fetched on first asking; past MAX_LINKS URLs a run fetches no more."""
        if url not in self.cache:
            if len(self.cache) >= MAX_LINKS:
                return LinkResult(url, error=f"not fetched: over {MAX_LINKS} links in one draft")
            self.cache[url] = self.fetch(url)
        return self.cache[url]

    def prefetch(self, urls: list[str]) -> None:
        """Fetch the URLs not yet cached, WORKERS at a time (a draft of 50 slow links waits 7 timeouts, not 50)."""
        from concurrent.futures import ThreadPoolExecutor

        todo = [u for u in dict.fromkeys(urls) if u not in self.cache][: max(0, MAX_LINKS - len(self.cache))]
        if len(todo) < 2:
            return
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for url, result in zip(todo, pool.map(self.fetch, todo), strict=True):
                self.cache[url] = result

    def fetch(self, url: str) -> LinkResult:
        """One GET, redirects followed, the body not read: the seam a fake replaces.

        Each request, the first and every redirect, must be http(s) (an event hook); each connection resolves its
        host once, refuses it unless every address is globally routable, and connects to the address it checked
        (so a name that resolves elsewhere the second time cannot slip past). The environment's proxy settings are
        not used: a proxy would fetch whatever address it was asked for."""
        import httpx

        def check_scheme(request: httpx.Request) -> None:
            if request.url.scheme not in SCHEMES:
                raise Refused(f"not fetched: only http and https links are fetched, not {request.url.scheme}")

        with _TLS_MADE:  # prefetch's threads all start here at once: one makes it, the others wait
            if self.tls is None:
                self.tls = httpx.create_ssl_context(trust_env=False)
        try:
            with httpx.Client(
                transport=_pinned_transport(self.allow_loopback, self.tls),
                timeout=self.timeout,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                trust_env=False,
                event_hooks={"request": [check_scheme]},
            ) as client:
                with client.stream("GET", url, headers={"User-Agent": "draftmate link check"}) as response:
                    return LinkResult(url, response.status_code, str(response.url))
        except Refused as exc:
            return LinkResult(url, error=str(exc))
        except httpx.TimeoutException:
            return LinkResult(url, error=f"no answer within {self.timeout:g} s")
        except httpx.TooManyRedirects:
            return LinkResult(url, error=f"more than {MAX_REDIRECTS} redirects")
        except httpx.ConnectError as exc:
            return LinkResult(url, error=_connect_error(exc))
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            return LinkResult(url, error=f"could not fetch it ({type(exc).__name__}: {str(exc)[:200]})")


def _pinned_transport(allow_loopback: bool, tls: Any) -> Any:
    """An httpx transport whose connections go only to checked, globally routable addresses (`checked_addresses`).

    httpx takes no network backend, so the pool it would build is replaced by one with ours (httpx pinned, <1)."""
    import httpcore
    import httpx

    class PinnedBackend(httpcore.SyncBackend):
        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Any = None,
        ) -> httpcore.NetworkStream:
            failure: httpcore.ConnectError | None = None
            for address in checked_addresses(host, port, allow_loopback):  # in order, as a resolver's answer is
                try:
                    return super().connect_tcp(address, port, timeout, local_address, socket_options)
                except httpcore.ConnectError as exc:
                    failure = exc
            raise failure or httpcore.ConnectError(f"{host} has no address")

    transport = httpx.HTTPTransport(verify=tls, trust_env=False)
    transport._pool = httpcore.ConnectionPool(ssl_context=tls, network_backend=PinnedBackend())
    return transport


def checked_addresses(host: str, port: int, allow_loopback: bool = False) -> list[str]:
    """The addresses to connect to for `host`: resolved once, refused (Refused) unless every one is global.

    A name that does not resolve is a connection error, as it always was: a dead link."""
    import ipaddress
    import socket

    import httpcore

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    addresses = [str(info[4][0]) for info in infos]
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0) cut off
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
        address = mapped or address
        if not (address.is_global or (allow_loopback and address.is_loopback)):
            raise Refused(PRIVATE)
    return list(dict.fromkeys(addresses))


def _connect_error(exc: Exception) -> str:
    """A connection failure named plainly: a TLS error says so, with the reason the TLS library gave."""
    import ssl

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "reason", None) or getattr(cause, "verify_message", None) or str(cause)
            return f"TLS error: {str(reason)[:200]}"
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "SSL" in text or "certificate" in text.lower():
        return f"TLS error: {text[:200]}"
    return f"could not connect ({text[:200]})"


@dataclass
class FakeLinkCheck(LinkCheck):
    """A link check that answers from a table: for tests and benchmarks, no network."""

    answers: dict[str, LinkResult] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    def fetch(self, url: str) -> LinkResult:
        self.fetched.append(url)
        return self.answers.get(url, LinkResult(url, error="could not connect (not in the fake's table)"))
