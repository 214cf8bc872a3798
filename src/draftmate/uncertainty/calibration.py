"""Calibration math: error labels from review outcomes, metrics, recalibration and thresholds. Pure, no I/O.

Risk is a probability that a draft is wrong (higher = more likely wrong); an error is the positive class.
Every metric here is checked against scikit-learn in tests/unit/test_calibration_math.py.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

Z95 = 1.959963984540054  # two-sided 95% normal quantile
BINS = 10
ERROR_DECISIONS = ("rejected", "changes")


def is_error(outcome: dict[str, Any] | None, edit_threshold: float) -> bool | None:
    """Whether a reviewed draft was wrong: rejected, changes requested, or edited more than the threshold."""
    if not outcome:
        return None
    if outcome.get("decision") in ERROR_DECISIONS:
        return True
    return float(outcome.get("edit_distance") or 0.0) > edit_threshold


def span_labels(outcome: dict[str, Any] | None) -> dict[str, bool]:
    """Per note ID: whether the reviewer changed the span it pointed at."""
    if not outcome:
        return {}
    return {str(k): bool(v) for k, v in (outcome.get("notes_changed") or {}).items()}


def _check(scores: Sequence[float], labels: Sequence[bool]) -> None:
    if len(scores) != len(labels):
        raise ValueError(f"{len(scores)} scores but {len(labels)} labels")


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties counted half); None unless both classes occur."""
    _check(scores, labels)
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    rank_sum, i = 0.0, 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mid_rank = (i + j) / 2 + 1  # tied scores share the mean of their ranks
        rank_sum += mid_rank * sum(1 for k in order[i : j + 1] if labels[k])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def auprc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Average precision (area under precision-recall, step-wise as scikit-learn); None without errors."""
    _check(scores, labels)
    positives = sum(1 for y in labels if y)
    if positives == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    tp = fp = 0
    area, last_recall, i = 0.0, 0.0, 0
    while i < len(order):
        j = i
        while j < len(order) and scores[order[j]] == scores[order[i]]:
            tp += 1 if labels[order[j]] else 0
            fp += 0 if labels[order[j]] else 1
            j += 1
        recall = tp / positives
        area += (recall - last_recall) * tp / (tp + fp)
        last_recall, i = recall, j
    return area


def brier(probs: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Mean squared difference between predicted risk and what happened."""
    _check(probs, labels)
    if not probs:
        return None
    return sum((p - (1.0 if y else 0.0)) ** 2 for p, y in zip(probs, labels, strict=True)) / len(probs)


def wilson(errors: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion; None when there is nothing to estimate from."""
    if n <= 0:
        return None
    p = errors / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, center - half), min(1.0, center + half)


def wilson_upper(rate: float, n: int, z: float = Z95) -> float:
    """The Wilson score interval's upper bound for an observed `rate` over `n` trials (n > 0)."""
    denom = 1 + z * z / n
    center = (rate + z * z / (2 * n)) / denom
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / denom
    return min(1.0, center + half)


def more_to_show_below(
    errors: int, n: int, target: float, *, at_current_rate: bool, cap: int = 1_000_000
) -> int | None:
    """How many more labels would bring the Wilson upper bound to `target` or under; None past `cap`.

    The new labels err at the rate seen so far (`at_current_rate`), or not at all (the fewest that could do it).
    """
    rate = errors / n if n else 0.0
    if at_current_rate and rate >= target:
        return None

    def upper(more: int) -> float:
        total = n + more
        return wilson_upper(rate if at_current_rate else errors / total, total)

    if n and upper(0) <= target:
        return 0
    if upper(cap) > target:
        return None
    lo, hi = 0 if n else 1, cap  # upper() falls as labels are added at a fixed or falling rate: bisect
    while lo < hi:
        mid = (lo + hi) // 2
        if upper(mid) <= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


class BinView(TypedDict):
    """One reliability bin as the calibration report writes it."""

    lo: float
    hi: float
    count: int
    errors: int
    mean_risk: float | None
    error_rate: float | None


@dataclass
class Bin:
    """One bin of a reliability table: risks in (lo, hi] (the first also takes 0)."""

    lo: float
    hi: float
    count: int = 0
    errors: int = 0
    risk_sum: float = 0.0

    @property
    def mean_risk(self) -> float | None:
        """Mean predicted risk in the bin."""
        return self.risk_sum / self.count if self.count else None

    @property
    def error_rate(self) -> float | None:
        """Share of the bin's drafts that were wrong."""
        return self.errors / self.count if self.count else None

    def as_dict(self) -> BinView:
        """The bin as JSON."""
        return {
            "lo": self.lo,
            "hi": self.hi,
            "count": self.count,
            "errors": self.errors,
            "mean_risk": self.mean_risk,
            "error_rate": self.error_rate,
        }


def reliability(probs: Sequence[float], labels: Sequence[bool], bins: int = BINS) -> list[Bin]:
    """Equal-width bins of predicted risk with the observed error rate in each."""
    _check(probs, labels)
    table = [Bin(lo=i / bins, hi=(i + 1) / bins) for i in range(bins)]
    inner_edges = [i / bins for i in range(1, bins)]
    for p, y in zip(probs, labels, strict=True):
        b = table[bisect_left(inner_edges, p)]  # right-closed bins, as scikit-learn's calibration_curve
        b.count += 1
        b.errors += 1 if y else 0
        b.risk_sum += p
    return table


def ece(probs: Sequence[float], labels: Sequence[bool], bins: int = BINS) -> float | None:
    """Expected calibration error: the count-weighted gap between mean risk and error rate per bin."""
    if not probs:
        return None
    table = reliability(probs, labels, bins)
    return sum(b.count * abs((b.mean_risk or 0.0) - (b.error_rate or 0.0)) for b in table) / len(probs)


# ---- recalibration ----------------------------------------------------------------------------------------


def _sigmoid(t: float) -> float:
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def platt_fit(scores: Sequence[float], labels: Sequence[bool], iterations: int = 100) -> tuple[float, float]:
    """Platt scaling: (a, b) of risk' = sigmoid(a*risk + b), by Newton's method on Platt's smoothed targets."""
    _check(scores, labels)
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    # Platt's targets keep the fit finite when the classes separate perfectly.
    hi, lo = (positives + 1) / (positives + 2), 1 / (negatives + 2)
    targets = [hi if y else lo for y in labels]
    a, b = 0.0, math.log((positives + 1) / (negatives + 1))
    for _ in range(iterations):
        g_a = g_b = h_aa = h_ab = h_bb = 0.0
        for x, t in zip(scores, targets, strict=True):
            p = _sigmoid(a * x + b)
            d, w = p - t, max(p * (1 - p), 1e-12)
            g_a, g_b = g_a + d * x, g_b + d
            h_aa, h_ab, h_bb = h_aa + w * x * x, h_ab + w * x, h_bb + w
        det = h_aa * h_bb - h_ab * h_ab
        if abs(det) < 1e-18:  # every score equal: only the intercept is identifiable
            step_a, step_b = 0.0, g_b / h_bb
        else:
            step_a, step_b = (h_bb * g_a - h_ab * g_b) / det, (h_aa * g_b - h_ab * g_a) / det
        a, b = a - step_a, b - step_b
        if abs(step_a) < 1e-10 and abs(step_b) < 1e-10:
            break
    return a, b


def isotonic_fit(scores: Sequence[float], labels: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Isotonic regression by pool-adjacent-violators: the non-decreasing step fit, as (x, y) knots."""
    _check(scores, labels)
    grouped: dict[float, list[float]] = {}
    for x, y in zip(scores, labels, strict=True):
        g = grouped.setdefault(float(x), [0.0, 0.0])
        g[0] += 1.0
        g[1] += 1.0 if y else 0.0
    xs = sorted(grouped)
    # Each block: [weight, mean, number of distinct x it covers].
    blocks: list[list[float]] = []
    for x in xs:
        weight, errors = grouped[x]
        blocks.append([weight, errors / weight, 1])
        while len(blocks) > 1 and blocks[-2][1] > blocks[-1][1]:
            w2, m2, c2 = blocks.pop()
            w1, m1, c1 = blocks.pop()
            blocks.append([w1 + w2, (w1 * m1 + w2 * m2) / (w1 + w2), c1 + c2])
    ys: list[float] = []
    for _weight, mean, count in blocks:
        ys.extend([mean] * int(count))
    # Inside a flat run the middle knots change nothing under interpolation; dropping them keeps stored fits small.
    keep = [i for i in range(len(xs)) if i in (0, len(xs) - 1) or not ys[i - 1] == ys[i] == ys[i + 1]]
    return [xs[i] for i in keep], [ys[i] for i in keep]


def interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    """Piecewise-linear interpolation between knots, clipped at the ends."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect_left(xs, x)
    if xs[i] == x:
        return ys[i]
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


@dataclass(frozen=True)
class Thresholds:
    """Calibrated-risk cut points: high confidence below `medium_at`, low at or above `low_at`."""

    medium_at: float
    low_at: float
    high_count: int = 0
    high_errors: int = 0

    def level(self, risk: float, *, hard: bool = False) -> str:
        """The confidence level of a calibrated risk; a failed hard check is always low."""
        if hard or risk >= self.low_at:
            return "low"
        return "medium" if risk >= self.medium_at else "high"


def choose_thresholds(risks: Sequence[float], labels: Sequence[bool], target: float) -> Thresholds:
    """The largest `high` region (lowest risks) whose Wilson 95% upper bound of errors stays under `target`."""
    _check(risks, labels)
    order = sorted(range(len(risks)), key=lambda i: risks[i])
    best: tuple[int, int, float] | None = None  # (count, errors, cut)
    n = k = 0
    i = 0
    while i < len(order):
        value = risks[order[i]]
        while i < len(order) and risks[order[i]] == value:
            k += 1 if labels[order[i]] else 0
            n += 1
            i += 1
        interval = wilson(k, n)
        if interval is not None and interval[1] < target:
            following = risks[order[i]] if i < len(order) else 1.0
            cut = (value + following) / 2 if following > value else following
            best = (n, k, cut)
    medium_at = best[2] if best else 0.0  # nothing is high when no region is safe enough
    return Thresholds(
        medium_at=medium_at,
        low_at=max(0.5, medium_at),  # more likely wrong than right
        high_count=best[0] if best else 0,
        high_errors=best[1] if best else 0,
    )


@dataclass(frozen=True)
class Calibrator:
    """A fitted map from raw risk to calibrated risk, with the thresholds that turn it into a level."""

    version: str
    method: str  # "platt" or "isotonic"
    params: dict[str, Any]
    thresholds: Thresholds

    def risk(self, raw: float) -> float:
        """The calibrated risk of a raw risk."""
        if self.method == "platt":
            return _sigmoid(float(self.params["a"]) * raw + float(self.params["b"]))
        if self.method == "isotonic":
            return interpolate(self.params["x"], self.params["y"], raw)
        raise ValueError(f"unknown calibration method {self.method!r}")

    def score(self, raw: float, *, hard: bool = False) -> tuple[float, str]:
        """(calibrated risk, level) for a raw risk."""
        calibrated = self.risk(raw)
        return round(calibrated, 4), self.thresholds.level(calibrated, hard=hard)


PLATT_MIN, ISOTONIC_MIN = 50, 500


def fit_method(n_labels: int) -> str | None:
    """Which recalibration the amount of evidence supports: isotonic with 500+, Platt with 50+, else none."""
    if n_labels >= ISOTONIC_MIN:
        return "isotonic"
    if n_labels >= PLATT_MIN:
        return "platt"
    return None


def fit(
    raw: Sequence[float], labels: Sequence[bool], *, target: float, version: str = "", method: str | None = None
) -> Calibrator:
    """Fit the recalibration the evidence supports (or `method`) and choose thresholds on the calibrated risks."""
    method = method or fit_method(len(raw))
    if method is None:
        raise ValueError(f"{len(raw)} labels are too few to fit; {PLATT_MIN} are needed")
    if method == "platt":
        a, b = platt_fit(raw, labels)
        params: dict[str, Any] = {"a": a, "b": b}
    else:
        xs, ys = isotonic_fit(raw, labels)
        params = {"x": xs, "y": ys}
    draft = Calibrator(version=version, method=method, params=params, thresholds=Thresholds(0.0, 0.5))
    calibrated = [draft.risk(r) for r in raw]
    return Calibrator(
        version=version, method=method, params=params, thresholds=choose_thresholds(calibrated, labels, target)
    )
