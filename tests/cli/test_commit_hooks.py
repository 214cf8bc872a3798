"""The hooks that run `draftmate check` before a commit: the pre-commit framework's (run by the real `pre-commit`
package) and the plain git hook in docs/, each blocking a commit of an edited export; the CI example parses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_repository_check import commit_all, export, git, repo, trust  # noqa: F401  (repo is a fixture)
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / ".pre-commit-hooks.yaml"
PLAIN_HOOK = REPO / "docs" / "hooks" / "pre-commit"
GUIDE = REPO / "docs" / "repository-checks.md"
BIN = Path(sys.executable).parent  # where this environment's `draftmate` and `pre-commit` are


@pytest.fixture
def hook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment a developer's `git commit` runs in: draftmate on PATH, pre-commit's cache in the test."""
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-cache"))
    return dict(os.environ)


def staged_edit(repo: Path) -> None:  # noqa: F811
    """Stage a one-byte edit of the committed export."""
    path = repo / "notes.md"
    path.write_text(path.read_text().replace("42 requests", "43 requests"))
    git(repo, "add", "notes.md")


@pytest.fixture
def history(runner: CliRunner, tmp_path: Path, repo: Path) -> Path:  # noqa: F811
    """A repository with a committed export and the key that signed it."""
    export(runner, tmp_path, "notes.md")
    trust(runner, repo)
    commit_all(repo, "Add notes")
    return repo


def test_the_manifest_is_one_pre_commit_accepts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [hook] = yaml.safe_load(MANIFEST.read_text())
    assert hook["id"] == "draftmate-check" and hook["entry"] == "draftmate check" and hook["pass_filenames"]


def test_the_pre_commit_hook_blocks_a_commit_of_an_edited_export(history: Path, hook_env: dict[str, str]) -> None:
    [shipped] = yaml.safe_load(MANIFEST.read_text())
    # the shipped hook as a local one (no network: `language: python` would install draftmate from its repository)
    local = {k: shipped[k] for k in ("id", "name", "entry", "pass_filenames")} | {"language": "system"}
    (history / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    git(history, "add", ".pre-commit-config.yaml")
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=history, env=hook_env, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    good = git(history, "commit", "-q", "-m", "Use the hook", check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    staged_edit(history)
    bad = git(history, "commit", "-m", "Edit the approved text", check=False)
    assert bad.returncode != 0
    output = bad.stdout + bad.stderr
    assert "draftmate check" in output and "Failed" in output
    assert "FAIL notes.md: changed after approval" in output
    assert git(history, "log", "--format=%s").stdout.split("\n")[0] == "Use the hook"  # nothing committed


def test_the_plain_git_hook_blocks_a_commit_of_an_edited_export(history: Path, hook_env: dict[str, str]) -> None:
    hook = history / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(PLAIN_HOOK.read_bytes())
    hook.chmod(0o755)
    (history / "other.txt").write_text("no provenance\n")
    git(history, "add", "other.txt")
    assert git(history, "commit", "-q", "-m", "Other", check=False).returncode == 0
    staged_edit(history)
    bad = git(history, "commit", "-m", "Edit the approved text", check=False)
    assert bad.returncode != 0 and "FAIL notes.md: changed after approval" in bad.stderr
    assert git(history, "log", "-1", "--format=%s").stdout.strip() == "Other"


def test_the_guide_holds_the_hook_config_and_a_ci_job_that_parse() -> None:
    guide = GUIDE.read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", guide, re.S)]
    [job] = [b for b in blocks if "jobs" in b]
    runs = [step.get("run", "") for step in job["jobs"]["draftmate-check"]["steps"]]
    assert "draftmate check" in runs and any(r.startswith("draftmate check --commit") for r in runs)
    hooks = [h for b in blocks if "repos" in b for r in b["repos"] for h in r["hooks"]]
    assert {h["id"] for h in hooks} == {"draftmate-check"}
    assert "docs/hooks/pre-commit" in guide and "Keeping a repository honest" in (REPO / "README.md").read_text()
