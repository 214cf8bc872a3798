"""A review of the model path: secrets echoed back, answers that are not chat completions, empty answers, bad
endpoint URLs, `draft --retry` flags, cassette URIs. Real openai SDK and ChatOpenAI over an in-process transport."""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from test_http_faults import DRAFT, Endpoint, chat, chunks, completion, settings, sse
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.llm import chat as llm
from draftmate.services import generate as generation
from draftmate.store.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-live-abcdefghijklmnopqrstuvwx"
PASSWORD = "gw-pass-7f3e9c1d"
Handler = Callable[[httpx2.Request, dict[str, Any]], httpx2.Response | None]


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> list[Endpoint]:
    """The CLI's model answered by the scripted Endpoint put in this list (the last one wins)."""
    endpoints: list[Endpoint] = [Endpoint()]
    real = llm.build_chat

    def build(config: Any, **_: Any) -> Any:
        return real(config, http_client=httpx2.Client(transport=httpx2.MockTransport(endpoints[-1])))

    monkeypatch.setattr(llm, "build_chat", build)
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://mock.local/v1")
    return endpoints


def home_bytes(home: Path) -> bytes:
    """Everything draftmate wrote under its home (the database, its WAL, config), as bytes."""
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def stored(home: Path) -> tuple[SQLiteStore, list[Any]]:
    kept = SQLiteStore(home / "draftmate.db")
    return kept, kept.list_drafts()


# ---- secrets echoed back by a server ------------------------------------------------------------------------


def echo_credentials(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response:
    """A gateway that quotes the request's credentials back in its error (some proxies do)."""
    message = f"denied {request.url} with Authorization: {request.headers.get('authorization')} (key {KEY})"
    return httpx2.Response(400, json={"error": {"message": message}})


@pytest.mark.parametrize(
    "base_url",
    ["http://mock.local/v1", f"http://team:{PASSWORD}@mock.local/v1"],
    ids=["key-in-header", "password-in-url"],
)
def test_a_server_echoing_credentials_leaves_them_in_no_store_row_and_no_output(
    endpoint: list[Endpoint], runner: CliRunner, hermetic: Path, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    monkeypatch.setenv("DRAFTMATE_API_KEY", KEY)
    monkeypatch.setenv("DRAFTMATE_BASE_URL", base_url)
    endpoint.append(Endpoint(echo_credentials))
    basic = base64.b64encode(f"team:{PASSWORD}".encode()).decode()
    secrets = (KEY, PASSWORD, basic, KEY[-12:])

    drafted = runner.invoke(app, ["draft", "Release notes for v2", "--samples", "0"])
    assert drafted.exit_code == 1 and drafted.stderr.count("\n") == 1, drafted.stderr
    assert "HTTP 400" in drafted.stderr and "--retry" in drafted.stderr
    kept, [row] = stored(hermetic)
    try:
        shown = runner.invoke(app, ["show", row.id[:8], "--json"]).stdout
        audit = json.dumps([e.payload for e in kept.iter_audit()])
    finally:
        kept.close()
    brainstormed = runner.invoke(app, ["brainstorm", "onboarding", "-n", "1"])
    assert brainstormed.exit_code == 1
    doctor = runner.invoke(app, ["doctor", "--json"])
    outputs = drafted.stderr + shown + audit + brainstormed.stderr + doctor.stdout + doctor.stderr
    assert "HTTP 400" in doctor.stdout
    for secret in secrets:
        assert secret not in outputs
        assert secret.encode() not in home_bytes(hermetic), "a secret reached the store"


# ---- answers that are not chat completions --------------------------------------------------------------------

NOT_AN_API: dict[str, Handler] = {
    "html-page": lambda r, b: httpx2.Response(200, text="<html>Sign in</html>", headers={"content-type": "text/html"}),
    "json-without-choices": lambda r, b: httpx2.Response(200, json={"object": "list", "data": []}),
    "stream-ignored": lambda r, b: httpx2.Response(200, json=completion(b.get("model", "m"), DRAFT)),
}


@pytest.mark.parametrize("answer", NOT_AN_API.values(), ids=NOT_AN_API.keys())
def test_an_endpoint_that_does_not_speak_the_api_is_a_one_line_error_everywhere(
    endpoint: list[Endpoint], runner: CliRunner, hermetic: Path, answer: Handler
) -> None:
    endpoint.append(Endpoint(answer))
    lines = {}
    for args in (["draft", "Release notes", "--samples", "2"], ["brainstorm", "onboarding", "-n", "2"]):
        result = runner.invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == 1
        [lines[args[0]]] = result.stderr.strip().splitlines()
        assert lines[args[0]].startswith("error: ")
    assert "check the base URL" in lines["draft"] and "--retry" in lines["draft"]
    kept, [row] = stored(hermetic)
    try:
        assert row.incomplete and kept.get_draft(row.id).request["spec"] == "Release notes"
    finally:
        kept.close()
    doctor = runner.invoke(app, ["doctor", "--json"])
    assert doctor.exception is None or isinstance(doctor.exception, SystemExit), repr(doctor.exception)
    assert doctor.exit_code == 1
    assert "fail" in {c["status"] for c in json.loads(doctor.stdout)}


# ---- empty answers and refusals ---------------------------------------------------------------------------------


def refusal_stream(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
    """A streamed refusal: the text comes in `delta.refusal`, the content stays empty."""
    if not body.get("stream"):
        return None
    base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": body["model"]}
    events = [
        {**base, "choices": [{"index": 0, "delta": {"refusal": "I can't help with that."}, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    return httpx2.Response(200, text=sse(events), headers={"content-type": "text/event-stream"})


def empty_stream(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
    if not body.get("stream"):
        return None
    return httpx2.Response(
        200, text=sse(chunks(body["model"], " \n", finish="stop")), headers={"content-type": "text/event-stream"}
    )


@pytest.mark.parametrize("answer", [empty_stream, refusal_stream], ids=["empty", "refusal"])
def test_an_empty_answer_is_an_error_with_the_request_kept_not_a_finished_draft(
    endpoint: list[Endpoint], runner: CliRunner, hermetic: Path, answer: Handler
) -> None:
    endpoint.append(Endpoint(answer))
    result = runner.invoke(app, ["draft", "Release notes", "--samples", "0"])
    assert result.exit_code == 1, result.stdout
    [line] = result.stderr.strip().splitlines()
    assert "empty answer" in line and "draftmate draft --retry" in line
    kept, [row] = stored(hermetic)
    try:
        assert row.incomplete
        [note] = kept.list_notes(row.id)
        assert note.kind == "incomplete" and note.severity.value == "blocking"
        again = runner.invoke(app, ["draft", "--retry", row.id[:8]])
        assert again.exit_code == 1 and "is unchanged" in again.stderr
        assert kept.get_draft(row.id).current_version == 1, "an empty retry adds no version"
    finally:
        kept.close()


# ---- endpoint URLs that cannot work ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [f"http://team:{PASSWORD}@localhost:port/v1", "localhost:11434/v1", "ftp://files.example.com/v1"],
    ids=["port-not-a-number", "no-scheme", "not-http"],
)
def test_a_base_url_that_cannot_work_is_a_config_error_naming_the_fix(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DRAFTMATE_BASE_URL", url)
    for args in (["config", "show"], ["draft", "x"], ["brainstorm", "x"], ["doctor"]):
        result = runner.invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), f"{args}: {result.exception!r}"
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        text = result.stdout + result.stderr
        assert "base_url" in text and "http://localhost:11434/v1" in text and PASSWORD not in text
    refused = runner.invoke(app, ["config", "set", "base_url", "localhost:11434/v1"])
    assert refused.exit_code == 2 and "base_url" in refused.stderr


# ---- draft --retry -----------------------------------------------------------------------------------------


def test_retry_honours_samples_and_records_the_endpoint_it_used(
    endpoint: list[Endpoint], runner: CliRunner, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cut(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        if body.get("stream"):
            events = chunks(body["model"], "# Release", finish="length")
            return httpx2.Response(200, text=sse(events), headers={"content-type": "text/event-stream"})
        return None

    endpoint.append(Endpoint(cut))
    first = json.loads(runner.invoke(app, ["draft", "Release notes", "--samples", "2", "--json"]).stdout)
    assert first["incomplete"]
    second = Endpoint()
    endpoint.append(second)
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://other.local/v1")
    result = runner.invoke(app, ["draft", "--retry", first["id"][:8], "--samples", "0", "--json"])
    assert result.exit_code == 0, result.stderr
    sample_requests = [b for _, b in second.seen if not b.get("stream") and not b.get("response_format")]
    assert sample_requests == [], "--samples 0 on a retry draws no samples"
    kept = SQLiteStore(hermetic / "draftmate.db")
    try:
        request = kept.get_draft(first["id"]).request
        assert request["samples"] == 0 and request["base_url_host"] == "other.local"
        assert kept.get_version(first["id"]).meta["params"]["samples"] == 0
    finally:
        kept.close()


# ---- error messages that name the right fix ----------------------------------------------------------------


def test_an_exhausted_quota_does_not_say_wait_and_retry(store: SQLiteStore) -> None:
    def quota(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response:
        error = {
            "message": "You exceeded your current quota",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        }
        return httpx2.Response(429, json={"error": error}, headers={"x-should-retry": "false"})

    config = settings()
    outcome = generation.draft(store, config, spec="x", chat=chat(Endpoint(quota), config))
    assert outcome.error is not None and "quota" in outcome.error and "wait and retry" not in outcome.error
    assert "billing" in outcome.error


class Broken(httpx2.SyncByteStream):
    """An answer whose connection drops after the first words."""

    def __init__(self, model: str) -> None:
        self.model = model

    def __iter__(self) -> Any:
        yield sse(chunks(self.model, "# Release notes are", finish=None, usage=False), done=False).encode()
        raise httpx2.RemoteProtocolError("peer closed connection without sending complete message body")


def test_a_connection_dropped_mid_answer_keeps_the_words_and_does_not_ask_if_the_server_runs(
    store: SQLiteStore,
) -> None:
    def drop(request: httpx2.Request, body: dict[str, Any]) -> httpx2.Response | None:
        if body.get("stream"):
            return httpx2.Response(200, stream=Broken(body["model"]), headers={"content-type": "text/event-stream"})
        return None

    config = settings()
    outcome = generation.draft(store, config, spec="x", chat=chat(Endpoint(drop), config))
    assert store.get_version(outcome.draft.id).content == "# Release notes are" and outcome.draft.incomplete
    assert outcome.error is not None and "is the server running" not in outcome.error
    assert "mid-answer" in outcome.error


# ---- cassettes ---------------------------------------------------------------------------------------------


def test_recording_against_a_url_with_credentials_writes_none_of_them() -> None:
    sys.path.insert(0, str(REPO / "cassettes"))
    import vcr_config
    from vcr.request import Request

    url = f"https://team:{PASSWORD}@gw.example.com:8443/v1/chat/completions?api-version=2024-06-01&key={KEY}"
    scrubbed = vcr_config.scrub_request(Request("POST", url, b"{}", {}))
    assert scrubbed.uri == "https://gw.example.com:8443/v1/chat/completions?api-version=2024-06-01"
    assert scrubbed.host == "gw.example.com" and scrubbed.port == 8443, "replays still match on host and port"


def test_no_cassette_or_replay_setting_holds_url_credentials() -> None:
    userinfo = re.compile(r"\w+://[^/\s@]*@")
    for path in [*sorted((REPO / "cassettes").glob("*.yaml")), REPO / "cassettes" / "recorded_with.json"]:
        assert userinfo.search(path.read_text(encoding="utf-8")) is None, path.name


# ---- prompt templates ------------------------------------------------------------------------------------------


def test_a_template_with_a_single_brace_json_example_is_refused_when_loaded_not_mid_draft(
    endpoint: list[Endpoint], runner: CliRunner, hermetic: Path
) -> None:
    from draftmate.settings.paths import config_dir

    shipped = (REPO / "prompts" / "draft-text.md").read_text(encoding="utf-8")
    mine = config_dir() / "prompts"
    mine.mkdir(parents=True)
    (mine / "draft-text.md").write_text(shipped.replace("{{", "{").replace("}}", "}"), encoding="utf-8")
    for args in (["prompts", "list"], ["draft", "Release notes", "--samples", "0"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.exception)
        [line] = result.stderr.strip().splitlines()
        assert "draft-text.md" in line and "write a literal brace twice" in line
    kept, rows = stored(hermetic)
    kept.close()
    assert rows == [], "nothing is stored when the templates cannot be rendered"


@pytest.mark.parametrize("flag", [["--kind", "code"], ["--lang", "rust"]], ids=["kind", "lang"])
def test_retry_refuses_flags_it_would_silently_ignore(
    endpoint: list[Endpoint], runner: CliRunner, flag: list[str]
) -> None:
    first = json.loads(runner.invoke(app, ["draft", "Release notes", "--samples", "0", "--json"]).stdout)
    result = runner.invoke(app, ["draft", "--retry", first["id"][:8], *flag])
    assert result.exit_code == 2 and "--retry runs the stored request again" in result.stderr
    assert flag[0] in result.stderr


# ---- the OpenAI key goes only to OpenAI -----------------------------------------------------------------------


def test_the_openai_key_is_not_sent_to_an_endpoint_set_for_draftmate(
    endpoint: list[Endpoint], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str | None] = []

    def record(request: httpx2.Request, body: dict[str, Any]) -> None:
        sent.append(request.headers.get("authorization"))
        return None

    endpoint.append(Endpoint(record))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # in the shell profile, for OpenAI; DRAFTMATE_BASE_URL is a gateway
    drafted = runner.invoke(app, ["draft", "Release notes for v2", "--samples", "0"])
    assert drafted.exit_code == 0, drafted.stderr
    assert sent and not any(KEY in (header or "") for header in sent)
    shown = runner.invoke(app, ["config", "show"]).stdout
    assert "OPENAI_API_KEY withheld: it goes only to OpenAI; set DRAFTMATE_API_KEY" in shown
    monkeypatch.setenv("DRAFTMATE_API_KEY", "sk-gateway-key-0123")
    sent.clear()
    assert runner.invoke(app, ["draft", "Release notes for v3", "--samples", "0"]).exit_code == 0
    assert sent and all(header == "Bearer sk-gateway-key-0123" for header in sent)


def test_a_401_without_a_key_says_which_variable_the_endpoint_needs(
    endpoint: list[Endpoint], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint.append(Endpoint(lambda request, body: httpx2.Response(401, json={"error": {"message": "no key"}})))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    drafted = runner.invoke(app, ["draft", "Release notes for v2", "--samples", "0"])
    assert drafted.exit_code == 1
    assert "wants an API key (HTTP 401) and none was sent; set DRAFTMATE_API_KEY" in drafted.stderr
