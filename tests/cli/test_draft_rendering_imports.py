"""What a drafted answer is shown with is imported while the model answers, and only when it will be shown: a
`--json` draft never loads rich."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_draft_killed import start_server, stop

# Runs `draftmate draft ...` as the script would and, at its last step (os._exit), writes which rich modules it loaded.
PROBE = """
import json, os, sys
report = sys.argv[1]
sys.argv = ["draftmate", *sys.argv[2:]]
leave = os._exit
def reported(code):
    with open(report, "w") as f:
        json.dump({"code": code, "rich": sorted(m for m in sys.modules if m.split(".")[0] == "rich")}, f)
    leave(code)
os._exit = reported
from draftmate.cli.entry import main
main()
"""


@pytest.mark.parametrize("as_json", [False, True])
def test_rich_is_loaded_only_for_a_draft_that_is_shown(hermetic: Path, tmp_path: Path, as_json: bool) -> None:
    server, url = start_server(latency=0.3)  # past the warm-up's head start, so it runs all it was given
    try:
        env = {**os.environ, "DRAFTMATE_BASE_URL": url, "DRAFTMATE_MODEL": "test-model"}
        report = tmp_path / "report.json"
        args = ["draft", "Write one sentence about rivers.", *(["--json"] if as_json else [])]
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(report), *args], env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        stop(server)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(report.read_text())
    assert loaded["code"] == 0
    if as_json:
        assert loaded["rich"] == []
        json.loads(done.stdout)
    else:
        assert "rich.table" in loaded["rich"] and "rich.console" in loaded["rich"]
