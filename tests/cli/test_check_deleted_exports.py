"""A commit (or the index) that deletes an export together with its sidecar leaves nothing to judge: `check
--commit` and `check --staged` pass it, where they used to report the deleted file as unreadable."""

from __future__ import annotations

from pathlib import Path

from test_export import CODE
from test_repository_check import checked, commit_all, export, git, repo, trust, verdicts  # noqa: F401
from typer.testing import CliRunner


def test_deleting_an_export_and_its_sidecar_together_passes(
    runner: CliRunner,
    tmp_path: Path,
    repo: Path,  # noqa: F811
) -> None:
    export(runner, tmp_path, "add.py", "--disclose", text=CODE)
    trust(runner, repo)
    commit_all(repo, "Add add.py")
    git(repo, "rm", "-q", "add.py", "add.py.provenance.json")
    result, report = checked(runner, "--staged")
    assert result.exit_code == 0, result.stderr
    commit_all(repo, "Remove add.py")
    result, report = checked(runner, "--commit", "HEAD")
    assert result.exit_code == 0, result.stderr
    assert report["files"] == []
    # the sidecar left behind is still reported
    git(repo, "checkout", "-q", "HEAD~1", "--", "add.py.provenance.json")
    commit_all(repo, "Restore the sidecar alone")
    result, report = checked(runner, "--commit", "HEAD")
    assert result.exit_code == 1 and verdicts(report) == {"add.py": "unreadable"}
