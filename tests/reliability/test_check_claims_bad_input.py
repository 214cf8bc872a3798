"""`draft --check-claims` refused before anything is stored: no sources, not an import, no model to ask."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bad_input import DOC, seeded, state_of  # noqa: F401 - seeded is a fixture
from typer.testing import CliRunner

from draftmate.cli.commands import app
from reliability_support import one_line_error


@pytest.mark.parametrize(
    ("extra", "needs_context", "fragment"),
    [
        (["--from-file", "draft.md"], False, "give at least one --context FILE"),
        (["Write about the bridge", "--context", "bridge.txt"], True, "goes with --from-file FILE"),
        (["--from-file", "draft.md", "--context", "bridge.txt"], True, "no model endpoint configured"),
    ],
    ids=["no-context", "model-draft", "no-endpoint"],
)
def test_check_claims_refused_with_nothing_changed(
    runner: CliRunner,
    seeded: str,  # noqa: F811 - the fixture
    hermetic: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    needs_context: bool,
    fragment: str,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "bridge.txt").write_text("The bridge opened in 1932.\n")
    (work / "draft.md").write_text("The bridge opened in 1935.\n")
    monkeypatch.chdir(work)
    before = state_of(hermetic)
    result = runner.invoke(app, ["draft", *extra, "--check-claims"])
    one_line_error(result, 2, fragment)
    assert state_of(hermetic) == before


def test_the_table_lists_the_check_claims_cases() -> None:
    table = DOC.read_text()
    for case in (
        "`--check-claims` without `--context`",
        "`--check-claims` on a model draft",
        "`--check-claims` with no",
    ):
        assert case in table, case
