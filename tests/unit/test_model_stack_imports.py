"""What importing ChatOpenAI loads in a fresh interpreter: the langsmith pinned in constraints.txt keeps it lighter."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = (
    "import json, sys; from langchain_openai import ChatOpenAI; "
    "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'langsmith')))"
)


def test_chat_openai_does_not_load_langsmiths_generated_api_client() -> None:
    # langsmith 0.14.10+ load `langsmith.types` (~75 more modules, 0.05-0.08 s of every model command's start),
    # which only talks to the LangSmith service; draftmate never traces
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    loaded = json.loads(done.stdout)
    assert not [m for m in loaded if m == "langsmith.types" or m.startswith("langsmith.types.")]
    assert len(loaded) < 180, f"importing ChatOpenAI loads {len(loaded)} langsmith modules"
