"""The weak spots come in the drafting answer's tail: never shown or stored as draft text, and no request after it."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from draftmate.domain.records import Kind
from draftmate.llm.chat import FakeChat, Reply
from draftmate.services import generate as generation
from draftmate.services.draft_tail import MARKER, TailFilter, parse_weak_spots, split_tail, without_tail
from draftmate.settings.config import Settings
from draftmate.store.sqlite import SQLiteStore

DRAFT = "# Tea\n\nTea came to Europe in 1610.\n"
TAIL = json.dumps({"weak_spots": [{"quote": "in 1610", "why": "a date from memory"}]})
ANSWER = f"{DRAFT}\n{MARKER}\n{TAIL}\n"


def shown(pieces: list[str]) -> str:
    """What a TailFilter passes on when the answer arrives in these pieces."""
    out: list[str] = []
    tail = TailFilter(out.append)
    for piece in pieces:
        tail(piece)
    tail.flush()
    return "".join(out)


@given(st.lists(st.integers(min_value=1, max_value=len(ANSWER) - 1), max_size=12))
def test_the_tail_is_never_shown_however_the_stream_is_cut_into_chunks(cuts: list[int]) -> None:
    bounds = [0, *sorted(set(cuts)), len(ANSWER)]
    pieces = [ANSWER[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    assert shown(pieces).rstrip() == DRAFT.rstrip()


def test_text_that_only_looks_like_the_start_of_the_marker_is_shown_in_the_end() -> None:
    assert shown(["a <<<WEAK", " point"]) == "a <<<WEAK point"
    assert shown(["ends with <<<"]) == "ends with <<<"


def test_split_and_parse() -> None:
    assert split_tail(ANSWER) == (DRAFT, f"\n{TAIL}\n")
    assert split_tail(DRAFT) == (DRAFT, None)
    assert parse_weak_spots(split_tail(ANSWER)[1]) == ([{"quote": "in 1610", "why": "a date from memory"}], None)
    spots, problem = parse_weak_spots('```json\n{"weak_spots": [{"quote": 3')
    assert spots is None and problem is not None and "WeakSpots" in problem
    assert parse_weak_spots(None)[0] is None


def test_log_probabilities_of_the_tail_are_dropped() -> None:
    tokens = [{"token": t, "logprob": -0.1} for t in ("# Tea\n\n", "Tea came to Europe in 1610.\n", "\n", MARKER)]
    reply, tail = without_tail(Reply(text=ANSWER, finish_reason="stop", logprobs=tokens))
    assert reply.text == DRAFT and tail is not None
    assert [t["token"] for t in reply.logprobs or []] == ["# Tea\n\n", "Tea came to Europe in 1610.\n"]


def test_a_draft_makes_no_model_request_after_its_stream(store: SQLiteStore) -> None:
    chat = FakeChat(stream=[ANSWER], complete=[ANSWER.replace("1610", "1606"), ANSWER])
    settings = Settings(base_url="http://localhost:11434/v1", model="m")
    outcome = generation.draft(store, settings, spec="tea", kind=Kind.TEXT, samples=2, chat=chat)
    assert sorted(c["kind"] for c in chat.calls) == ["complete", "complete", "stream"]  # the samples run beside it
    assert outcome.warnings == [] and store.get_version(outcome.draft.id).content == DRAFT
    notes = store.list_notes(outcome.draft.id)
    assert any(n.signals.get("self") == {"why": "a date from memory"} for n in notes), [n.signals for n in notes]
    assert MARKER not in store.get_version(outcome.draft.id).content
