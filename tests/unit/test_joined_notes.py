"""Notes joined on one span keep what each said once, and every line each was about."""

from __future__ import annotations

from draftmate.domain.note_text import note_spans
from draftmate.uncertainty.assessment import add_uncovered, dedupe
from draftmate.uncertainty.spans import SpanNote


def _note(line: int, quote: str, why: str, source: str = "check", **signals: object) -> SpanNote:
    return SpanNote(
        kind="url" if source == "check" else "unsupported",
        severity="blocking" if source == "check" else "verify",
        why=why,
        source=source,
        lines=(line, line),
        quote=quote,
        risk=0.9 if source == "check" else 0.3,
        signals=signals or {"checks": {"pattern": "url", "lines": [line]}},
    )


def test_the_same_model_finding_twice_on_a_line_is_said_once() -> None:
    # two sentences on one line, both "not found" by the claim check, used to say so twice in the check note's why
    host = _note(3, "Simplest Thing That", "not supported by the sources given")
    said = "claim check: the model found nothing in the source passages about it"
    twice = [_note(3, "", said, source="model", claims={"verdict": "not_found"}) for _ in range(2)]
    [joined] = add_uncovered([host], twice)
    assert joined.why == f"not supported by the sources given; {said}"


def test_dead_links_on_three_adjacent_lines_keep_all_three_lines_and_their_evidence() -> None:
    notes = [
        _note(
            line,
            f"https://dead{line}.example/",
            f"a dead link: https://dead{line}.example/: HTTP 404; fix or remove it",
            checks={"pattern": "url", "site": f"dead{line}.example", "lines": [line]},
            links={"checked": [{"url": f"https://dead{line}.example/", "status": 404}]},
        )
        for line in (3, 4, 5)
    ]
    [joined] = dedupe(notes)
    assert note_spans(joined.lines, joined.signals) == [(3, 5)]  # was [(3, 3), (5, 5)]: line 4 unmarked
    assert [c["url"] for c in joined.signals["links"]["checked"]] == [f"https://dead{n}.example/" for n in (3, 4, 5)]
