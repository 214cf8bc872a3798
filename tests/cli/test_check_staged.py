"""`draftmate check --staged` judges what the commit will record, the index's blobs, not the working tree: the
plain git hook uses it, so a partially staged edit that breaks an export is blocked even when the working tree is
fine, and a good staged export is let through even when the working tree holds a bad edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_commit_hooks import PLAIN_HOOK, hook_env  # noqa: F401  (a fixture)
from test_export import CODE, cli
from test_repository_check import checked, commit_all, export, git, repo, trust, verdicts  # noqa: F401
from typer.testing import CliRunner


@pytest.fixture
def hooked(runner: CliRunner, tmp_path: Path, repo: Path, hook_env: dict[str, str]) -> Path:  # noqa: F811
    """A repository with a committed export, the key that signed it, and the plain git hook installed."""
    export(runner, tmp_path, "notes.md")
    trust(runner, repo)
    commit_all(repo, "Add notes")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(PLAIN_HOOK.read_bytes())
    hook.chmod(0o755)
    return repo


def last_subject(repo: Path) -> str:  # noqa: F811
    return git(repo, "log", "-1", "--format=%s").stdout.strip()


def test_a_partially_staged_edit_that_breaks_an_export_is_blocked(runner: CliRunner, hooked: Path) -> None:
    notes = hooked / "notes.md"
    good = notes.read_bytes()
    notes.write_bytes(good.replace(b"42 requests", b"43 requests"))
    git(hooked, "add", "notes.md")
    notes.write_bytes(good)  # the working tree back as approved; the index keeps the edit
    assert cli(runner, "check", "notes.md").exit_code == 0  # the working tree checks out
    result, report = checked(runner, "--staged")
    assert result.exit_code == 1 and report["staged"] is True and verdicts(report) == {"notes.md": "changed"}
    bad = git(hooked, "commit", "-m", "Edit the approved text", check=False)
    assert bad.returncode != 0 and "FAIL notes.md: changed after approval" in bad.stderr
    assert last_subject(hooked) == "Add notes"


def test_a_good_staged_export_is_let_through_past_a_bad_unstaged_edit(
    runner: CliRunner, tmp_path: Path, hooked: Path
) -> None:
    export(runner, tmp_path, "more.md", text="# More\n\nAnother approved page.\n")
    git(hooked, "add", "more.md")
    more = hooked / "more.md"
    more.write_text(more.read_text().replace("Another", "A different"))  # not staged: not in this commit
    assert cli(runner, "check", "more.md").exit_code == 1
    result, report = checked(runner, "--staged")
    assert result.exit_code == 0, result.stderr
    assert verdicts(report) == {"more.md": "approved"}
    assert cli(runner, "check", "--staged").stdout.endswith("(1 staged file looked at): 1 ok, 0 failed\n")
    good = git(hooked, "commit", "-m", "Add more", check=False)
    assert good.returncode == 0, good.stderr
    assert last_subject(hooked) == "Add more"
    # `git commit -a` stages the bad edit into the index the hook reads: blocked
    bad = git(hooked, "commit", "-a", "-m", "Edit more", check=False)
    assert bad.returncode != 0 and "FAIL more.md: changed after approval" in bad.stderr
    assert last_subject(hooked) == "Add more"


def test_staged_reads_the_keys_and_sidecars_from_the_index(runner: CliRunner, tmp_path: Path, repo: Path) -> None:  # noqa: F811
    export(runner, tmp_path, "add.py", "--disclose", text=CODE)
    trust(runner, repo)
    git(repo, "add", "add.py", "add.py.provenance.json")  # the key written, not staged: not in the commit
    result, report = checked(runner, "--staged")
    assert result.exit_code == 1 and verdicts(report) == {"add.py": "unknown-key"}
    assert ".draftmate/keys as staged (there is none)" in report["files"][0]["reason"]
    assert report["keys_from"] == "index"
    git(repo, "add", ".draftmate")
    result, report = checked(runner, "--staged")
    assert result.exit_code == 0, result.stderr
    assert verdicts(report) == {"add.py": "approved"} and report["keys"] == 1
    commit_all(repo, "Add add.py")
    git(repo, "rm", "-q", "add.py", "add.py.provenance.json")  # both halves deleted: nothing left to judge
    result, report = checked(runner, "--staged")
    assert result.exit_code == 0, result.stderr
    assert report["files"] == []


def test_the_guide_says_which_hook_reads_the_index() -> None:
    from test_commit_hooks import GUIDE

    guide = GUIDE.read_text()
    assert PLAIN_HOOK.read_text().splitlines()[-1] == "exec draftmate check --staged"
    assert "It runs `draftmate check --staged`, which reads each staged file **from the index**" in guide
    assert "stashes what is not staged" in guide and "the hook needs no `--staged`" in guide
