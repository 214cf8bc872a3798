"""Calibration math: known answers by hand, and every metric against scikit-learn/scipy on the same numbers."""

from __future__ import annotations

import ast
import math
import random
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from draftmate.uncertainty import calibration as cal

SRC = Path(__file__).resolve().parents[2] / "src" / "draftmate"


def synthetic(n: int, seed: int, *, ties: bool = True) -> tuple[list[float], list[bool]]:
    """Risks with a real but imperfect relation to errors; rounded so ties occur, as they do in practice."""
    rng = random.Random(seed)
    risks, labels = [], []
    for _ in range(n):
        r = rng.random()
        risks.append(round(r, 2) if ties else r)
        labels.append(rng.random() < 0.05 + 0.8 * r)
    return risks, labels


# ---- labels ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (None, None),
        ({"decision": "rejected", "edit_distance": 0.0}, True),
        ({"decision": "changes", "edit_distance": 0.0}, True),
        ({"decision": "approved", "edit_distance": 0.31}, True),
        ({"decision": "approved", "edit_distance": 0.3}, False),  # "above" the threshold, not at it
        ({"decision": "approved", "edit_distance": 0.0}, False),
    ],
)
def test_error_label_from_outcome(outcome: dict[str, object] | None, expected: bool | None) -> None:
    assert cal.is_error(outcome, 0.3) is expected


def test_edit_threshold_is_configurable() -> None:
    outcome = {"decision": "approved", "edit_distance": 0.2}
    assert cal.is_error(outcome, 0.3) is False
    assert cal.is_error(outcome, 0.1) is True


def test_span_labels() -> None:
    assert cal.span_labels({"notes_changed": {"a": True, "b": False}}) == {"a": True, "b": False}
    assert cal.span_labels({"decision": "approved"}) == {}
    assert cal.span_labels(None) == {}


# ---- known answers ------------------------------------------------------------------------------------------


def test_auroc_known_answers() -> None:
    assert cal.auroc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)
    assert cal.auroc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 1.0
    assert cal.auroc([0.9, 0.8, 0.2, 0.1], [False, False, True, True]) == 0.0
    assert cal.auroc([0.5] * 4, [False, True, False, True]) == 0.5  # ties count half
    assert cal.auroc([0.1, 0.2], [True, True]) is None  # one class: undefined, not a number


def test_auprc_known_answers() -> None:
    assert cal.auprc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(5 / 6)
    assert cal.auprc([0.1, 0.9], [False, True]) == 1.0
    assert cal.auprc([0.1, 0.9], [False, False]) is None


def test_brier_known_answer() -> None:
    assert cal.brier([0.1, 0.9, 0.8, 0.3], [False, True, True, False]) == pytest.approx(0.0375)
    assert cal.brier([], []) is None


def test_wilson_known_answers() -> None:
    lo, hi = cal.wilson(0, 10) or (None, None)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = cal.wilson(5, 10) or (None, None)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert cal.wilson(0, 0) is None


def test_ece_is_zero_when_calibrated_and_the_gap_otherwise() -> None:
    risks = [0.3] * 10 + [0.75] * 4
    labels = [True] * 3 + [False] * 7 + [True] * 3 + [False]
    assert cal.ece(risks, labels) == pytest.approx(0.0)
    # Everyone said 0.05, half were wrong: the whole population is off by 0.45.
    assert cal.ece([0.05] * 20, [True, False] * 10) == pytest.approx(0.45)


def test_reliability_bins_are_right_closed_with_counts() -> None:
    table = cal.reliability([0.0, 0.1, 0.15, 0.95, 1.0], [False, True, False, True, True])
    assert len(table) == 10
    assert [b.count for b in table] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table[0].errors == 1 and table[0].error_rate == 0.5 and table[0].mean_risk == pytest.approx(0.05)
    assert table[2].mean_risk is None and table[2].error_rate is None


def test_isotonic_pools_adjacent_violators() -> None:
    xs, ys = cal.isotonic_fit([1, 2, 3], [True, False, True])
    assert xs == [1, 2, 3] and ys == [0.5, 0.5, 1.0]
    # A flat run keeps only its ends.
    assert cal.isotonic_fit([1, 2, 3, 4, 5], [False, False, False, False, True]) == ([1, 4, 5], [0.0, 0.0, 1.0])
    assert cal.interpolate(xs, ys, 2.5) == 0.75
    assert cal.interpolate(xs, ys, 0) == 0.5 and cal.interpolate(xs, ys, 9) == 1.0


def test_platt_recovers_a_known_sigmoid() -> None:
    rng = random.Random(3)
    risks = [rng.random() for _ in range(20_000)]
    labels = [rng.random() < 1 / (1 + math.exp(-(6 * r - 3))) for r in risks]
    a, b = cal.platt_fit(risks, labels)
    assert a == pytest.approx(6, abs=0.3) and b == pytest.approx(-3, abs=0.2)


def test_thresholds_pick_the_largest_safe_high_region() -> None:
    risks = [0.01] * 100 + [0.2] * 50 + [0.9] * 100
    labels = [False] * 100 + [True] * 5 + [False] * 45 + [True] * 100
    t = cal.choose_thresholds(risks, labels, target=0.10)
    # 5 errors in 150 has an upper bound of 7.6%: both lower groups are high, the midpoint to 0.9 is the cut.
    assert (t.high_count, t.high_errors) == (150, 5)
    assert t.medium_at == pytest.approx(0.55) and t.low_at == pytest.approx(0.55)
    assert t.level(0.2) == "high" and t.level(0.6) == "low" and t.level(0.01, hard=True) == "low"


def test_no_high_region_when_none_is_safe() -> None:
    t = cal.choose_thresholds([0.01] * 30, [False] * 30, target=0.10)  # 0/30: upper bound 11.4%
    assert t.high_count == 0 and t.medium_at == 0.0
    assert t.level(0.0) == "medium"  # nothing is called high


def test_fit_method_follows_the_amount_of_evidence() -> None:
    assert cal.fit_method(49) is None
    assert cal.fit_method(50) == "platt"
    assert cal.fit_method(499) == "platt"
    assert cal.fit_method(500) == "isotonic"
    with pytest.raises(ValueError, match="50 are needed"):
        cal.fit([0.1] * 10, [False] * 10, target=0.1)


# ---- against scikit-learn / scipy ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("ties", [True, False])
def test_auroc_auprc_brier_match_sklearn(seed: int, ties: bool) -> None:
    risks, labels = synthetic(700, seed, ties=ties)
    y = np.array(labels, dtype=int)
    assert cal.auroc(risks, labels) == pytest.approx(roc_auc_score(y, risks), abs=1e-12)
    assert cal.auprc(risks, labels) == pytest.approx(average_precision_score(y, risks), abs=1e-12)
    assert cal.brier(risks, labels) == pytest.approx(brier_score_loss(y, risks), abs=1e-12)


@pytest.mark.parametrize("seed", [4, 5])
def test_reliability_and_ece_match_sklearn_calibration_curve(seed: int) -> None:
    risks, labels = synthetic(900, seed)
    risks[:3] = [0.1, 0.5, 1.0]  # values on bin edges
    y = np.array(labels, dtype=int)
    p = np.array(risks)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], p), minlength=10)
    table = [b for b in cal.reliability(risks, labels) if b.count]
    assert [b.count for b in table] == [int(c) for c in counts if c]
    assert [b.error_rate for b in table] == pytest.approx(list(prob_true), abs=1e-12)
    assert [b.mean_risk for b in table] == pytest.approx(list(prob_pred), abs=1e-12)
    expected_ece = float(np.sum(counts[counts > 0] * np.abs(prob_true - prob_pred)) / len(p))
    assert cal.ece(risks, labels) == pytest.approx(expected_ece, abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 35), (3, 40), (17, 120), (50, 50), (412, 1000)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = cal.wilson(k, n) or (None, None)
    assert lo == pytest.approx(ci.low, abs=1e-9) and hi == pytest.approx(ci.high, abs=1e-9)


@pytest.mark.parametrize("seed", [6, 7])
def test_isotonic_matches_sklearn(seed: int) -> None:
    risks, labels = synthetic(600, seed)
    xs, ys = cal.isotonic_fit(risks, labels)
    reference = IsotonicRegression(out_of_bounds="clip").fit(risks, np.array(labels, dtype=float))
    grid = [i / 200 for i in range(-5, 206)]
    ours = [cal.interpolate(xs, ys, x) for x in grid]
    assert ours == pytest.approx(list(reference.predict(grid)), abs=1e-12)


@pytest.mark.parametrize("seed", [8, 9])
def test_platt_matches_sklearn_logistic_regression(seed: int) -> None:
    risks, labels = synthetic(300, seed, ties=False)
    a, b = cal.platt_fit(risks, labels)
    # Platt's smoothed targets are soft labels: each draft counts as an error with weight t, a success with 1 - t.
    positives = sum(labels)
    negatives = len(labels) - positives
    t = np.array([(positives + 1) / (positives + 2) if y else 1 / (negatives + 2) for y in labels])
    x = np.array(risks).reshape(-1, 1)
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    model.fit(np.vstack([x, x]), np.r_[np.ones(len(x)), np.zeros(len(x))], sample_weight=np.r_[t, 1 - t])
    assert a == pytest.approx(model.coef_[0][0], abs=1e-5)
    assert b == pytest.approx(model.intercept_[0], abs=1e-5)


def test_platt_stays_finite_when_classes_separate() -> None:
    a, b = cal.platt_fit([0.1] * 30 + [0.9] * 30, [False] * 30 + [True] * 30)
    assert math.isfinite(a) and math.isfinite(b) and a > 0


def test_calibration_math_imports_nothing_above_layer_two() -> None:
    tree = ast.parse((SRC / "uncertainty" / "calibration.py").read_text())
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {m for m in imported if m.startswith("draftmate")} - {"draftmate.domain.records", "draftmate.errors"}
    assert not {m for m in imported if m.split(".")[0] in ("sqlite3", "rich", "typer", "numpy", "matplotlib")}
