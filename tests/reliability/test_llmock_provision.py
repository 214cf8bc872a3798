"""The fault tests' llmock: the one DRAFTMATE_TEST_LLMOCK names, else one built once into .ci-llmock/ and reused."""

from __future__ import annotations

from pathlib import Path

import pytest

import reliability_support as support


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """.ci-llmock/ and its lock in a temp directory, and no DRAFTMATE_TEST_LLMOCK from the start of the run."""
    monkeypatch.setattr(support, "REPO", tmp_path)
    monkeypatch.setattr(support, "LLMOCK_VENV", tmp_path / ".ci-llmock")
    monkeypatch.setattr(support, "LLMOCK_READY", tmp_path / ".ci-llmock" / ".draftmate-ready")
    monkeypatch.setattr(support, "_LLMOCK_AT_IMPORT", None)
    monkeypatch.delenv(support.LLMOCK_ENV, raising=False)
    return tmp_path / ".ci-llmock"


def fake_llmock(venv: Path) -> Path:
    binary = venv / "bin" / "llmock"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    return binary


def test_a_built_llmock_is_reused_without_installing_again(cache: Path) -> None:
    binary = fake_llmock(cache)
    (cache / ".draftmate-ready").write_text(support.LLMOCK_PIN + "\n")
    keep = cache / "kept"  # a rebuild would wipe the venv first
    keep.write_text("")
    assert support.provide_llmock() == binary
    assert keep.exists()


def test_the_named_llmock_wins(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = fake_llmock(tmp_path / "elsewhere")
    monkeypatch.setenv(support.LLMOCK_ENV, str(binary))
    assert support.provide_llmock() == binary
    assert not cache.exists()


def test_a_named_llmock_that_is_not_there_says_what_to_do(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(support.LLMOCK_ENV, "/nonexistent/llmock")
    with pytest.raises(support.LLMockUnavailable, match="is not an executable: point it at an `llmock`, or unset it"):
        support.provide_llmock()
    assert not cache.exists()


def test_the_fixture_hands_the_fault_tests_an_llmock(llmock: Path) -> None:
    assert llmock.is_file() and llmock.name == "llmock"
