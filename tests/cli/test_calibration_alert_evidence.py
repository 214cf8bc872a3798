"""`draftmate calibration` alerts only on evidence that high-confidence errors exceed the target."""

from __future__ import annotations

import json
from typing import Any

from test_calibration_command import flat, seed
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.store.sqlite import SQLiteStore
from draftmate.uncertainty import calibration as cal

SAFE = 0.01  # raw risk the built-in thresholds call high confidence


def report(runner: CliRunner) -> tuple[dict[str, Any], str]:
    as_json = runner.invoke(app, ["calibration", "--json"])
    as_text = runner.invoke(app, ["calibration"])
    assert as_json.exit_code == 0 and as_text.exit_code == 0, as_json.stderr + as_text.stderr
    return json.loads(as_json.stdout), flat(as_text.stdout)


def test_thirty_correct_high_confidence_drafts_raise_no_alert(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, [(SAFE, False)] * 30)
    data, text = report(runner)
    assert data["high"]["count"] == 30 and data["high"]["errors"] == 0
    assert data["high"]["interval"][1] > 0.10  # the upper bound alone (11.4%) used to raise the alert
    assert data["alert"] is False and data["alert_basis"] is None
    assert data["more_to_show_below"] == {"drafts": 5, "assuming": "current rate"}
    assert "ALERT" not in text
    assert "no alert: 30 drafts are too few to show the rate is over or under the target" in text
    assert "5 more labelled high-confidence drafts at the current rate (0.0%) would show it is under the target" in text


def test_a_bad_record_alerts_on_its_lower_bound(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, [(SAFE, i % 2 == 0) for i in range(30)])
    data, text = report(runner)
    assert data["high"]["interval"][0] > 0.10
    assert data["alert"] is True and data["alert_basis"] == "lower bound"
    assert data["more_to_show_below"] is None
    assert "ALERT: high-confidence errors exceed the target: lower bound" in text
    assert "--fit" in text


def test_a_rate_over_the_target_with_enough_labels_alerts(runner: CliRunner, store: SQLiteStore) -> None:
    # 6 errors in 40: 15%, lower bound 7.1% under the target, but 40 labels are enough for the rate itself
    seed(store, [(SAFE, i < 6) for i in range(40)])
    data, text = report(runner)
    assert data["high"]["interval"][0] < 0.10 < data["high"]["rate"]
    assert data["alert"] is True and data["alert_basis"] == "point estimate"
    assert "ALERT: high-confidence errors exceed the target: 15.0% in 40 drafts > 10.0%" in text


def test_a_rate_over_the_target_on_few_labels_says_what_would_settle_it(runner: CliRunner, store: SQLiteStore) -> None:
    # 20 high (2 wrong: 10%, too few to count) among 30 labelled drafts
    seed(store, [(SAFE, i < 2) for i in range(20)] + [(0.9, True)] * 10)
    data, text = report(runner)
    assert data["high"]["count"] == 20 and data["alert"] is False
    more = data["more_to_show_below"]
    assert more["assuming"] == "no errors"
    assert cal.wilson(2, 20 + more["drafts"])[1] <= 0.10 < cal.wilson(2, 19 + more["drafts"])[1]
    assert f"{more['drafts']} more labelled high-confidence drafts, none of them wrong, would show it" in text


def test_a_rate_known_to_be_under_the_target_says_nothing_more(runner: CliRunner, store: SQLiteStore) -> None:
    seed(store, [(SAFE, False)] * 40)
    data, text = report(runner)
    assert data["alert"] is False and data["more_to_show_below"] is None
    assert "no alert" not in text and "ALERT" not in text


def test_more_to_show_below_is_the_fewest_labels() -> None:
    assert cal.more_to_show_below(0, 30, 0.10, at_current_rate=True) == 5
    assert cal.more_to_show_below(0, 35, 0.10, at_current_rate=True) == 0
    assert cal.more_to_show_below(3, 30, 0.10, at_current_rate=True) is None  # at 10% it never gets under 10%
    assert cal.more_to_show_below(1, 10, 0.10, at_current_rate=False) == 43
    assert cal.wilson(1, 53)[1] <= 0.10 < cal.wilson(1, 52)[1]  # type: ignore[index]
