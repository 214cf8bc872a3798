"""How draftmate's model cassettes are recorded and replayed: one vcrpy configuration for tests and recorder.

Requests match on their body as well (every chat request is a POST to the same URL); secrets are scrubbed from
requests *and* responses before anything is written; compressed bodies are stored decoded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RECORDED_WITH = HERE / "recorded_with.json"
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
SECRET_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
)
SECRET_QUERY = ("api_key", "api-key", "key")


def public_url(url: str) -> str:
    """`url` without credentials: no user:password@ (a gateway's basic auth) and no secret query parameters."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in SECRET_QUERY])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub_request(request: Any) -> Any:
    """A request without credentials, as it may be written to disk."""
    for name in list(request.headers):
        if name.lower() in SECRET_HEADERS:
            del request.headers[name]
    request.uri = public_url(request.uri)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """A response without cookies or account identifiers."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


def make_vcr(record_mode: str = "none") -> Any:
    """The configured VCR; tests use record mode `none`, so a request not on tape fails."""
    import vcr

    return vcr.VCR(
        cassette_library_dir=str(HERE),
        record_mode=record_mode,
        match_on=MATCH_ON,
        decode_compressed_response=True,
        filter_headers=list(SECRET_HEADERS),
        filter_query_parameters=list(SECRET_QUERY),
        before_record_request=scrub_request,
        before_record_response=scrub_response,
    )


def recorded_with() -> dict[str, str]:
    """The endpoint and models the cassettes were recorded against; replays must use the same."""
    return dict(json.loads(RECORDED_WITH.read_text(encoding="utf-8")))
