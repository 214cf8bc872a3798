"""`check --staged` (the plain git hook) and `check --keys-from` (CI) start as light as `check`: no model stack, no
pydantic, no rich, no store."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_repository_check import commit_all, export, git, repo, trust  # noqa: F401  (repo is a fixture)
from test_startup_imports import probe
from typer.testing import CliRunner


@pytest.mark.usefixtures("repo")  # the current directory: a git repository
def test_staged_and_keys_from_import_nothing_heavy(runner: CliRunner, tmp_path: Path) -> None:
    export(runner, tmp_path, "notes.md")
    trust(runner, Path.cwd())
    commit_all(Path.cwd())
    (Path.cwd() / "notes.md").unlink()
    git(Path.cwd(), "rm", "-q", "--cached", "notes.md")
    git(Path.cwd(), "commit", "-q", "-m", "Remove")
    git(Path.cwd(), "revert", "--no-edit", "-n", "HEAD")  # notes.md staged again, signed and approved
    heavy = {"langchain", "langchain_core", "langchain_openai", "openai", "pydantic", "rich", "sqlite3"}
    for args in (["check", "--staged"], ["check", "--keys-from", "HEAD~1", "notes.md"]):
        modules = probe(tmp_path, *args)["modules"]
        assert "cryptography" in {m.split(".")[0] for m in modules}, args  # type: ignore[union-attr]  # it verified
        assert not {m.split(".")[0] for m in modules} & heavy, args  # type: ignore[union-attr]
        assert "draftmate.store.sqlite" not in modules  # type: ignore[operator]
