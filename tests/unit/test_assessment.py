"""Merging signals into notes and one draft confidence; stored predictions; `show` rendering of the notes."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.store.sqlite import SQLiteStore
from draftmate.uncertainty.assessment import CALIBRATOR, LOW_AT, MEDIUM_AT, assess, dedupe, merge
from draftmate.uncertainty.spans import SpanNote


def note(kind: str, line: int, risk: float, severity: str = "verify", why: str = "w", quote: str = "q") -> SpanNote:
    return SpanNote(kind, severity, why, "check", (line, line), quote, risk, {"checks": {"pattern": kind}})


def test_no_notes_is_high_confidence() -> None:
    a = assess("Just some words.\n", kind="text")
    assert a.notes == []
    assert (a.confidence.level, a.confidence.risk) == ("high", 0.0)
    assert a.calibrator == CALIBRATOR


def test_every_missing_signal_is_unavailable_not_zero() -> None:
    a = assess("It cost $5 in 1999.\n", kind="text")
    assert a.features["signals"] == {
        "checks": "ok",
        "logprobs": "unavailable",
        "samples": "unavailable",
        "self": "unavailable",
        "claims": "unavailable",
    }
    assert [a.features[f"available.{s}"] for s in ("checks", "logprobs", "samples", "self")] == [1, 0, 0, 0]
    for key in ("logprobs.min_p", "samples.agreement", "self.weak_spots", "grounding"):
        assert a.features[key] is None


def test_features_are_flat_numbers_for_calibration() -> None:
    a = assess("import json\nx = json.loads('1')\n", kind="code", lang="python")
    flat = {k: v for k, v in a.features.items() if k != "signals"}
    assert all(v is None or isinstance(v, int | float | str) for v in flat.values())
    assert a.features["raw_risk"] == a.confidence.risk
    assert a.features["hard_failures"] == 0


def test_hard_check_caps_at_low_whatever_the_score() -> None:
    a = merge([note("undefined-name", 3, 0.05, severity="blocking")], signals={"checks": "ok"})
    assert a.confidence.level == "low"
    assert a.confidence.risk is not None and a.confidence.risk < MEDIUM_AT
    assert a.features["hard_failures"] == 1


def test_levels_follow_the_stated_thresholds() -> None:
    assert merge([note("unsupported", 1, 0.1)], signals={}).confidence.level == "high"
    assert merge([note("unsupported", 1, MEDIUM_AT)], signals={}).confidence.level == "medium"
    two = merge([note("unsupported", 1, 0.3), note("contradiction", 5, 0.3)], signals={})
    assert two.confidence.risk == round(1 - 0.7 * 0.7, 4)
    assert two.confidence.level == ("low" if two.confidence.risk >= LOW_AT else "medium")


def test_unchecked_facts_alone_never_make_a_draft_low() -> None:
    from draftmate.uncertainty.assessment import UNCHECKED_FACT_WEIGHT, UNCHECKED_FACTS_CAP

    one = merge([note("number", 1, 0.25)], signals={})
    assert one.confidence.risk == UNCHECKED_FACT_WEIGHT and one.confidence.level == "high"
    many = merge([note("number", line, 0.25) for line in range(1, 120, 2)], signals={})
    assert many.confidence.risk == UNCHECKED_FACTS_CAP and many.confidence.level == "medium"
    backed = note("number", 200, 0.6)
    backed.signals = {"checks": {"pattern": "number"}, "logprobs": {"min_p": 0.05}}
    doubted = merge([note("number", line, 0.25) for line in range(1, 120, 2)] + [backed], signals={})
    assert doubted.confidence.level == "low"  # a signal that backs a doubt counts in full


def test_one_note_per_line_and_kind_and_adjacent_lines_merge() -> None:
    notes = dedupe(
        [
            note("number", 2, 0.2, quote="12"),
            note("number", 2, 0.4, quote="13"),
            note("number", 3, 0.3, quote="14"),
            note("date", 3, 0.3),
            note("number", 7, 0.3),
        ]
    )
    got = [(n.kind, n.lines, n.quote, n.risk) for n in notes]
    assert got == [("number", (2, 3), "12, 13, 14", 0.4), ("date", (3, 3), "q", 0.3), ("number", (7, 7), "q", 0.3)]


def test_model_evidence_raises_a_check_note_and_joins_its_why() -> None:
    text = "The bridge opened in 1932.\n"
    toks = [{"token": t, "logprob": math.log(0.03 if t == "1932." else 0.99)} for t in re.findall(r"\S+|\s+", text)]
    plain = assess(text, kind="text")
    with_lp = assess(text, kind="text", logprobs=toks)
    assert len(with_lp.notes) == len(plain.notes) == 1
    n = with_lp.notes[0]
    assert n.risk is not None and plain.notes[0].risk is not None and n.risk > plain.notes[0].risk
    assert "the model was guessing" in n.why and "logprobs" in n.signals
    assert with_lp.confidence.risk is not None and plain.confidence.risk is not None
    assert with_lp.confidence.risk > plain.confidence.risk


def test_weak_spots_never_lower_a_span_risk() -> None:
    code = "import json\nx = json.loads_file('a')\n"
    base = assess(code, kind="code", lang="python")
    flagged = assess(code, kind="code", lang="python", weak_spots=[{"quote": "json.loads_file", "why": "unsure"}])
    assert [n.risk for n in flagged.notes] >= [n.risk for n in base.notes]
    assert flagged.notes[0].severity == "blocking" and "self" in flagged.notes[0].signals
    unmatched = assess("Plain words.\n", kind="text", weak_spots=[{"quote": "zzz qqq www", "why": "?"}])
    assert unmatched.notes == [] and unmatched.confidence.risk is not None and unmatched.confidence.risk > 0


def test_agreeing_samples_lower_an_unverified_fact_but_not_below_zero() -> None:
    text = "The bridge opened in 1932 after six years.\n"
    alone = assess(text, kind="text")
    agreed = assess(text, kind="text", samples=[text, text])
    assert agreed.features["samples.agreement"] == 1.0
    assert agreed.notes[0].risk is not None and alone.notes[0].risk is not None
    assert 0 < agreed.notes[0].risk < alone.notes[0].risk


def test_unknown_extras_are_ignored() -> None:
    assert assess("x\n", kind="text", something_new=1).confidence.level == "high"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_import_stores_notes_prediction_and_show_renders_them(
    runner: CliRunner, tmp_path: Path, hermetic: Path
) -> None:
    path = write(tmp_path, "calc.py", "import fastjsonx\n\n\ndef f(x):\n    return totl + x\n")
    result = runner.invoke(app, ["draft", "--from-file", path, "--json"])
    assert result.exit_code == 0, result.stderr
    draft_id = json.loads(result.stdout)["id"]

    shown = runner.invoke(app, ["show", draft_id[:8]], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.stderr
    assert "confidence low (risk" in shown.stdout
    assert "checks:UndefinedName" in shown.stdout
    assert "may not exist" in shown.stdout
    assert "0.90" in shown.stdout

    record: dict[str, Any] = json.loads(runner.invoke(app, ["show", draft_id, "--json"]).stdout)
    kinds = {(n["kind"], tuple(n["lines"])) for n in record["notes"]}
    assert kinds == {("unknown-import", (1, 1)), ("undefined-name", (5, 5))}
    assert all(n["signals"]["checks"] and n["risk"] >= 0.8 for n in record["notes"])
    assert record["confidence"]["level"] == "low"

    store = SQLiteStore(hermetic / "draftmate.db")
    try:
        predictions = [p for p in store.iter_predictions() if p["draft_id"] == draft_id]
    finally:
        store.close()
    assert len(predictions) == 1
    assert predictions[0]["calibrator"] == CALIBRATOR
    assert predictions[0]["features"]["checks.unknown_imports"] == 1
    assert predictions[0]["features"]["signals"]["logprobs"] == "unavailable"


def test_show_with_context_flags_what_the_source_does_not_say(runner: CliRunner, tmp_path: Path) -> None:
    source = write(tmp_path, "source.txt", "The plant employs 450 people in Leeds and opened in 2004.\n")
    draft = write(tmp_path, "note.md", "# Plant\n\nThe plant employs 540 people in Leeds.\nIt opened in 2004.\n")
    result = runner.invoke(app, ["draft", "--from-file", draft, "--context", source, "--json"])
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert [(n["kind"], n["lines"]) for n in notes] == [("contradiction", [3, 3])]
    assert "'450'" in notes[0]["why"]


def test_signal_summary_says_what_each_signal_found() -> None:
    from draftmate.cli.render import signal_summary

    signals = {
        "checks": {"pattern": "number"},
        "logprobs": {"min_p": 0.04, "token": "1932"},
        "samples": {"agree": 1, "of": 3},
        "self": {"why": "unsure"},
    }
    assert signal_summary(signals, "check") == "checks:number, logprobs p=0.04, samples 1/3 agree, self-flagged"
    assert signal_summary({}, "human") == "human"


def test_each_quoted_fact_of_a_line_is_underlined() -> None:
    from draftmate.cli.render import numbered

    shown = numbered(
        "It rose 12% to 140 units.\n", [{"number": 1, "lines": [1, 1], "quote": "12%, 140", "severity": "verify"}]
    )
    underlined = {shown.plain[s.start : s.end] for s in shown.spans if "underline" in str(s.style)}
    assert underlined == {"12%", "140"}
