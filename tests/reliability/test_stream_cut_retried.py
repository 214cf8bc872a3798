"""A stream cut without a finish reason is asked again within max_retries, against llmock and a FakeChat.

The user hears on stderr where it was cut and which retry this is, the new answer is shown from its start, and the
incomplete draft of old is kept only when the retries are spent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_server_faults import (
    BOUND,
    SPEC,
    assert_verdict_clean,
    draft,
    kept_draft,
    one_error_line,
    stream_attempts,
    use,
)
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.llm import chat as llm
from draftmate.llm.chat import FakeChat, Reply
from reliability_support import LLMock


@pytest.fixture
def llm_server(llmock_server: LLMock, hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> LLMock:
    """draftmate pointed at llmock (max_retries 2, the default)."""
    return use(llmock_server, monkeypatch)


def test_a_stream_cut_once_is_retried_and_the_draft_is_complete(runner: CliRunner, llm_server: LLMock) -> None:
    llm_server.script({"type": "stream_fault", "kind": "truncate", "after_chunks": 2, "times": 1})
    result, elapsed = draft(runner, SPEC)
    assert result.exit_code == 0, (result.stdout[-500:], result.stderr)
    cut = [line for line in result.stderr.splitlines() if "stream" in line]
    assert cut == ["warning: the stream was cut after 2 chunks; retrying (1/2)"], result.stderr
    record = json.loads(result.stdout)
    assert record["incomplete"] is False and record["versions"][-1]["content"].strip()
    assert not [n for n in record["notes"] if n["kind"] == "incomplete"]
    assert len(stream_attempts(llm_server)) == 2 and elapsed < BOUND
    assert_verdict_clean(llm_server)


def test_a_stream_cut_every_time_is_kept_incomplete_once_the_retries_are_spent(
    runner: CliRunner, llm_server: LLMock
) -> None:
    llm_server.script({"type": "stream_fault", "kind": "truncate", "after_chunks": 2, "times": None})
    result, elapsed = draft(runner, SPEC)
    line = one_error_line(result, "ended before it finished", "draftmate draft --retry")
    warnings = [w for w in result.stderr.splitlines() if w.startswith("warning: the stream was cut")]
    assert warnings == [f"warning: the stream was cut after 2 chunks; retrying ({i}/2)" for i in (1, 2)]
    assert len(stream_attempts(llm_server)) == 3 and elapsed < BOUND  # 1 + max_retries, no more
    record = kept_draft(runner, line)
    assert record["versions"][-1]["content"].strip(), "the text that arrived before the cut was dropped"
    # llmock cannot see that the last cut answer was kept as an incomplete draft with exit 1, not used: it
    # reports that one as accepted; anything else (a retry with no back-off, say) is a fault
    findings = llm_server.verdict()["findings"]
    assert [(f["code"], f["requests"]) for f in findings] == [("truncated_stream_accepted", [3])], findings


def test_the_new_answer_is_shown_from_its_start_on_a_line_of_its_own(
    runner: CliRunner, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cut = Reply(text="# Tea and the", model="m", finish_reason=None)
    whole = "# Tea\n\nTea is a drink.\n\n<<<WEAK SPOTS>>>\n" + json.dumps({"weak_spots": []})
    fake = FakeChat(stream=[cut, whole])
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setattr(llm, "build_chat", lambda s, **_: fake)
    result = runner.invoke(app, ["draft", SPEC, "--samples", "0"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Tea and the\n# Tea\n\nTea is a drink.\n"), result.stdout[:200]
    assert "WEAK SPOTS" not in result.stdout and "weak_spots" not in result.stdout
    assert result.stderr.splitlines() == ["warning: the stream was cut after 4 chunks; retrying (1/2)"]
    assert [c["kind"] for c in fake.calls] == ["stream", "stream"]


def test_no_retry_when_max_retries_is_0(runner: CliRunner, hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeChat(stream=[Reply(text="# Tea and the", model="m", finish_reason=None)])
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setattr(llm, "build_chat", lambda s, **_: fake)
    assert runner.invoke(app, ["config", "set", "max_retries", "0"]).exit_code == 0
    result: Any = runner.invoke(app, ["draft", SPEC, "--samples", "0"])
    assert result.exit_code == 1 and "ended before it finished" in result.stderr
    assert "retrying" not in result.stderr and len(fake.calls) == 1
