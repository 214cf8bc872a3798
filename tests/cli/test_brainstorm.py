"""Brainstorming: diverse concurrent requests, near-duplicates merged, numbered ideas that `draft --idea` takes."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.llm import chat as llm
from draftmate.llm.chat import FakeChat, Message, Reply
from draftmate.services import brainstorm as brainstorming
from draftmate.services import generate as generation
from draftmate.settings.config import Settings
from draftmate.store.sqlite import SQLiteStore


def ideas(*titles: str, risks: tuple[str, ...] = ("cost",)) -> str:
    return json.dumps({"ideas": [{"title": t, "rationale": f"because {t}", "risks": list(risks)} for t in titles]})


def settings() -> Settings:
    return Settings(base_url="http://localhost:8000/v1", model="m")


def test_merge_folds_near_duplicates_and_keeps_distinct_ideas() -> None:
    batches = [
        [
            {"title": "Pair new contributors with mentors", "rationale": "", "risks": ["mentor time"]},
            {"title": "Record a setup video", "rationale": "", "risks": []},
        ],
        [
            {"title": "Pair new contributors with a mentor!", "rationale": "", "risks": ["burnout", "mentor time"]},
            {"title": "Label good first issues", "rationale": "", "risks": []},
        ],
    ]
    merged = brainstorming.merge_ideas(batches)
    assert [m["title"] for m in merged] == [
        "Pair new contributors with mentors",
        "Record a setup video",
        "Label good first issues",
    ]
    assert merged[0]["risks"] == ["mentor time", "burnout"] and merged[0]["merged"] == 2


def test_similarity_is_a_normalized_token_set_measure() -> None:
    a = {"title": "Use a CLI wizard", "rationale": ""}
    b = {"title": "use the cli WIZARD", "rationale": ""}
    c = {"title": "Hold office hours", "rationale": ""}
    assert brainstorming.similarity(a, b) == 1.0
    assert brainstorming.similarity(a, c) == 0.0


def test_the_plan_varies_angle_and_temperature() -> None:
    plan = brainstorming.brainstorm_plan(8, 0.4)
    assert len(plan) == 8
    assert len({angle for angle, _, _ in plan}) == 8
    temperatures = [t for _, t, _ in plan]
    assert temperatures == sorted(temperatures) and temperatures[0] < temperatures[-1]
    assert all(count >= 2 for _, _, count in plan)
    assert len(brainstorming.brainstorm_plan(2, 0.4)) == 2


class Concurrent(FakeChat):
    """A seam whose structured calls all wait for each other: it only finishes if they run at the same time."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=5)
        self.count = 0

    def structured(self, messages: list[Message], schema: Any, *, temperature: float | None = None) -> Any:
        self.barrier.wait()
        with self._lock:
            self.count += 1
            number = self.count
        self.calls.append({"messages": messages, "temperature": temperature})
        return schema.model_validate_json(ideas(f"Idea {number} alpha{number}")), Reply(text="", model="m")


def test_brainstorm_requests_run_concurrently(store: SQLiteStore) -> None:
    chat = Concurrent(parties=4)
    result = brainstorming.brainstorm(store, settings(), "onboarding", n=4, chat=chat)
    assert result.requests == 4 and len(result.ideas) == 4
    angles = {next(line for line in c["messages"][-1][1].splitlines() if line.startswith("Angle")) for c in chat.calls}
    assert len(angles) == 4


def test_brainstorm_stores_numbered_ideas_for_draft_idea(store: SQLiteStore) -> None:
    # three concurrent requests pop the queue in any order; the merged result is the same
    queued = [ideas("Mentor pairing", "Setup video"), ideas("Mentor pairing!", "Office hours"), ideas("Mentor pairing")]
    chat = FakeChat(structured=queued)
    result = brainstorming.brainstorm(store, settings(), "onboarding", n=3, chat=chat)
    assert [i["number"] for i in result.ideas] == [1, 2, 3]
    titles = {i["title"] for i in result.ideas}
    mentor = {"Mentor pairing", "Mentor pairing!"}
    assert titles - mentor == {"Setup video", "Office hours"} and len(titles & mentor) == 1
    assert result.ideas[0]["merged"] == 3
    second = result.ideas[1]["title"]
    assert store.get_idea("2")["title"] == second
    spec, idea_id = generation.resolve_spec(store, "keep it short", "2")
    assert idea_id == result.ideas[1]["id"]
    assert spec.startswith(f"{second}: because {second}") and spec.endswith("keep it short")
    assert "Risks to address: cost" in spec
    [event] = [e for e in store.iter_audit() if e.event == "ideas.added"]
    made_with = event.payload["made_with"]  # how the ideas were made is kept, in the audit chain
    assert made_with["model"] == result.meta["model"] and made_with["template"]["name"] == "brainstorm"
    assert made_with["template"]["sha256"] and set(made_with["usage"]) == {"prompt_tokens", "completion_tokens"}
    assert store.verify() == []


def test_brainstorm_reports_skipped_requests(store: SQLiteStore) -> None:
    from draftmate.errors import ModelError

    chat = FakeChat(structured=[ideas("Only idea"), ModelError("HTTP 500")])
    result = brainstorming.brainstorm(store, settings(), "onboarding", n=2, chat=chat)
    assert [i["title"] for i in result.ideas] == ["Only idea"] and result.skipped == ["HTTP 500"]


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch) -> list[FakeChat]:
    chats: list[FakeChat] = []
    monkeypatch.setenv("DRAFTMATE_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setattr(llm, "build_chat", lambda s, **_: chats.pop(0))
    return chats


def test_cli_brainstorm_shows_a_numbered_table_literally(fake_cli: list[FakeChat], runner: CliRunner) -> None:
    fake_cli.append(FakeChat(structured=[ideas("[red]Loud[/red] idea", "Quiet idea"), ideas("Third idea")]))
    result = runner.invoke(app, ["brainstorm", "onboarding", "-n", "2"])
    assert result.exit_code == 0, result.stderr
    assert "[red]Loud[/red] idea" in result.stdout and "draftmate draft --idea N" in result.stdout
    assert "1 " in result.stdout and "2 " in result.stdout


def test_cli_brainstorm_json_then_draft_idea(fake_cli: list[FakeChat], runner: CliRunner) -> None:
    fake_cli.append(FakeChat(structured=[ideas("Mentor pairing"), ideas("Setup video")]))
    listed = runner.invoke(app, ["brainstorm", "onboarding", "-n", "2", "--json"])
    assert listed.exit_code == 0, listed.stderr
    payload = json.loads(listed.stdout)
    assert [i["number"] for i in payload["ideas"]] == [1, 2] and payload["meta"]["template"]["name"] == "brainstorm"
    drafting = FakeChat(stream=["# Setup video\n\nRecord it.\n"], structured=['{"weak_spots": []}'])
    fake_cli.append(drafting)
    result = runner.invoke(app, ["draft", "--idea", "2", "--samples", "0", "--json"])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    stream_call = next(c for c in drafting.calls if c["kind"] == "stream")
    assert "Setup video: because Setup video" in stream_call["messages"][-1][1]
    assert record["versions"][0]["content"].startswith("# Setup video")


def test_cli_draft_idea_without_a_brainstorm_is_not_found(fake_cli: list[FakeChat], runner: CliRunner) -> None:
    result = runner.invoke(app, ["draft", "--idea", "3"])
    assert result.exit_code == 1 and "run `draftmate brainstorm TOPIC` first" in result.stderr


def test_ctrl_c_during_brainstorm_returns_without_waiting_for_requests_in_flight(store: SQLiteStore) -> None:
    import signal

    release, started, finished = threading.Event(), threading.Event(), threading.Event()

    class Hanging(FakeChat):
        def structured(self, messages: list[Message], schema: Any, *, temperature: float | None = None) -> Any:
            started.set()
            release.wait(20)  # a request that takes its time
            finished.set()
            raise AssertionError("released")

    main = threading.get_ident()
    threading.Thread(target=lambda: started.wait(30) and signal.pthread_kill(main, signal.SIGINT), daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            brainstorming.brainstorm(store, settings(), "onboarding", n=3, chat=Hanging())
        assert not finished.is_set()  # returned while the requests were still running
    finally:
        release.set()
    assert store.conn.execute("SELECT COUNT(*) FROM ideas").fetchone()[0] == 0
