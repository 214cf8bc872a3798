"""Links and PyPI are asked while no write transaction is open, on every path that stores a version's notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftmate.domain.records import Origin
from draftmate.llm.chat import FakeChat
from draftmate.services import drafts
from draftmate.services import generate as generation
from draftmate.services.reviews import begin_review
from draftmate.settings.config import Settings
from draftmate.store.sqlite import SQLiteStore

TEXT = "# Widget\n\nThe figures are at https://example.org/figures.\n"
CODE = "import zzqx_not_a_real_package\n\nprint(zzqx_not_a_real_package.run())\n"


@pytest.fixture
def asked(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """What was asked over the network, each with the store's transaction depth at that moment (0: none open)."""
    from draftmate.uncertainty import links, package_index

    seen: list[tuple[str, int]] = []

    def fetch(self: links.LinkCheck, url: str) -> links.LinkResult:
        seen.append((url, store._depth))
        return links.LinkResult(url, 200, url)

    def ask_one(name: str, check: package_index.OnlineCheck, found: dict[str, str]) -> None:
        seen.append((name, store._depth))
        found[name] = package_index.EXISTS

    monkeypatch.setattr(links.LinkCheck, "fetch", fetch)
    monkeypatch.setattr(package_index, "_ask_one", ask_one)
    monkeypatch.setenv("DRAFTMATE_CHECK_LINKS", "true")
    monkeypatch.setenv("DRAFTMATE_CHECK_PACKAGES_ONLINE", "true")
    return seen


def settings() -> Settings:
    return Settings(base_url="http://localhost:11434/v1", model="llama3.2", check_links=True)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_an_import_asks_before_the_transaction(
    store: SQLiteStore, asked: list[tuple[str, int]], tmp_path: Path
) -> None:
    drafts.import_draft(store, write(tmp_path, "notes.md", TEXT))
    drafts.import_draft(store, write(tmp_path, "tool.py", CODE))
    assert asked == [("https://example.org/figures", 0), ("zzqx_not_a_real_package", 0)]


def test_a_new_version_asks_before_the_transaction(
    store: SQLiteStore, asked: list[tuple[str, int]], tmp_path: Path
) -> None:
    draft = drafts.import_draft(store, write(tmp_path, "notes.md", "# Widget\n\nNo links yet.\n"))
    drafts.import_version(store, draft.id, write(tmp_path, "notes2.md", TEXT))
    assert asked == [("https://example.org/figures", 0)]


def test_a_model_draft_and_its_retry_ask_before_the_transaction(
    store: SQLiteStore, asked: list[tuple[str, int]]
) -> None:
    made = generation.draft(store, settings(), spec="Widget notes", samples=0, chat=FakeChat(stream=[TEXT]))
    generation.retry(store, settings(), made.draft.id, samples=0, chat=FakeChat(stream=[TEXT]))
    assert asked == [("https://example.org/figures", 0)] * 2


def test_a_model_revision_in_review_asks_before_the_transaction(
    store: SQLiteStore, asked: list[tuple[str, int]], tmp_path: Path
) -> None:
    draft = drafts.import_draft(store, write(tmp_path, "tool.py", "print('hello')\n"))
    session = begin_review(store, draft.id, reviewer="Ada")
    session.replace_content(CODE, Origin.MODEL, {"model": "m"})
    assert asked == [("zzqx_not_a_real_package", 0)]
