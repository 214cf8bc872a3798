"""No cassette holds a secret, and the scrubbers remove credentials from requests and responses."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CASSETTES = sorted((REPO / "cassettes").glob("*.yaml"))
sys.path.insert(0, str(REPO / "cassettes"))

import vcr_config  # noqa: E402

SECRET_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_-]{8,}"),  # OpenAI-style keys
    re.compile(r"Bearer\s+\S+", re.I),
    re.compile(
        r"^\s*(authorization|cookie|set-cookie|openai-organization|openai-project|api-key|x-api-key):", re.I | re.M
    ),
    re.compile(r"org-[A-Za-z0-9]{12,}"),
    re.compile(r"proj_[A-Za-z0-9]{12,}"),
    re.compile(r"__cf_bm=|_cfuvid="),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),  # a signing key (provenance/signing.py writes PKCS#8 PEM)
]


def test_there_are_cassettes() -> None:
    assert len(CASSETTES) >= 4


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.name)
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for pattern in SECRET_PATTERNS:
        found = pattern.search(text)
        assert found is None, f"{path.name} holds a secret-looking value: {found.group(0)[:20]}..."


def test_the_scan_would_catch_a_leak() -> None:
    leaked = "headers:\n  authorization:\n  - Bearer sk-abcdefghijklmnop\n"
    assert all(p.search(leaked) for p in SECRET_PATTERNS[:3])
    assert SECRET_PATTERNS[-1].search("body: '-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEI...'")


def test_request_scrubber_removes_credentials() -> None:
    from vcr.request import Request

    request = Request(
        "POST",
        "http://127.0.0.1:8765/v1/chat/completions",
        b"{}",
        {
            "Authorization": "Bearer sk-live-1234567890",
            "OpenAI-Organization": "org-abcdefabcdefabcdef",
            "OpenAI-Project": "proj_abcdefabcdefabcdef",
            "Cookie": "session=1",
            "content-type": "application/json",
        },
    )
    scrubbed = vcr_config.scrub_request(request)
    assert {k.lower() for k in scrubbed.headers} == {"content-type"}


def test_response_scrubber_removes_cookies_and_account_headers() -> None:
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Set-Cookie": ["__cf_bm=abc"],
            "openai-organization": ["org-abc"],
            "openai-project": ["proj_abc"],
            "content-type": ["application/json"],
        },
        "body": {"string": "{}"},
    }
    assert list(vcr_config.scrub_response(response)["headers"]) == ["content-type"]


def test_replay_configuration_is_strict() -> None:
    recorder = vcr_config.make_vcr()
    assert recorder.record_mode == "none"
    assert "body" in recorder.match_on
    assert recorder.decode_compressed_response is True
