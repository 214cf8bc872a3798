"""The warm-up of a model command: one thread imports the model stack while every request waits for it, and what
checks and shows the answer is imported only once the draft's first token has come (or a short while without it)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from draftmate.services import model_calls
from draftmate.settings.config import Settings

# In a fresh interpreter: the warm-up starts importing langchain-openai; a request asked meanwhile must find the
# shared-model lock held (it waits for that one import instead of importing the same modules beside it).
IMPORT_UNDER_THE_LOCK = """
import sys, threading, time
from draftmate.llm import chat
from draftmate.settings.config import Settings
settings = Settings(base_url="http://127.0.0.1:9/v1", model="m")
threading.Thread(target=chat.preload, args=(settings,), daemon=True).start()
deadline = time.monotonic() + 60
while "langchain_openai" not in sys.modules and time.monotonic() < deadline:
    time.sleep(0.0005)
held = chat._SHARED_LOCK.locked()
chat.OpenAIChat(settings).runnable(logprobs=False)
print("held" if held else "free")
"""


def test_a_request_asked_during_the_warm_up_waits_for_its_import() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_UNDER_THE_LOCK], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "held"


@pytest.fixture
def settings() -> Settings:
    return Settings(base_url="http://127.0.0.1:9/v1", model="warm-model")


def test_what_checks_and_shows_the_answer_waits_for_the_first_token(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_calls, "HEAD_START", 30.0)
    ran = threading.Event()
    model_calls.warm_up(settings, [ran.set])
    assert not ran.wait(1.0), "ran before the first token, beside the request it would slow"
    model_calls.first_token_arrived()
    assert ran.wait(30.0)


def test_without_a_first_token_they_run_after_the_head_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_calls, "HEAD_START", 0.2)
    ran: list[float] = []
    started = time.monotonic()
    model_calls.warm_up(settings, [lambda: ran.append(time.monotonic() - started)])
    deadline = time.monotonic() + 30
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ran and ran[0] >= 0.2
