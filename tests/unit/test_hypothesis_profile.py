"""CI runs every property on the same examples: `.ci/run` selects the `ci` profile, which is derandomized."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def test_ci_selects_the_derandomized_profile() -> None:
    assert "export HYPOTHESIS_PROFILE=ci" in (REPO / ".ci" / "run").read_text()


def test_the_ci_profile_is_derandomized_and_loaded_from_the_environment() -> None:
    probe = (
        "import sys; sys.path.insert(0, 'tests'); import conftest; from hypothesis import settings; "
        "print(settings.default.derandomize, settings.default.database)"
    )
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "None"]
    env.pop("HYPOTHESIS_PROFILE")
    local = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert local.stdout.split()[0] == "False"
