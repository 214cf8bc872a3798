"""`store copy --to` given something that is not a store draftmate can copy into: one error line, exit 2, nothing
made or copied."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.app import app
from draftmate.settings.database import mask_url
from reliability_support import one_line_error


@pytest.fixture
def a_store(runner: CliRunner, hermetic: Path) -> Path:
    """A SQLite store with one draft; its data directory."""
    assert runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md")]).exit_code == 0
    return hermetic


@pytest.mark.parametrize("url", ["mysql://db/drafts", "http://example.com/x.db", "file:///tmp/x.db"])
def test_a_url_of_another_kind_is_refused_and_nothing_is_made(
    runner: CliRunner, a_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    one_line_error(runner.invoke(app, ["store", "copy", "--to", url]), 2, url.partition(":")[0], "postgresql://")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no `mysql:` directory with a database in it


def test_an_empty_target_is_refused(runner: CliRunner, a_store: Path) -> None:
    one_line_error(runner.invoke(app, ["store", "copy", "--to", ""]), 2, "--to is empty")


def test_a_file_in_a_missing_directory_is_refused_and_no_directory_is_made(
    runner: CliRunner, a_store: Path, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "deeper" / "copy.db"
    one_line_error(runner.invoke(app, ["store", "copy", "--to", str(target)]), 2, "does not exist; create it first")
    assert not (tmp_path / "missing").exists()


def test_the_store_itself_is_refused(runner: CliRunner, a_store: Path) -> None:
    store = a_store / "draftmate.db"
    for spelling in (str(store), f"sqlite://{store}"):
        one_line_error(runner.invoke(app, ["store", "copy", "--to", spelling]), 2, "is this store")


def test_a_directory_a_fifo_or_a_device_is_refused_and_left_as_it_was(
    runner: CliRunner, a_store: Path, tmp_path: Path
) -> None:
    # sqlite would open a FIFO (or /dev/null) and fail as "disk I/O error ... free some disk space"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_line_error(runner.invoke(app, ["store", "copy", "--to", str(fifo)]), 2, "is a FIFO (named pipe), not a file")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    one_line_error(runner.invoke(app, ["store", "copy", "--to", "/dev/null"]), 2, "is a character device, not a file")
    one_line_error(runner.invoke(app, ["store", "copy", "--to", str(tmp_path)]), 2, "is a directory")
    assert table_says("a directory, a FIFO or device")


def table_says(text: str) -> bool:
    """Whether docs/bad-input.md's table holds `text`."""
    return text in (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()


def test_a_good_sqlite_target_still_copies(runner: CliRunner, a_store: Path, tmp_path: Path) -> None:
    copied = runner.invoke(app, ["store", "copy", "--to", str(tmp_path / "copy.db")])
    assert copied.exit_code == 0, copied.stderr
    assert "copied 1 draft (" in copied.stdout


def test_a_socket_url_is_shown_with_its_slashes() -> None:
    # `postgresql:///draftmate?host=...` came back as `postgresql:/draftmate?...`: not a URL to paste anywhere
    url = "postgresql:///draftmate?host=/var/run/postgresql&port=5499"
    assert mask_url(url) == url
    assert mask_url("postgresql:///db?host=/s&password=pw") == "postgresql:///db?host=/s&password=****"
    assert mask_url("postgresql://ann:pw@db:5432/x") == "postgresql://ann:****@db:5432/x"


def test_the_bad_input_table_has_the_copy_target_rows() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    assert "| `store copy --to` naming no store draftmate copies into" in table
