"""Where `draftmate check` gets the keys it trusts: a pull request that adds its own key and an export signed with
it passes a check against its own tree, and fails against its base's keys (`--keys-from`); `--commit` on a change
to `.draftmate/keys/` is `keys-changed` unless the keys come from elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_export import cli
from test_repository_check import checked, commit_all, export, git, repo, trust, verdicts  # noqa: F401
from typer.testing import CliRunner


@pytest.fixture
def pull_request(runner: CliRunner, tmp_path: Path, repo: Path) -> Path:  # noqa: F811
    """`main` with ann's key and an export she signed; branch `pr` adds its own key and an export signed with it."""
    export(runner, tmp_path, "notes.md")
    trust(runner, repo)
    commit_all(repo, "Trust ann; add notes")
    git(repo, "checkout", "-q", "-b", "pr")
    rotated = cli(runner, "key", "rotate")  # from here on the store signs with a key main does not trust
    assert rotated.exit_code == 0, rotated.stderr
    export(runner, tmp_path, "claims.md", text="# Claims\n\nMallory approved this herself.\n")
    trust(runner, repo, "mallory")
    commit_all(repo, "Add claims, and the key that signed them")
    return repo


def test_a_pull_request_that_adds_its_own_key_passes_only_against_its_own_tree(
    runner: CliRunner, pull_request: Path
) -> None:
    assert cli(runner, "check").exit_code == 0  # the keys of the tree being checked vouch for anything in it
    result, report = checked(runner, "--keys-from", "main")
    assert result.exit_code == 1
    assert verdicts(report) == {"claims.md": "unknown-key", "notes.md": "approved"}
    main = git(pull_request, "rev-parse", "main").stdout.strip()
    assert report["keys_from"] == main and report["keys"] == 1
    [claims] = [f for f in report["files"] if f["path"] == "claims.md"]
    assert f".draftmate/keys at main ({main[:12]})" in claims["reason"]
    plain = cli(runner, "check", "--keys-from", "main")
    assert "FAIL claims.md: signed by a key not in the keys directory: signed by key SHA256:" in plain.stderr
    assert plain.stdout.splitlines()[-1] == "2 with draftmate provenance (4 files looked at): 1 ok, 1 failed"


def test_ci_on_a_clone_checks_the_pull_request_against_origin_base(
    runner: CliRunner, pull_request: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--branch", "pr", str(pull_request), str(ci))
    monkeypatch.chdir(ci)
    result, report = checked(runner, "--keys-from", "origin/main")  # the guide's origin/$GITHUB_BASE_REF
    assert result.exit_code == 1 and verdicts(report)["claims.md"] == "unknown-key"
    # once the key has landed on the base branch by itself (reviewed), the same export checks out
    git(pull_request, "checkout", "-q", "main")
    git(pull_request, "checkout", "-q", "pr", "--", ".draftmate/keys/mallory.pub")
    commit_all(pull_request, "Trust mallory")
    git(ci, "fetch", "-q", "origin")
    result, report = checked(runner, "--keys-from", "origin/main")
    assert result.exit_code == 0, result.stderr
    assert verdicts(report) == {"claims.md": "approved", "notes.md": "approved"}


def test_commit_on_a_change_to_the_keys_is_keys_changed_unless_they_come_from_elsewhere(
    runner: CliRunner, pull_request: Path
) -> None:
    result, report = checked(runner, "--commit", "HEAD")
    assert result.exit_code == 1
    assert verdicts(report) == {".draftmate/keys/mallory.pub": "keys-changed", "claims.md": "approved"}
    plain = cli(runner, "check", "--commit", "HEAD")
    fail = [line for line in plain.stderr.splitlines() if line.startswith("FAIL")]
    assert fail == [
        "FAIL .draftmate/keys/mallory.pub: a trusted key changed in the commit checked: the keys are read from the "
        "working tree, which this change may have written (a pull request can add its own key and sign with it); "
        "give --keys-from REV, the commit it builds on (a pull request's base branch), or --keys DIR"
    ]
    assert plain.stdout.endswith(
        "1 with draftmate provenance (commit " + report["commit"][:12] + "): 1 ok, 0 failed; 1 key files changed\n"
    )
    # the keys from the commit it builds on: the key change is no verdict, the export it vouched for fails
    result, report = checked(runner, "--commit", "HEAD", "--keys-from", "HEAD~1")
    assert result.exit_code == 1 and verdicts(report) == {"claims.md": "unknown-key"}
    # a directory of keys given: the change is not judged by keys it wrote
    keys = pull_request / ".draftmate" / "keys"
    result, report = checked(runner, "--commit", "HEAD", "--keys", str(keys))
    assert result.exit_code == 0 and verdicts(report) == {"claims.md": "approved"}


def test_a_commit_that_only_adds_a_key_passes_against_the_keys_before_it(
    runner: CliRunner,
    tmp_path: Path,
    repo: Path,  # noqa: F811
) -> None:
    export(runner, tmp_path, "notes.md")
    trust(runner, repo)
    commit_all(repo, "Trust ann; add notes")
    assert verdicts(checked(runner, "--commit", "HEAD")[1]) == {
        ".draftmate/keys/ann.pub": "keys-changed",
        "notes.md": "approved",
    }
    (repo / ".draftmate" / "keys" / "bob.pub").write_text((repo / ".draftmate" / "keys" / "ann.pub").read_text())
    commit_all(repo, "Trust bob")
    result, report = checked(runner, "--commit", "HEAD", "--keys-from", "HEAD~1")
    assert result.exit_code == 0 and report["files"] == [] and report["keys"] == 1
    # a commit that changes no key is judged by the working tree's keys, as before
    (repo / "other.txt").write_text("plain\n")
    commit_all(repo, "Other")
    assert cli(runner, "check", "--commit", "HEAD").exit_code == 0


def test_keys_from_reads_only_regular_pub_files_at_the_top_of_the_directory(
    runner: CliRunner,
    tmp_path: Path,
    repo: Path,  # noqa: F811
) -> None:
    export(runner, tmp_path, "notes.md")
    key = trust(runner, repo)
    (key.parent / "old").mkdir()
    (key.parent / "old" / "nested.pub").write_text("not read\n")
    (key.parent / "junk.pub").write_text("ssh-rsa AAAAB3NzaC1yc2E junk\n")
    (key.parent / "link.pub").symlink_to("ann.pub")
    commit_all(repo)
    key.unlink()  # the working tree's keys are not the ones read
    result = cli(runner, "check", "--json", "--keys-from", "HEAD")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["keys"] == 1
    [warning] = result.stderr.splitlines()
    assert warning.startswith("warning: .draftmate/keys/junk.pub in .draftmate/keys at HEAD (")
    assert warning.endswith("not an `ssh-ed25519 AAAA...` line (`draftmate key show` prints one); skipped")


def test_the_guide_checks_a_pull_request_against_its_base_keys() -> None:
    import re

    import yaml
    from test_commit_hooks import GUIDE

    guide = GUIDE.read_text()
    [job] = [b for b in (yaml.safe_load(x) for x in re.findall(r"```yaml\n(.*?)```", guide, re.S)) if "jobs" in b]
    steps = job["jobs"]["draftmate-check"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    [pr] = [s for s in steps if s.get("if") == "github.event_name == 'pull_request'"]
    assert pr["run"] == 'draftmate check --keys-from "origin/$GITHUB_BASE_REF"'
    assert not any(s.get("run", "").startswith("draftmate check") and "if" not in s for s in steps)
    assert "Why `--keys-from`" in guide and "`keys-changed`" in guide
