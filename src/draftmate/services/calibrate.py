"""Calibration as a use case: read logged predictions and outcomes, report, fit and store calibrators, export.

How well did the draft-level risk predict what reviewers did? An error is a draft rejected, sent back for
changes, or edited more than `edit_threshold`. The report needs MIN_REPORT labelled drafts; below that it says
how many more are needed instead of printing noise. A fit needs calibration.PLATT_MIN (Platt scaling) or
calibration.ISOTONIC_MIN (isotonic regression) labels; the fitted calibrator is stored, versioned, and becomes
the one `assess.annotate` scores new drafts with. Figures on the labels a calibrator was fitted on flatter it, so
with HOLDOUT_FROM labels or more a fit is first checked on the newest fifth of drafts after fitting the same method
on the older rest; the stored calibrator is then refit on all of them. `reset` goes back to the built-in
thresholds; `activate` undoes it.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from draftmate.errors import DraftmateError, NotFound, UsageError
from draftmate.store.protocol import Store
from draftmate.uncertainty import assessment as uncertainty
from draftmate.uncertainty import calibration as cal

MIN_REPORT = 30  # below this, AUROC and error rates swing too much to act on
MIN_HIGH_FOR_RATE = 30  # high-confidence labels before a point estimate over the target is evidence enough
PLOT_INSTALL = "pip install 'draftmate[plot]'"
HOLDOUT_SHARE = 0.2  # the newest fifth of labels tests a fit made on the older rest
HOLDOUT_FROM = 100  # total labels: below it the held-out fifth (< 20 drafts) is too small to say anything


@dataclass(frozen=True)
class Filters:
    """Which predictions to look at."""

    model: str | None = None
    kind: str | None = None
    since: str | None = None  # ISO date or UTC timestamp, compared with created_at
    calibrator: str | None = None

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether a prediction row passes every filter given."""
        return (
            (self.model is None or row["model"] == self.model)
            and (self.kind is None or row["kind"] == self.kind)
            and (self.since is None or row["created_at"] >= self.since)
            and (self.calibrator is None or row["calibrator"] == self.calibrator)
        )

    def as_dict(self) -> dict[str, Any]:
        """The filters as JSON."""
        return {"model": self.model, "kind": self.kind, "since": self.since, "calibrator": self.calibrator}


def parse_since(text: str | None) -> str | None:
    """`--since` as the ISO form stored timestamps compare with; a bad date names the format."""
    if text is None:
        return None
    try:
        if len(text.strip()) == 10:
            return date.fromisoformat(text.strip()).isoformat()
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--since {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def parse_kind(kind: str | None) -> str | None:
    """`--kind`, checked."""
    if kind is not None and kind not in ("text", "code"):
        raise UsageError(f"--kind {kind!r}: use text or code")
    return kind


@dataclass
class Labelled:
    """A prediction whose draft has been reviewed."""

    draft_id: str
    risk: float
    raw: float | None
    level: str | None
    error: bool
    calibrator: str
    hard: bool
    spans: dict[str, bool] = field(default_factory=dict)
    created_at: str = ""


class Rate(TypedDict):
    """An error rate with its 95% Wilson interval (None when there is nothing to count)."""

    count: int
    errors: int
    rate: float | None
    interval: list[float] | None


class SpanReport(TypedDict):
    """How many noted spans reviewers changed, and how well note risk predicted it."""

    labelled: int
    changed: int
    auroc: float | None


class MoreToShowBelow(TypedDict):
    """No alert, but the upper bound is over the target: how many more high-confidence labels would settle it."""

    drafts: int | None  # None: more than a million would be needed
    assuming: str  # "current rate": the new ones err as the labelled ones did; "no errors": none of them errs


class CalibrationReport(TypedDict):
    """`calibration --json`: always the counts; the metrics only when `enough` labels exist (in this key order)."""

    filters: dict[str, Any]
    edit_threshold: float
    target_error_rate: float
    min_labels: int
    predictions: int
    labelled: int
    enough: bool
    needed: int
    active_calibrator: str | None
    stored_calibrators: list[str]
    calibrators: dict[str, int]
    errors: NotRequired[int]
    error_rate: NotRequired[float]
    auroc: NotRequired[float | None]
    auprc: NotRequired[float | None]
    brier: NotRequired[float | None]
    ece: NotRequired[float | None]
    high: NotRequired[Rate]
    levels: NotRequired[dict[str, Rate]]
    alert: NotRequired[bool]
    alert_basis: NotRequired[str | None]
    more_to_show_below: NotRequired[MoreToShowBelow | None]
    reliability: NotRequired[list[cal.BinView]]
    spans: NotRequired[SpanReport]


def raw_risk(row: dict[str, Any]) -> float | None:
    """The uncalibrated risk behind a prediction: kept in its features, else the risk itself (legacy rows)."""
    value = row["features"].get("raw_risk", row["risk"])
    return None if value is None else float(value)


def labelled(store: Store, filters: Filters, edit_threshold: float) -> tuple[int, list[Labelled]]:
    """How many predictions match, and those with an outcome and a risk, labelled."""
    total, found = 0, []
    for row in store.iter_predictions():
        if not filters.matches(row):
            continue
        total += 1
        error = cal.is_error(row["outcome"], edit_threshold)
        if error is None or row["risk"] is None:
            continue
        found.append(
            Labelled(
                draft_id=row["draft_id"],
                risk=float(row["risk"]),
                raw=raw_risk(row),
                level=row["level"],
                error=error,
                calibrator=row["calibrator"],
                hard=bool(row["features"].get("hard_failures")),
                spans=cal.span_labels(row["outcome"]),
                created_at=row["created_at"],
            )
        )
    return total, found


def _rate(errors: int, n: int) -> Rate:
    interval = cal.wilson(errors, n)
    return {
        "count": n,
        "errors": errors,
        "rate": errors / n if n else None,
        "interval": list(interval) if interval else None,
    }


def alert_basis(high: Rate, target: float) -> str | None:
    """Why the evidence shows high-confidence errors above `target`, or None when it does not.

    An upper bound over the target only says the rate is not yet known to be under it (30 correct drafts of 30
    still give 11.4%), so it never alerts alone: the Wilson lower bound must be over the target, or the observed
    rate over it with MIN_HIGH_FOR_RATE labels.
    """
    interval, rate = high["interval"], high["rate"]
    if interval is None or rate is None:
        return None
    if interval[0] > target:
        return "lower bound"
    if high["count"] >= MIN_HIGH_FOR_RATE and rate > target:
        return "point estimate"
    return None


def more_to_show_below(high: Rate, target: float) -> MoreToShowBelow | None:
    """With no alert and the upper bound over `target`: the labels that would bring it under; None when it is."""
    count, errors, interval = high["count"], high["errors"], high["interval"]
    if interval is not None and interval[1] <= target:
        return None
    if count and errors / count < target:
        drafts = cal.more_to_show_below(errors, count, target, at_current_rate=True)
        return {"drafts": drafts, "assuming": "current rate"}
    return {"drafts": cal.more_to_show_below(errors, count, target, at_current_rate=False), "assuming": "no errors"}


def report(
    store: Store,
    *,
    filters: Filters,
    edit_threshold: float,
    target: float,
    min_labels: int = MIN_REPORT,
) -> CalibrationReport:
    """The calibration report as stable JSON; metrics only when there are at least `min_labels` labels."""
    total, rows = labelled(store, filters, edit_threshold)
    active = store.active_calibrator()
    result: CalibrationReport = {
        "filters": filters.as_dict(),
        "edit_threshold": edit_threshold,
        "target_error_rate": target,
        "min_labels": min_labels,
        "predictions": total,
        "labelled": len(rows),
        "enough": len(rows) >= min_labels,
        "needed": max(0, min_labels - len(rows)),
        "active_calibrator": active["version"] if active else None,
        "stored_calibrators": [c["version"] for c in store.list_calibrators()],
        "calibrators": dict(Counter(r.calibrator for r in rows)),
    }
    if not result["enough"]:
        return result
    risks, labels = [r.risk for r in rows], [r.error for r in rows]
    levels = {
        level: _rate(sum(1 for r in rows if r.level == level and r.error), sum(1 for r in rows if r.level == level))
        for level in ("high", "medium", "low")
    }
    high = levels["high"]
    # one key at a time, in the order `--json` has always printed them
    result["errors"] = sum(labels)
    result["error_rate"] = sum(labels) / len(labels)
    result["auroc"] = cal.auroc(risks, labels)
    result["auprc"] = cal.auprc(risks, labels)
    result["brier"] = cal.brier(risks, labels)
    result["ece"] = cal.ece(risks, labels)
    result["high"] = high
    result["levels"] = levels
    basis = alert_basis(high, target)
    result["alert"] = basis is not None
    result["alert_basis"] = basis
    result["more_to_show_below"] = None if basis else more_to_show_below(high, target)
    result["reliability"] = [b.as_dict() for b in cal.reliability(risks, labels)]
    result["spans"] = span_report(store, rows)
    return result


def span_report(store: Store, rows: list[Labelled]) -> SpanReport:
    """Per-span outcomes: how many note spans the reviewers changed, and how well note risk predicted it."""
    risks: list[float] = []
    changed: list[bool] = []
    for row in rows:
        if not row.spans:
            continue
        note_risk = {n.id: n.risk for n in store.list_notes(row.draft_id)}
        for note_id, was_changed in row.spans.items():
            risk = note_risk.get(note_id)
            if risk is not None:
                risks.append(risk)
                changed.append(was_changed)
    enough = len(risks) >= MIN_REPORT
    return {
        "labelled": len(risks),
        "changed": sum(changed),
        "auroc": cal.auroc(risks, changed) if enough else None,
    }


# ---- fitting ------------------------------------------------------------------------------------------------


def fit(store: Store, *, since: str | None, edit_threshold: float, target: float) -> dict[str, Any]:
    """Fit a calibrator on every labelled draft (since a date), store it as the active one, and describe it."""
    _, rows = labelled(store, Filters(since=since), edit_threshold)
    usable = [r for r in rows if r.raw is not None]  # oldest first, as the store lists predictions
    method = cal.fit_method(len(usable))
    if method is None:
        raise DraftmateError(
            f"cannot fit yet: {len(usable)} labelled drafts, Platt scaling needs {cal.PLATT_MIN}; "
            f"review {cal.PLATT_MIN - len(usable)} more drafts first"
        )
    raw = [float(r.raw) for r in usable if r.raw is not None]
    labels = [r.error for r in usable]
    fitted = cal.fit(raw, labels, target=target)
    calibrated = [fitted.risk(x) for x in raw]
    t = fitted.thresholds
    metrics = {
        "in_sample": True,  # before, after and high are measured on the labels the stored calibrator was fitted on
        "before": {"brier": cal.brier(raw, labels), "ece": cal.ece(raw, labels), "auroc": cal.auroc(raw, labels)},
        "after": {
            "brier": cal.brier(calibrated, labels),
            "ece": cal.ece(calibrated, labels),
            "auroc": cal.auroc(calibrated, labels),
        },
        "high": _rate(t.high_errors, t.high_count),
        "held_out": held_out_check(usable, target, method),
        "held_out_from": HOLDOUT_FROM,
        "target_error_rate": target,
        "edit_threshold": edit_threshold,
        "since": since,
    }
    stored = store.add_calibrator(
        method=fitted.method,
        params=fitted.params,
        thresholds={"medium_at": t.medium_at, "low_at": t.low_at},
        n_labels=len(usable),
        metrics=metrics,
    )
    return {
        "version": stored["version"],
        "method": stored["method"],
        "n_labels": stored["n_labels"],
        "thresholds": stored["thresholds"],
        "metrics": metrics,
        "nothing_high": t.high_count == 0,
    }


def held_out_check(rows: list[Labelled], target: float, method: str) -> dict[str, Any] | None:
    """Fit `method` on the older drafts' labels, score the newest fifth of drafts with and without it; None when
    there are too few labels.

    Split by draft, not by prediction: each version of a draft logs a prediction, and two versions of one draft on
    both sides would let the fit see part of what it is scored on.
    """
    drafts = list(dict.fromkeys(r.draft_id for r in rows))  # in the order of their first prediction
    newest = set(drafts[len(drafts) - int(len(drafts) * HOLDOUT_SHARE) :]) if len(drafts) >= 5 else set()
    train = [r for r in rows if r.draft_id not in newest]
    test = [r for r in rows if r.draft_id in newest]
    if len(rows) < HOLDOUT_FROM or not test or cal.fit_method(len(train)) is None:
        return None
    # the method the stored calibrator uses, even where the older slice alone would have chosen another
    checker = cal.fit([float(r.raw or 0.0) for r in train], [r.error for r in train], target=target, method=method)
    scored = [checker.score(float(r.raw or 0.0), hard=r.hard) for r in test]
    labels = [r.error for r in test]
    return {
        "method": checker.method,
        "train_labels": len(train),
        "test_labels": len(test),
        "test_from": test[0].created_at,
        "uncalibrated": _figures(
            [float(r.raw or 0.0) for r in test], [builtin_level(float(r.raw or 0.0), r.hard) for r in test], labels
        ),
        "calibrated": _figures([risk for risk, _ in scored], [level for _, level in scored], labels),
    }


def _figures(risks: list[float], levels: list[str], labels: list[bool]) -> dict[str, Any]:
    """AUROC, Brier, ECE and the high-confidence error rate of risks and levels against what happened."""
    high = [y for level, y in zip(levels, labels, strict=True) if level == "high"]
    return {
        "auroc": cal.auroc(risks, labels),
        "brier": cal.brier(risks, labels),
        "ece": cal.ece(risks, labels),
        "high": _rate(sum(high), len(high)),
    }


# ---- which calibrator scores new drafts -----------------------------------------------------------------------


def builtin_level(raw: float, hard: bool = False) -> str:
    """The level the built-in thresholds give a raw risk, as uncertainty.merge applies them."""
    return uncertainty.BUILTIN_THRESHOLDS.level(raw, hard=hard)


def in_effect(store: Store) -> dict[str, Any]:
    """What scores new drafts now: the active calibrator and its thresholds, or the built-in ones on raw risk."""
    active = store.active_calibrator()
    if active is None:
        return {
            "calibrator": None,
            "builtin": uncertainty.CALIBRATOR,
            "medium_at": uncertainty.MEDIUM_AT,
            "low_at": uncertainty.LOW_AT,
        }
    return {
        "calibrator": active["version"],
        "method": active["method"],
        "n_labels": active["n_labels"],
        "medium_at": float(active["thresholds"]["medium_at"]),
        "low_at": float(active["thresholds"]["low_at"]),
    }


def reset(store: Store) -> dict[str, Any]:
    """Score new drafts with the built-in thresholds again; the calibrator that was active stays stored."""
    active = store.active_calibrator()
    if active is not None:
        store.activate_calibrator(None)
    return {"deactivated": active["version"] if active else None, "in_effect": in_effect(store)}


def activate(store: Store, version: str) -> dict[str, Any]:
    """Score new drafts with a stored calibrator again (after a reset or a later fit)."""
    stored = [c["version"] for c in store.list_calibrators()]
    if version not in stored:
        choices = ", ".join(stored) if stored else "none yet; `draftmate calibration --fit` makes one"
        raise NotFound(f"no calibrator {version!r}; stored calibrators: {choices}")
    store.activate_calibrator(version)
    return {"activated": version, "in_effect": in_effect(store)}


def to_calibrator(stored: dict[str, Any]) -> cal.Calibrator:
    """A stored calibrator row as the pure object that scores risks."""
    th = stored["thresholds"]
    return cal.Calibrator(
        version=stored["version"],
        method=stored["method"],
        params=stored["params"],
        thresholds=cal.Thresholds(medium_at=float(th["medium_at"]), low_at=float(th["low_at"])),
    )


def active_calibrator(store: Store) -> cal.Calibrator | None:
    """The calibrator new drafts are scored with, or None for the built-in thresholds."""
    stored = store.active_calibrator()
    return to_calibrator(stored) if stored else None


def calibrate(calibrator: cal.Calibrator | None, raw: float | None, *, hard: bool = False) -> tuple[float, str] | None:
    """(calibrated risk, level) of a raw risk under `calibrator`; None when there is nothing to calibrate."""
    if calibrator is None or raw is None:
        return None
    return calibrator.score(raw, hard=hard)


# ---- export -------------------------------------------------------------------------------------------------


def export_lines(store: Store, filters: Filters, edit_threshold: float) -> Iterator[str]:
    """Every matching prediction as one JSON line: features, calibrator version, outcome and its error label."""
    for row in store.iter_predictions():
        if not filters.matches(row):
            continue
        record = {
            "id": row["id"],
            "draft_id": row["draft_id"],
            "version": row["version"],
            "created_at": row["created_at"],
            "model": row["model"],
            "kind": row["kind"],
            "calibrator": row["calibrator"],
            "risk": row["risk"],
            "level": row["level"],
            "features": row["features"],
            "outcome": row["outcome"],
            "outcome_at": row["outcome_at"],
            "error": cal.is_error(row["outcome"], edit_threshold),
        }
        yield json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"


def export(store: Store, path: Path, *, filters: Filters, edit_threshold: float, force: bool) -> int:
    """Stream the predictions to a JSONL file atomically; never over an existing file without `force`."""
    from draftmate.fileio import write_lines_atomic

    return write_lines_atomic(path, export_lines(store, filters, edit_threshold), overwrite=force)


# ---- reliability diagram ------------------------------------------------------------------------------------


def plot(result: CalibrationReport, path: Path, *, force: bool) -> None:
    """Write the report's reliability diagram as a PNG: risk vs error rate, the diagonal, drafts per bin."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(f"--plot needs matplotlib, which is not installed: {PLOT_INSTALL}") from None
    if not result.get("enough"):
        raise DraftmateError(
            f"no plot: {result['labelled']} labelled drafts, the report needs {result['min_labels']}; "
            f"review {result['needed']} more drafts first"
        )
    png = _render_png(Figure, result)
    from draftmate.fileio import write_atomic

    write_atomic(path, png, overwrite=force)


def _render_png(figure_class: Any, result: CalibrationReport) -> bytes:
    bins = result["reliability"]
    fig = figure_class(figsize=(7.5, 8.0), dpi=110, layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration (diagonal)")
    filled = [b for b in bins if b["count"]]
    xs = [b["mean_risk"] or 0.0 for b in filled]  # a bin with drafts has both figures: `or` only types them
    ys = [b["error_rate"] or 0.0 for b in filled]
    lower, upper = [], []
    for b, y in zip(filled, ys, strict=True):
        lo, hi = cal.wilson(b["errors"], b["count"]) or (0.0, 0.0)
        lower.append(max(0.0, y - lo))  # float noise must not make a bar negative
        upper.append(max(0.0, hi - y))
    top.errorbar(
        xs, ys, yerr=[lower, upper], fmt="o-", color="tab:blue", capsize=3, label="observed (95% Wilson interval)"
    )
    for x, y, b in zip(xs, ys, filled, strict=True):
        right = x > 0.85  # keep labels near the right edge inside the axes
        top.annotate(
            f"n={b['count']}",
            (x, y),
            textcoords="offset points",
            xytext=(-7 if right else 7, -4),
            ha="right" if right else "left",
            va="top",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
    target = result["target_error_rate"]
    top.axhline(target, color="tab:red", linewidth=0.8, linestyle=":", label=f"target error rate {target:.0%}")
    top.set_xlim(0, 1)
    top.set_ylim(-0.02, 1.04)
    top.set_ylabel("observed error rate (rejected, changes, or heavily edited)")
    top.set_title(
        f"Reliability of draft risk: {result['labelled']} labelled drafts, "
        f"ECE {result['ece']:.3f}, Brier {result['brier']:.3f}"
    )
    top.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    centers = [(b["lo"] + b["hi"]) / 2 for b in bins]
    counts = [b["count"] for b in bins]
    bars = bottom.bar(centers, counts, width=0.09, color="tab:grey")
    bottom.bar_label(bars, labels=[str(c) for c in counts], fontsize=8)
    bottom.set_xlabel("predicted risk (bins of 0.1; dots at the mean risk in the bin)")
    bottom.set_ylabel("drafts per bin")
    bottom.set_ylim(0, max(counts + [1]) * 1.25)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
