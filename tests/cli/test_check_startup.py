"""`draftmate check` starts light: no model stack, no pydantic, no rich, no store, so a pre-commit hook stays fast."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_repository_check import commit_all, export, repo, trust  # noqa: F401  (repo is a fixture)
from test_startup_imports import probe
from typer.testing import CliRunner


@pytest.mark.usefixtures("repo")  # the current directory: a git repository
def test_check_imports_neither_the_model_stack_nor_pydantic_nor_the_store(runner: CliRunner, tmp_path: Path) -> None:
    export(runner, tmp_path, "notes.md")
    trust(runner, Path.cwd())
    commit_all(Path.cwd())
    modules = {m.split(".")[0] for m in probe(tmp_path, "check")["modules"]}  # type: ignore[union-attr]
    assert "cryptography" in modules  # it did verify a signature
    assert not modules & {"langchain", "langchain_core", "langchain_openai", "openai", "pydantic", "rich", "sqlite3"}
    probed = probe(tmp_path, "check", "--json")["modules"]
    assert "draftmate.store.sqlite" not in probed  # type: ignore[operator]
