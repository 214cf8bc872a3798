"""Looking up who asks for a draft (before its request is sent) loads no review or export use cases."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from types import SimpleNamespace
from draftmate.cli.reviewing import own_name
name = own_name(SimpleNamespace(reviewer=None), "fix it")
print(json.dumps({"name": name, "modules": sorted(sys.modules)}))
"""


def test_the_authors_git_name_is_read_without_the_review_use_cases() -> None:
    # services.reviews brings exports, provenance and policies: ~20 ms of CPU before a draft's first token
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    modules = set(json.loads(done.stdout)["modules"])
    assert "draftmate.services.identity" in modules
    assert not modules & {"draftmate.services.reviews", "draftmate.services.exports", "draftmate.provenance"}
