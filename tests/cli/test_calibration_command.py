"""`draftmate calibration`: report, alert, fit, held-out check, plot, export; histories seeded through the store."""

from __future__ import annotations

import json
import random
import sqlite3
import struct
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.domain.records import Kind, Origin, Severity
from draftmate.services import calibrate as calibrating
from draftmate.store.migrations import MIGRATIONS
from draftmate.store.sqlite import SQLiteStore
from draftmate.uncertainty import assessment as uncertainty
from draftmate.uncertainty import calibration as cal

TARGET = 0.10


def default_level(raw: float) -> str:
    """The built-in thresholds, as uncertainty.merge applies them."""
    return "low" if raw >= uncertainty.LOW_AT else "medium" if raw >= uncertainty.MEDIUM_AT else "high"


def outcome(error: bool, rng: random.Random) -> dict[str, Any]:
    """A review outcome that is (or is not) an error, in each of the ways an error can happen."""
    if not error:
        return {"decision": "approved", "edit_distance": round(rng.uniform(0, 0.3), 3), "sections": {}}
    way = rng.randrange(3)
    if way == 0:
        return {"decision": "rejected", "edit_distance": 0.0, "sections": {"reject": 1}}
    if way == 1:
        return {"decision": "changes", "edit_distance": 0.0, "sections": {"edit": 1}}
    return {"decision": "approved", "edit_distance": round(rng.uniform(0.31, 1.0), 3), "sections": {"edit": 2}}


def seed(
    store: SQLiteStore,
    history: list[tuple[float, bool]],
    *,
    seed_: int = 0,
    calibrator: cal.Calibrator | None = None,
    model: str = "m1",
    kind: str = "text",
) -> None:
    """Drafts with a prediction each and a review outcome, through the real store."""
    rng = random.Random(seed_)
    with store.transaction():
        for i, (raw, error) in enumerate(history):
            draft = store.create_draft(
                f"draft {i} {rng.random()}", kind=Kind(kind), lang="", origin=Origin.IMPORTED, author="t"
            )
            risk, level, version = raw, default_level(raw), uncertainty.CALIBRATOR
            if calibrator is not None:
                risk, level = calibrator.score(raw)
                version = calibrator.version
            store.add_prediction(
                draft.id,
                version=1,
                model=model,
                kind=kind,
                features={"raw_risk": raw, "hard_failures": 0},
                risk=risk,
                level=level,
                calibrator=version,
            )
            store.set_outcome(draft.id, outcome(error, rng))


def overconfident(n: int, seed_: int) -> list[tuple[float, bool]]:
    """Most drafts look safe (raw risk near 0), but the true error rate climbs fast: 2% + 4 x risk."""
    rng = random.Random(seed_)
    history = []
    for _ in range(n):
        raw = round(rng.random() ** 3, 4)
        history.append((raw, rng.random() < min(0.98, 0.02 + 4 * raw)))
    return history


def calibrated_history(n: int, seed_: int) -> list[tuple[float, bool]]:
    """Risk that means what it says: each draft is wrong with probability equal to its risk (mostly low)."""
    rng = random.Random(seed_)
    return [(r, rng.random() < r) for r in (round(rng.random() ** 2, 3) for _ in range(n))]


def run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(app, ["calibration", *args])


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, for matching phrases."""
    return " ".join(text.split())


def report_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    result = run(runner, "--json", *args)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


# ---- too few labels ---------------------------------------------------------------------------------------------


def test_empty_store_says_how_many_labels_are_needed(runner: CliRunner, store: SQLiteStore) -> None:
    result = run(runner)
    assert result.exit_code == 0, result.stderr
    assert "needs at least 30 reviewed drafts; review 30 more" in flat(result.stdout)
    assert "AUROC" not in result.stdout and "reliability" not in result.stdout


def test_too_few_labels_prints_no_metrics(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(12, 1))
    # Unreviewed predictions count as predictions but not as labels.
    draft = store.create_draft("pending", kind=Kind.TEXT, lang="", origin=Origin.IMPORTED, author="t")
    store.add_prediction(draft.id, version=1, model="m1", kind="text", features={}, risk=0.1, level="high")
    data = report_json(runner)
    assert (data["labelled"], data["predictions"], data["needed"], data["enough"]) == (12, 13, 18, False)
    assert "auroc" not in data and "reliability" not in data and "alert" not in data
    assert "review 18 more" in flat(run(runner).stdout)


# ---- the report -------------------------------------------------------------------------------------------------


def test_report_metrics_equal_the_math_on_the_same_rows(runner: CliRunner, store: SQLiteStore) -> None:
    history = calibrated_history(400, 2)
    seed(store, history)
    data = report_json(runner)
    risks = [r for r, _ in history]
    labels = [e for _, e in history]
    assert data["labelled"] == 400 and data["errors"] == sum(labels)
    assert data["auroc"] == pytest.approx(cal.auroc(risks, labels))
    assert data["auprc"] == pytest.approx(cal.auprc(risks, labels))
    assert data["brier"] == pytest.approx(cal.brier(risks, labels))
    assert data["ece"] == pytest.approx(cal.ece(risks, labels))
    assert data["auroc"] > 0.7 and data["ece"] < 0.1  # risk that means what it says
    highs = [e for r, e in history if default_level(r) == "high"]
    assert data["high"]["count"] == len(highs) and data["high"]["errors"] == sum(highs)
    assert data["high"]["interval"] == pytest.approx(list(cal.wilson(sum(highs), len(highs)) or ()))
    assert sum(b["count"] for b in data["reliability"]) == 400 and len(data["reliability"]) == 10


def test_terminal_report_has_the_reliability_table(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(200, 3))
    result = run(runner)
    assert result.exit_code == 0, result.stderr
    out = flat(result.stdout)
    assert "200 labelled drafts" in out and "AUROC" in out and "AUPRC" in out and "ECE" in out
    assert "95% Wilson interval" in out
    assert "reliability" in out and "0.0-0.1" in out and "0.9-1.0" in out
    assert "\x1b[" not in out


def test_filters_by_model_kind_and_since(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(40, 4), model="m1", kind="text")
    seed(store, calibrated_history(35, 5), model="m2", kind="code", seed_=1)
    assert report_json(runner)["labelled"] == 75
    assert report_json(runner, "--model", "m2")["labelled"] == 35
    assert report_json(runner, "--kind", "text")["labelled"] == 40
    assert report_json(runner, "--since", "2000-01-01")["labelled"] == 75
    assert report_json(runner, "--since", "2999-01-01")["labelled"] == 0


def test_span_outcomes_are_reported(runner: CliRunner, store: SQLiteStore) -> None:
    rng = random.Random(12)
    risks, changed = [], []
    with store.transaction():
        for i in range(40):
            draft = store.create_draft(f"span {i}", kind=Kind.TEXT, lang="", origin=Origin.IMPORTED, author="t")
            risk = round(rng.random(), 2)
            note = store.add_note(
                draft.id, version=1, kind="number", severity=Severity.VERIFY, why="check", source="check", risk=risk
            )
            was_changed = rng.random() < risk
            risks.append(risk)
            changed.append(was_changed)
            store.add_prediction(draft.id, version=1, model="m1", kind="text", features={}, risk=risk, level="medium")
            store.set_outcome(
                draft.id, {"decision": "approved", "edit_distance": 0.1, "notes_changed": {note.id: was_changed}}
            )
    spans = report_json(runner)["spans"]
    assert spans == {"labelled": 40, "changed": sum(changed), "auroc": pytest.approx(cal.auroc(risks, changed))}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "poem"], "use text or code"),
        (["--since", "last tuesday"], "YYYY-MM-DD"),
        (["--target", "1.5"], "target_error_rate"),
        (["--fit", "--model", "m1"], "fit without --model"),
        (["--fit", "--plot", "x.png"], "--plot draws the report"),
    ],
)
def test_bad_arguments_exit_2(runner: CliRunner, store: SQLiteStore, args: list[str], message: str) -> None:
    result = run(runner, *args)
    assert result.exit_code == 2
    assert message in result.stderr


# ---- the alert, and --fit fixing it -----------------------------------------------------------------------------


def test_overconfident_history_raises_the_alert(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, overconfident(600, 10))
    data = report_json(runner)
    assert data["alert"] is True
    assert data["high"]["rate"] > 0.15 and data["high"]["interval"][1] > TARGET
    result = run(runner)
    assert "ALERT: high-confidence errors exceed the target" in flat(result.stdout)
    assert "--fit" in result.stdout


def test_well_calibrated_history_raises_no_alert(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(2000, 11))
    data = report_json(runner)
    assert data["high"]["interval"][1] < TARGET and data["alert"] is False
    assert "ALERT" not in run(runner).stdout


def test_target_rate_is_a_setting_and_a_flag(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(2000, 11))
    assert report_json(runner, "--target", "0.02")["alert"] is True
    assert runner.invoke(app, ["config", "set", "target_error_rate", "0.02"]).exit_code == 0
    assert report_json(runner)["target_error_rate"] == 0.02


def test_fit_keeps_held_out_high_confidence_errors_under_target(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, overconfident(1000, 20))
    before = report_json(runner)
    assert before["alert"] is True

    result = run(runner, "--fit")
    assert result.exit_code == 0, result.stderr
    assert "stored calibrator isotonic-1 (isotonic) refit on all 1000 labels" in flat(result.stdout)
    active = calibrating.active_calibrator(store)
    assert active is not None and active.version == "isotonic-1"

    # A held-out history from the same process, scored by the fitted calibrator as new drafts would be.
    held_out = overconfident(1000, 21)
    seed(store, held_out, calibrator=active, seed_=2)
    after = report_json(runner, "--calibrator", "isotonic-1")
    assert after["labelled"] == 1000
    assert after["high"]["count"] >= 200  # still useful: a fifth of drafts or more are called high
    assert after["high"]["rate"] < TARGET < before["high"]["rate"]
    assert after["ece"] < before["ece"]


def test_fit_with_few_labels_uses_platt_and_records_it(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, overconfident(300, 30))
    fitted = json.loads(run(runner, "--fit", "--json").stdout)["fit"]
    assert fitted["version"] == "platt-1" and fitted["method"] == "platt" and fitted["n_labels"] == 300
    assert fitted["metrics"]["after"]["brier"] <= fitted["metrics"]["before"]["brier"]
    stored = store.get_calibrator("platt-1")
    assert stored["active"] and set(stored["params"]) == {"a", "b"} and stored["params"]["a"] > 0
    assert stored["thresholds"]["low_at"] >= stored["thresholds"]["medium_at"]
    assert any(e.event == "calibrator.fitted" for e in store.iter_audit())
    assert store.verify() == []
    # A second fit supersedes the first; only one is active.
    assert run(runner, "--fit").exit_code == 0
    assert [c["active"] for c in store.list_calibrators()] == [False, True]


def test_fit_says_when_nothing_can_be_called_high(runner: CliRunner, store: SQLiteStore) -> None:
    rng = random.Random(5)
    seed(store, [(round(rng.random(), 2), rng.random() < 0.4) for _ in range(120)])  # 40% wrong everywhere
    result = run(runner, "--fit")
    assert result.exit_code == 0, result.stderr
    assert "nothing will be called high confidence" in flat(result.stdout)
    active = calibrating.active_calibrator(store)
    assert active is not None and all(active.score(r / 100)[1] != "high" for r in range(101))


def test_fit_with_too_few_labels_fails_and_says_how_many_more(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, calibrated_history(20, 6))
    result = run(runner, "--fit")
    assert result.exit_code == 1
    assert "20 labelled drafts, Platt scaling needs 50; review 30 more" in result.stderr
    assert store.list_calibrators() == []


def test_new_drafts_are_scored_by_the_active_calibrator(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    source = tmp_path / "note.md"
    source.write_text("Revenue grew 45% in 2023 to $3.2 million (Smith, 2021).\n")
    assert runner.invoke(app, ["draft", "--from-file", str(source)]).exit_code == 0
    seed(store, overconfident(300, 40))
    assert run(runner, "--fit").exit_code == 0
    active = calibrating.active_calibrator(store)
    assert active is not None

    result = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    rows = [r for r in store.iter_predictions() if r["draft_id"] in (record["id"],)]
    assert len(rows) == 1
    row = rows[0]
    raw = row["features"]["raw_risk"]
    assert raw is not None and raw > 0
    assert row["calibrator"] == active.version
    assert (row["risk"], row["level"]) == active.score(raw)
    assert record["confidence"] == {"level": row["level"], "risk": row["risk"]}
    first = next(r for r in store.iter_predictions())
    assert first["calibrator"] == uncertainty.CALIBRATOR and first["features"]["raw_risk"] == first["risk"]


# ---- plot ---------------------------------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_writes_a_readable_png(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    seed(store, overconfident(600, 50))
    target = tmp_path / "reliability.png"
    result = run(runner, "--plot", str(target))
    assert result.exit_code == 0, result.stderr
    assert "wrote the reliability diagram to " in flat(result.stdout)
    assert str(target) in result.stdout.replace("\n", "")  # rich folds a path longer than the line (long temp dirs)
    data = target.read_bytes()
    width, height = png_size(data)
    assert 600 <= width <= 2000 and 600 <= height <= 2000
    assert 20_000 < len(data) < 2_000_000
    assert data.endswith(b"IEND\xaeB`\x82")
    # No overwrite without --force; with it, a fresh diagram.
    again = run(runner, "--plot", str(target))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run(runner, "--plot", str(target), "--force").exit_code == 0


def test_plot_with_too_few_labels_writes_nothing(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    seed(store, calibrated_history(10, 7))
    target = tmp_path / "r.png"
    result = run(runner, "--plot", str(target))
    assert result.exit_code == 1 and "review 20 more" in result.stderr
    assert not target.exists()


def test_plot_without_matplotlib_says_how_to_install(
    runner: CliRunner, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store, calibrated_history(40, 8))
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import now raises ImportError
    result = run(runner, "--plot", str(tmp_path / "r.png"))
    assert result.exit_code == 2
    assert "pip install 'draftmate[plot]'" in result.stderr
    assert not (tmp_path / "r.png").exists()


# ---- export -------------------------------------------------------------------------------------------------------


def test_export_writes_every_prediction_with_outcome(runner: CliRunner, store: SQLiteStore, tmp_path: Path) -> None:
    history = calibrated_history(60, 9)
    seed(store, history)
    draft = store.create_draft("pending", kind=Kind.CODE, lang="python", origin=Origin.IMPORTED, author="t")
    store.add_prediction(
        draft.id, version=1, model="m1", kind="code", features={"raw_risk": 0.5}, risk=0.5, level="low"
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "predictions.jsonl"
    result = run(runner, "--export", str(target))
    assert result.exit_code == 0, result.stderr
    assert "wrote 61 predictions" in flat(result.stdout)
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(lines) == 61
    assert {"features", "calibrator", "outcome", "error", "risk", "level", "draft_id"} <= set(lines[0])
    assert [x["error"] for x in lines[:60]] == [e for _, e in history]
    assert lines[60]["outcome"] is None and lines[60]["error"] is None and lines[60]["features"] == {"raw_risk": 0.5}
    assert [p.name for p in out_dir.iterdir()] == ["predictions.jsonl"]  # no temp file left behind

    before = target.read_bytes()
    refused = run(runner, "--export", str(target))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert target.read_bytes() == before
    forced = run(runner, "--export", str(target), "--force", "--kind", "code", "--json")
    assert forced.exit_code == 0 and json.loads(forced.stdout)["export"]["predictions"] == 1
    assert len(target.read_text().splitlines()) == 1


# ---- schema -------------------------------------------------------------------------------------------------------


def test_calibrators_migration_on_blank_and_upgraded_store(tmp_path: Path) -> None:
    fresh = SQLiteStore(tmp_path / "fresh.db")
    assert "0002_calibrators" in fresh.applied_migrations()
    fresh.close()

    # A store written before this migration existed: only 0001 applied.
    old_path = tmp_path / "old.db"
    conn = sqlite3.connect(old_path)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    name, sql = MIGRATIONS[0]
    conn.executescript(sql)
    conn.execute("INSERT INTO _migrations VALUES (?, '2026-01-01T00:00:00.000Z')", (name,))
    conn.commit()
    conn.close()
    upgraded = SQLiteStore(old_path)
    assert upgraded.applied_migrations()[:2] == ["0001_initial", "0002_calibrators"]
    assert upgraded.active_calibrator() is None
    stored = upgraded.add_calibrator(
        method="platt",
        params={"a": 1.0, "b": 0.0},
        thresholds={"medium_at": 0.1, "low_at": 0.5},
        n_labels=50,
        metrics={},
    )
    assert stored["version"] == "platt-1" and upgraded.active_calibrator() == stored
    upgraded.activate_calibrator(None)
    assert upgraded.active_calibrator() is None
    upgraded.close()
