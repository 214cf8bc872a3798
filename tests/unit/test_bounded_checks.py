"""Text checks stay n log n on hostile drafts, a draft never asks more than 100 notes of a kind, and a checker that
fails on a pathological draft leaves a could-not-check note, never a lost draft."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.uncertainty import text_checks as signals_text
from draftmate.uncertainty.assessment import NOTES_PER_KIND
from draftmate.uncertainty.text_checks import facts, text_checks

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"
CHECK_FILES = ("uncertainty/text_checks.py", "uncertainty/spans.py")


def numbers_line(n: int) -> str:
    """One line of `n` two- to four-digit numbers: the issue's 131 KB / 21 s draft, smaller."""
    return " ".join(str(i * 7 % 9973 + 10) for i in range(n)) + "\n"


def short_lines(n: int) -> str:
    """`n` short sentences, one a line, each with a number and a name."""
    return "".join(f"Item{i} costs {i % 90 + 10} dollars.\n" for i in range(n))


def source_text(n: int) -> str:
    """A source of `n` sentences sharing their common words, as a long report does."""
    return " ".join(f"The value of Item{i} is {i + 11} dollars." for i in range(n))


def python_steps(call: Callable[[], Any]) -> int:
    """Lines of the check modules Python executes during `call`: an operation count, no clock involved."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename.endswith(CHECK_FILES):
            if event == "line":
                count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def grows_linearly(steps: Callable[[int], int], n: int) -> tuple[int, int]:
    """Steps at n and 8n; n log n at these sizes stays far under the 64x of a quadratic scan."""
    small, large = steps(n), steps(8 * n)
    assert small > 0, "nothing was counted: are CHECK_FILES the modules the checks live in?"
    assert large < 12 * small, (small, large)
    return small, large


def test_claimed_span_checks_grow_n_log_n_on_one_line_of_numbers() -> None:
    def probes(n: int) -> int:
        counted: list[int] = []
        facts(numbers_line(n), probes=counted)
        return sum(counted)

    small, _ = grows_linearly(probes, 400)
    assert small >= 400  # every number is checked against the claimed spans once


@pytest.mark.parametrize(
    "name, build, context",
    [
        ("one line of numbers", numbers_line, None),
        ("one line of numbers against a source", numbers_line, source_text),
        ("short lines", short_lines, None),
        ("short lines against a source", short_lines, source_text),
    ],
)
def test_the_text_checks_do_linear_work(
    name: str, build: Callable[[int], str], context: Callable[[int], str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        signals_text, "COMMON_TERM_SENTENCES", 20, raising=False
    )  # a long source's common terms, at test sizes

    def steps(n: int) -> int:
        sources = [("src.md", context(n))] if context else None
        return python_steps(lambda: text_checks(build(n), sources))

    grows_linearly(steps, 150)


def best_of_three(call: Callable[[], Any]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.parametrize(
    "name, start, unit",
    [
        ("hyphenated name", "Alpha ", "A-"),
        ("thousands groups", "Alpha 1", ",000"),
        ("unclosed quotation marks", "Alpha ", "\u201cab "),
        ("spaces after a name", "Alpha Beta", " "),
    ],
)
def test_no_pattern_retries_a_line_to_its_end(name: str, start: str, unit: str) -> None:
    """Regex backtracking runs in C, beyond an operation count: the one timing test, with a generous ratio."""

    def line(chars: int) -> str:
        return start + unit * (chars // len(unit)) + "x\n"

    small = best_of_three(lambda: text_checks(line(4_000)))
    large = best_of_three(lambda: text_checks(line(32_000)))
    assert large < 24 * max(small, 0.01), (small, large)  # quadratic: 64x; the floor absorbs a busy machine


def draft_json(runner: CliRunner, path: Path, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, ["draft", "--from-file", str(path), "--json", *extra])
    assert result.exit_code == 0, result.output + str(result.exception)
    return dict(json.loads(result.stdout))


def test_a_draft_asks_at_most_100_notes_of_a_kind_then_one_summary(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "many.md"
    path.write_text("".join(f"It costs {i + 10} here.\n\n" for i in range(NOTES_PER_KIND + 50)))
    record = draft_json(runner, path)
    numbers = [n for n in record["notes"] if n["kind"] == "number"]
    assert len(numbers) == NOTES_PER_KIND + 1
    summary = numbers[-1]
    assert summary["why"].startswith("50 more number notes on lines 201-299 not listed one by one")
    assert summary["lines"] is None and summary["severity"] == "verify"
    assert [n["lines"][0] for n in numbers[:-1]] == list(range(1, 2 * NOTES_PER_KIND, 2))
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_a_deeply_nested_code_draft_is_kept_with_a_could_not_check_note(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "deep.py"
    path.write_text("x = " + "-" * 200_000 + "1\n")  # the parser runs out of memory (MemoryError), not a SyntaxError
    record = draft_json(runner, path, "--kind", "code")
    assert [n["kind"] for n in record["notes"]] == ["unchecked"]
    why = record["notes"][0]["why"]  # the code checks say which of them could not run, and why
    assert why.startswith("could not check parse:") and "(MemoryError)" in why
    assert why.endswith("read this code by hand")
    assert record["versions"][0]["content"] == path.read_text()
    listed = runner.invoke(app, ["list"])
    assert record["id"][:8] in listed.stdout
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_a_text_checker_that_raises_leaves_a_could_not_check_note(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(content: str, **_: Any) -> tuple[list[Any], None]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(signals_text, "facts_within", fails)  # the scan text_checks runs
    path = tmp_path / "draft.md"
    path.write_text("It cost $300 in 1999.\n")
    record = draft_json(runner, path)
    assert [n["kind"] for n in record["notes"]] == ["unchecked"]
    assert "the text checks failed on this draft (RecursionError)" in record["notes"][0]["why"]
    assert record["versions"][0]["content"] == "It cost $300 in 1999.\n"
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_grounding_past_its_budget_says_what_it_could_not_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals_text, "SCAN_BUDGET", 0)
    draft = "See https://example.org/a and https://example.org/b for it.\n"
    notes, features = text_checks(draft, [("src.md", "Nothing about links here, at https://example.org/c only.")])
    assert features["grounding.unchecked"] == 2
    assert [n.kind for n in notes][-1] == "unchecked"
    assert "2 facts or sentences were too costly to check against the sources" in notes[-1].why


def test_the_table_lists_every_case() -> None:
    table = DOC.read_text()
    for case in ("nested deeper than the parser", "more than 100 notes of a kind", "hostile 2 MB line"):
        assert case in table, case


def test_past_the_fact_budget_the_rest_is_one_note_saying_from_where(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals_text, "FACT_BUDGET", 10)
    draft = "Intro line.\n" + " ".join(str(10 + i) for i in range(50)) + "\nIt cost $300 in 1999.\n"
    notes, features = text_checks(draft)
    # the 10 numbers found share a paragraph: one note of the kind, listing them
    assert [n.kind for n in notes] == ["number", "unchecked"] and notes[0].quote.count(",") == 9
    assert notes[-1].lines == (2, 3) and "from line 2 on they were not listed one by one" in notes[-1].why
    assert features["checks.facts_unscanned_from_line"] == 2
    # with sources, grounding stops where the scan stopped instead of weighing every later sentence
    grounded, _ = text_checks(draft, [("src.md", "Nothing of the kind.")])
    assert grounded[-1].kind == "unchecked" and all(n.lines is None or n.lines[0] < 3 for n in grounded)


def test_draft_prints_back_a_long_import_shortened(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from draftmate.cli import render as ui

    monkeypatch.setattr(ui, "SHOWN_AFTER_DRAFTING", (3, 20))
    path = tmp_path / "long.md"
    path.write_text("".join(f"line {i} " + "x" * 40 + "\n" for i in range(1, 11)))
    result = runner.invoke(app, ["draft", "--from-file", str(path)])
    assert result.exit_code == 0, result.output
    assert "line 3 " in result.stdout and "line 4 " not in result.stdout
    assert "(27 more characters)" in result.stdout and "7 more lines not shown" in result.stdout
    shown = runner.invoke(app, ["show", result.stdout.split("stored draft ")[1].split(";")[0]])
    assert "line 10 " + "x" * 40 in shown.stdout  # show prints it all
