"""`list --search` finds the same drafts on SQLite (FTS5) and on PostgreSQL (tsvector): accents, case, punctuation,
phrases, no prefixes, and search text that looks like query syntax or SQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from draftmate.cli.commands import app
from draftmate.domain.records import Kind, Origin
from draftmate.store.sqlite import SQLiteStore

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite and on PostgreSQL

DRAFTS = {
    "cafe": "Notes from the Café on the corner.",
    "plain": "We met at the cafe again; a naïve plan.",
    "greek": "The ΩMEGA release.",
    "web": "See example.com or mail x@y.org; pi is 3.14; path a/b/c.txt; name foo_bar.",
    "hyphen": "A well-known fact.",
    "apart": "Known, as well, to everyone.",
    "sql": "He typed '; DROP TABLE drafts; -- into the box, 100% sure.",
}

SEARCHES = [
    ("cafe", ["cafe", "plain"]),  # diacritics removed, as FTS5's unicode61 does
    ("café", ["cafe", "plain"]),
    ("CAFÉ", ["cafe", "plain"]),
    ("naive", ["plain"]),
    ("omega", []),  # Ω is not O with an accent
    ("ωmega", ["greek"]),  # lowercase in every script, not ASCII alone
    ("example", ["web"]),  # punctuation splits words: no host, email or number tokens
    ("com", ["web"]),
    ("y.org", ["web"]),
    ("3", ["web"]),
    ("3.14", ["web"]),
    ("txt", ["web"]),
    ("bar", ["web"]),
    ("well-known", ["hyphen"]),  # a phrase: its words next to each other, in order
    ("known well", ["hyphen", "apart"]),  # separate words: each anywhere
    ('"well known"', ["hyphen", "apart"]),  # quotes are characters, not a phrase
    ("caf", []),  # no prefix matching
    ("caf*", []),
    ("*", []),
    ("-", []),
    ("()", []),
    ("NEAR(cafe plain)", []),
    ("'; DROP TABLE drafts; --", ["sql"]),  # untrusted text is words, never SQL or query syntax
    ("100%", ["sql"]),
    ("?", []),
    ("%s", []),
    ("\\", []),
    ("😀", []),
]


@pytest.fixture
def drafted(store: SQLiteStore) -> dict[str, str]:
    """The drafts above, by name, with their IDs."""
    return {
        name: store.create_draft(content, kind=Kind.TEXT, lang="", origin=Origin.IMPORTED, author="t").id
        for name, content in DRAFTS.items()
    }


def test_search_finds_the_same_drafts_on_both_backends(runner: CliRunner, drafted: dict[str, str]) -> None:
    names = {draft_id: name for name, draft_id in drafted.items()}
    found = {}
    for query, _ in SEARCHES:
        result = runner.invoke(app, ["list", "--json", "--search", query])
        assert result.exit_code == 0, (query, result.stderr)
        assert result.stderr == ""
        found[query] = sorted(names[d["id"]] for d in json.loads(result.stdout))
    assert found == {query: sorted(expected) for query, expected in SEARCHES}
    assert len(json.loads(runner.invoke(app, ["list", "--json"]).stdout)) == len(DRAFTS)  # nothing dropped
