"""`draftmate calibration --reset` / `--activate`, and `--fit` reporting figures on labels it was not fitted on."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from test_calibration_command import calibrated_history, default_level, flat, overconfident, run, seed
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.services import calibrate as calibrating
from draftmate.store.sqlite import SQLiteStore
from draftmate.uncertainty import assessment as uncertainty
from draftmate.uncertainty import calibration as cal

TARGET = 0.10
BUILTIN = "built-in thresholds (medium at raw risk 0.20, low at 0.50)"


def draft_prediction(runner: CliRunner, store: SQLiteStore, source: Path) -> dict[str, Any]:
    """Import a draft from a file and return the prediction logged for it."""
    result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    (row,) = [r for r in store.iter_predictions() if r["draft_id"] == record["id"]]
    assert record["confidence"] == {"level": row["level"], "risk": row["risk"]}
    return row


# ---- --reset and --activate -------------------------------------------------------------------------------------


def test_reset_after_fit_restores_the_builtin_thresholds(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    source = tmp_path / "note.md"
    source.write_text("Revenue grew 45% in 2023 to $3.2 million (Smith, 2021).\n")
    seed(store, overconfident(300, 40))
    assert run(runner, "--fit").exit_code == 0
    fitted = calibrating.active_calibrator(store)
    assert fitted is not None and fitted.version == "platt-1"
    calibrated = draft_prediction(runner, store, source)
    raw = calibrated["features"]["raw_risk"]
    assert calibrated["calibrator"] == "platt-1" and (calibrated["risk"], calibrated["level"]) == fitted.score(raw)
    assert fitted.score(raw) != (raw, default_level(raw))  # otherwise the reset below would prove nothing

    result = run(runner, "--reset")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1  # one line, however wide
    assert f"reset: new drafts are scored with {BUILTIN}; platt-1 is kept" in result.stdout
    assert "`draftmate calibration --activate platt-1` restores it" in result.stdout
    assert store.active_calibrator() is None
    assert [(c["version"], c["active"]) for c in store.list_calibrators()] == [("platt-1", False)]

    builtin = draft_prediction(runner, store, source)
    assert builtin["features"]["raw_risk"] == raw
    assert builtin["calibrator"] == uncertainty.CALIBRATOR
    assert (builtin["risk"], builtin["level"]) == (raw, default_level(raw))

    # Still listed, and --activate brings it back.
    report = json.loads(run(runner, "--json").stdout)
    assert report["stored_calibrators"] == ["platt-1"] and report["active_calibrator"] is None
    assert "stored calibrators: platt-1" in flat(run(runner).stdout)
    again = run(runner, "--activate", "platt-1")
    assert again.exit_code == 0, again.stderr
    assert "new drafts are scored with platt-1 (platt, 300 labels; medium at calibrated risk" in flat(again.stdout)
    back = draft_prediction(runner, store, source)
    assert back["calibrator"] == "platt-1" and (back["risk"], back["level"]) == fitted.score(raw)
    events = [e.payload["version"] for e in store.iter_audit() if e.event == "calibrator.activated"]
    assert events == [None, "platt-1"]


def test_reset_with_nothing_active_says_so(runner: CliRunner, store: SQLiteStore) -> None:
    result = run(runner, "--reset")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"nothing to reset: {BUILTIN} already in effect\n"
    assert not any(e.event == "calibrator.activated" for e in store.iter_audit())
    data = json.loads(run(runner, "--reset", "--json").stdout)
    assert data == {
        "deactivated": None,
        "in_effect": {"calibrator": None, "builtin": uncertainty.CALIBRATOR, "medium_at": 0.2, "low_at": 0.5},
    }


def test_reset_twice_after_fit(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, overconfident(120, 41))
    assert run(runner, "--fit").exit_code == 0
    assert json.loads(run(runner, "--reset", "--json").stdout)["deactivated"] == "platt-1"
    assert run(runner, "--reset").stdout.startswith("nothing to reset")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reset", "--fit"], "--reset only switches what scores new drafts: run it without --fit"),
        (["--fit", "--reset"], "--reset only switches what scores new drafts: run it without --fit"),
        (["--reset", "--activate", "platt-1"], "run it without --activate"),
        (["--reset", "--model", "m1", "--since", "2020-01-01"], "run it without --model, --since"),
        (["--activate", "platt-1", "--fit"], "--activate only switches what scores new drafts: run it without --fit"),
    ],
)
def test_switches_refuse_other_actions(runner: CliRunner, store: SQLiteStore, args: list[str], message: str) -> None:
    seed(store, overconfident(120, 42))
    assert run(runner, "--fit").exit_code == 0
    result = run(runner, *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert result.stderr.rstrip().endswith(message)
    assert [(c["version"], c["active"]) for c in store.list_calibrators()] == [("platt-1", True)]


def test_activate_unknown_version_lists_the_stored_ones(runner: CliRunner, store: SQLiteStore) -> None:
    result = run(runner, "--activate", "platt-9")
    assert result.exit_code == 1 and "--fit` makes one" in result.stderr
    seed(store, overconfident(120, 43))
    assert run(runner, "--fit").exit_code == 0
    result = run(runner, "--activate", "platt-9")
    assert result.exit_code == 1 and "no calibrator 'platt-9'; stored calibrators: platt-1" in result.stderr


# ---- held-out figures from --fit --------------------------------------------------------------------------------


def drifting(n_old: int, n_new: int, seed_: int) -> list[tuple[float, bool]]:
    """Older drafts wrong about as often as their risk says; the newest wrong 70% of the time whatever it says."""
    rng = random.Random(seed_)
    old = [(r, rng.random() < r) for r in (round(rng.random() ** 2, 3) for _ in range(n_old))]
    new = [(r, rng.random() < 0.7) for r in (round(rng.random() ** 2, 3) for _ in range(n_new))]
    return old + new


def figures(risks: list[float], levels: list[str], labels: list[bool]) -> dict[str, Any]:
    high = [y for level, y in zip(levels, labels, strict=True) if level == "high"]
    return {
        "auroc": cal.auroc(risks, labels),
        "brier": cal.brier(risks, labels),
        "ece": cal.ece(risks, labels),
        "errors": sum(high),
        "count": len(high),
    }


def reported(block: dict[str, Any]) -> dict[str, Any]:
    high = block["high"]
    return {**{k: block[k] for k in ("auroc", "brier", "ece")}, "errors": high["errors"], "count": high["count"]}


def test_fit_reports_figures_on_the_newest_labels_it_was_not_fitted_on(runner: CliRunner, store: SQLiteStore) -> None:
    history = drifting(240, 60, 60)
    seed(store, history)
    raw = [r for r, _ in history]
    labels = [e for _, e in history]
    test_raw, test_labels = raw[240:], labels[240:]
    checker = cal.fit(raw[:240], labels[:240], target=TARGET)
    scored = [checker.score(r) for r in test_raw]
    expected = figures([s for s, _ in scored], [level for _, level in scored], test_labels)
    # What the figures would be if the newest labels had leaked into the fit: they must differ to tell them apart.
    leaky = cal.fit(raw, labels, target=TARGET)
    leaked = figures([leaky.risk(r) for r in test_raw], [leaky.score(r)[1] for r in test_raw], test_labels)
    assert abs(leaked["brier"] - expected["brier"]) > 0.02 and abs(leaked["ece"] - expected["ece"]) > 0.02

    fitted = json.loads(run(runner, "--fit", "--json").stdout)["fit"]
    held = fitted["metrics"]["held_out"]
    assert (held["method"], held["train_labels"], held["test_labels"]) == ("platt", 240, 60)
    assert held["test_from"] == [r["created_at"] for r in store.iter_predictions()][240]
    assert reported(held["calibrated"]) == pytest.approx(expected)
    builtin = figures(test_raw, [default_level(r) for r in test_raw], test_labels)
    assert reported(held["uncalibrated"]) == pytest.approx(builtin)
    assert held["calibrated"]["high"]["rate"] > 0.5  # drift: the older labels' "high" is wrong on the newest
    # The stored calibrator is refit on all 300 labels and keeps the held-out figures in its metrics.
    stored = store.get_calibrator(fitted["version"])
    assert stored["n_labels"] == 300 and stored["params"] == pytest.approx(
        {"a": leaky.params["a"], "b": leaky.params["b"]}
    )
    assert stored["metrics"]["held_out"] == held


def test_fit_terminal_output_names_the_held_out_slice(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, drifting(240, 60, 61))
    out = flat(run(runner, "--fit").stdout)
    assert "held-out check: platt fitted on the older 240 labels, scored on the newest 60" in out
    assert "uncalibrated: AUROC" in out and "calibrated: AUROC" in out
    assert "stored calibrator platt-1 (platt) refit on all 300 labels" in out
    assert "in-sample" not in out


def test_fit_with_too_few_labels_for_a_held_out_slice_says_in_sample(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(80, 62))
    result = run(runner, "--fit")
    assert result.exit_code == 0, result.stderr
    out = flat(result.stdout)
    assert "figures are in-sample (on the labels fitted): a held-out check needs 100 labels" in out
    assert "stored calibrator platt-1 (platt) fitted on 80 labels" in out and "held-out check:" not in out
    assert store.get_calibrator("platt-1")["metrics"]["held_out"] is None


def test_the_held_out_check_fits_the_method_that_is_stored(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(520, 63))  # isotonic on all 520; the older 416 alone would have chosen Platt
    fitted = json.loads(run(runner, "--fit", "--json").stdout)["fit"]
    assert fitted["method"] == "isotonic"
    assert fitted["metrics"]["held_out"]["method"] == "isotonic"


def test_the_held_out_slice_keeps_each_drafts_versions_together() -> None:
    rng = random.Random(64)

    def label(draft: int) -> calibrating.Labelled:
        raw = rng.random()
        return calibrating.Labelled(f"d{draft:03}", raw, raw, None, rng.random() < raw, "default", False)

    # 100 drafts; each one's second version is logged 30 predictions after its first
    firsts = [label(d) for d in range(100)]
    rows = [*firsts[:30]]
    for d in range(30, 100):
        rows += [firsts[d], label(d - 30)]
    rows += [label(d) for d in range(70, 100)]
    held = calibrating.held_out_check(rows, TARGET, "platt")
    assert held is not None
    # the newest fifth of drafts by first prediction: d080..d099, both versions each, and nothing of the others
    assert (held["train_labels"], held["test_labels"]) == (160, 40)
    test_rows = [r for r in rows if r.draft_id >= "d080"]
    expected_checker = cal.fit(
        [r.raw or 0.0 for r in rows if r.draft_id < "d080"],
        [r.error for r in rows if r.draft_id < "d080"],
        target=TARGET,
        method="platt",
    )
    scored = [expected_checker.score(r.raw or 0.0) for r in test_rows]
    labels = [r.error for r in test_rows]
    expected = figures([s for s, _ in scored], [level for _, level in scored], labels)
    assert reported(held["calibrated"]) == pytest.approx(expected)


@pytest.mark.parametrize("extra", [["--target", "0.2"], ["--force"]])
def test_reset_refuses_options_it_would_ignore(runner: CliRunner, store: SQLiteStore, extra: list[str]) -> None:
    result = run(runner, "--reset", *extra)
    assert result.exit_code == 2 and f"run it without {extra[0]}" in result.stderr
