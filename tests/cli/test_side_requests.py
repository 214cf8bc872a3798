"""The model requests that run beside a streamed draft (samples, the claim check): whatever one of them does —
fail with a bug, or still run after Ctrl-C — costs at most its own signal, never the paid-for draft."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.domain.records import Kind
from draftmate.errors import ModelError
from draftmate.llm import chat as llm
from draftmate.llm.chat import FakeChat, Message, Reply
from draftmate.services import generate as generation
from draftmate.services.model_calls import Beside
from draftmate.settings.config import Settings
from draftmate.store.sqlite import SQLiteStore

SOURCE = "The Harlow ferry service started in 1921 under the owner Ana Ruiz.\n"
DRAFT = "Ana Ruiz started the Harlow ferry service in 1921.\n"
ANSWER = f'{DRAFT}\n<<<WEAK SPOTS>>>\n{{"weak_spots": []}}\n'


def test_a_request_that_raises_a_bug_loses_only_its_own_answer() -> None:
    def broken() -> tuple[Any, str | None]:
        raise KeyError("verdict")

    beside = Beside()
    beside.start("samples", lambda: (["a sample"], None))
    beside.start("claims", broken)
    beside.start("weak", lambda: (None, "the model timed out"))
    answers, errors = beside.results()
    assert answers == {"samples": ["a sample"]}
    assert set(errors) == {"claims", "weak"} and "KeyError" in errors["claims"]
    assert "test_side_requests.py:" in errors["claims"]  # where the bug is, for the report the message asks for


def test_a_claim_check_with_a_bug_leaves_the_draft_stored(
    runner: CliRunner, hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = FakeChat(stream=[ANSWER], by_schema={"ClaimVerdicts": [RuntimeError("a bug in the claim check")]})
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setattr(llm, "build_chat", lambda s, **_: chat)
    (tmp_path / "notes.txt").write_text(SOURCE, encoding="utf-8")
    result = runner.invoke(
        app, ["draft", "Who runs the ferry?", "--context", str(tmp_path / "notes.txt"), "--samples", "0", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert "claims unavailable" in result.stderr and "RuntimeError" in result.stderr
    record = json.loads(result.stdout)
    assert record["versions"][-1]["content"] == DRAFT
    store = SQLiteStore(hermetic / "draftmate.db")
    try:
        meta = store.get_version(record["id"]).meta
        [prediction] = [p for p in store.iter_predictions() if p["draft_id"] == record["id"]]
    finally:
        store.close()
    assert "RuntimeError" in meta["signal_errors"]["claims"]
    assert prediction["features"]["signals"]["claims"] == "unavailable"


class InterruptedWhileChecking(FakeChat):
    """Ctrl-C arrives while the claim check is still waiting for its answer, which comes (an error) only later."""

    def __init__(self) -> None:
        super().__init__(stream=[ANSWER])
        self.checking = threading.Event()
        self.answer = threading.Event()

    def complete(self, messages: list[Message], *, temperature: float | None = None, n: int = 1) -> list[Reply]:
        # What a Ctrl-C in the main thread looks like to generate(): waiting on this request raises it.
        assert self.checking.wait(5)
        raise KeyboardInterrupt

    def structured(self, messages: list[Message], schema: Any, *, temperature: float | None = None) -> Any:
        self.checking.set()
        assert self.answer.wait(5)
        raise ModelError("the claim check answered after the draft was stored")


def test_a_claim_check_still_running_after_ctrl_c_cannot_touch_what_is_stored(store: SQLiteStore) -> None:
    chat = InterruptedWhileChecking()
    before = set(threading.enumerate())
    settings = Settings(base_url="http://localhost:11434/v1", model="llama3.2")
    made = generation.generate(
        chat,
        generation.draft_template(Kind.TEXT, None),
        spec="Who runs the ferry?",
        kind=Kind.TEXT,
        lang="",
        context=[("notes.txt", SOURCE)],
        samples=1,
        on_chunk=None,
    )
    meta = generation.version_meta(chat, settings, generation.draft_template(Kind.TEXT, None), made, 1)
    stored = json.dumps(meta["signal_errors"])
    chat.answer.set()  # the claim check now fails, in its thread, after the draft's record was made
    for thread in set(threading.enumerate()) - before:
        thread.join(5)
    assert made.reply.text == DRAFT
    assert made.signal_errors == {"model checks": "interrupted (Ctrl-C) before they finished"}
    assert json.dumps(meta["signal_errors"]) == stored and "claims" not in made.beside


def test_a_draft_interrupted_while_checked_is_stored_whole(store: SQLiteStore) -> None:
    chat = InterruptedWhileChecking()
    settings = Settings(base_url="http://localhost:11434/v1", model="llama3.2")
    outcome = generation.draft(
        store, settings, spec="Who runs the ferry?", context=[("notes.txt", SOURCE)], samples=1, chat=chat
    )
    chat.answer.set()
    version = store.get_version(outcome.draft.id)
    assert version.content == DRAFT
    assert version.meta["signal_errors"] == {"model checks": "interrupted (Ctrl-C) before they finished"}
