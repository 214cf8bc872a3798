"""A model draft's notes carry the evidence about their own span, not about another fact on the same line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_draft_killed import start_server, stop


def draftmate(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "draftmate", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_each_fact_on_a_line_keeps_its_own_sample_agreement(hermetic: Path) -> None:
    # bench/oai_server.py writes "Adoption grew by 42% in 2025, ..." and its second sample says 41% instead
    server, url = start_server(latency=0.0)
    try:
        env = {**os.environ, "DRAFTMATE_BASE_URL": url, "DRAFTMATE_MODEL": "test-model"}
        assert draftmate("brainstorm", "faster onboarding for new contributors", "-n", "3", env=env).returncode == 0
        drafted = draftmate("draft", "--idea", "1", "--json", env=env)
    finally:
        stop(server)
    assert drafted.returncode == 0, drafted.stderr
    notes = {n["quote"]: n for n in json.loads(drafted.stdout)["notes"]}
    date, number = notes["in 2025"], notes["42%"]
    assert date["lines"] == number["lines"]  # the same line: the case that mixed them up
    assert date["signals"]["samples"] == {"agree": 2, "of": 2}
    assert "disagree" not in date["why"] and "42%" not in date["why"]
    assert number["signals"]["samples"] == {"agree": 1, "of": 2, "alternatives": {"41%": 1}}
    assert "other samples disagree on '42%': they gave '41%' (1 of 2)" in number["why"]
    assert number["risk"] > date["risk"]
