"""Text from outside (drafts, store rows, file names, config, the environment) reaches the terminal only escaped."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import EXAMPLES
from draftmate.cli.commands import app
from draftmate.domain.records import Kind, Origin, State
from draftmate.domain.untrusted_text import escape_char, one_line, visible
from draftmate.store.sqlite import SQLiteStore

# What may never reach a terminal: C0 controls but tab and newline, DEL, C1, format characters (bidi controls,
# zero-width, U+2060, soft hyphen, U+061C), tag characters, line/paragraph separators, surrogates.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE = [
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b]0;pwned\x07",  # set the window title
    "\x9b31m",  # a one-byte CSI
    "\u202eelpmaxE nnA\u202c",  # right-to-left override: reads "Ann Example"
    "Ann\u2060Example",
    "Ann\xadExample",
    "\u061cAnn",
    "Ann\U000e0041\U000e007f",
    "Ann\u2028Example",
    "x\rerror: forged",
    "x\nerror: forged",
]


def unsafe(text: str) -> list[str]:
    """The characters of `text` that must not reach a terminal raw (tab and newline allowed)."""
    return [
        c
        for c in text
        if RAW.match(c) or unicodedata.category(c) in ("Cf", "Cs", "Zl", "Zp") or 0xE0000 <= ord(c) <= 0xE007F
    ]


def import_example(runner: CliRunner) -> str:
    result = runner.invoke(app, ["draft", "--from-file", str(EXAMPLES / "release-notes.md"), "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def open_review_by(store: SQLiteStore, draft_id: str, name: str) -> None:
    """An open review in a name an older draftmate (or a hand edit) stored unchecked."""
    draft = store.get_draft(draft_id)
    store.open_review(draft_id, version=draft.current_version, reviewer=name, editorial_responsibility=name)
    store.set_state(draft_id, State.IN_REVIEW, actor=name, event="draft.in_review")


@pytest.mark.parametrize("name", HOSTILE)
def test_taking_over_a_review_shows_the_stored_name_escaped(runner: CliRunner, store: SQLiteStore, name: str) -> None:
    draft_id = import_example(runner)
    open_review_by(store, draft_id, name)
    result = runner.invoke(
        app, ["review", draft_id[:8], "--decision", "changes", "--reason", "redo", "--reviewer", "Cy"]
    )
    assert result.exit_code == 0, result.stderr
    assert unsafe(result.stderr) == []
    lines = result.stderr.splitlines()
    assert lines == [f"note: took over {one_line(name)}'s open review; their 0 section decisions did not carry over"]
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_config_show_escapes_settings_from_the_environment_and_the_file(runner: CliRunner, hermetic: Path) -> None:
    (hermetic).mkdir(parents=True, exist_ok=True)
    (hermetic / "config.toml").write_text('prompts_dir = "/tmp/\\u001b[2Jp\\u202e"\n')
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert unsafe(result.stdout) == []
    assert "/tmp/\\x1b[2Jp\\u202e" in result.stdout
    as_json = runner.invoke(app, ["config", "show", "--json"])
    assert unsafe(as_json.stdout) == []
    assert json.loads(as_json.stdout)["prompts_dir"]["value"] == "/tmp/\x1b[2Jp\u202e"  # JSON escapes lose nothing
    # a model name may not hold them at all (tests/unit/test_settings_validation.py); the refusal quotes it escaped
    refused = runner.invoke(app, ["config", "show"], env={"DRAFTMATE_MODEL": "gpt\x1b]0;pwned\x07\u2066x"})
    assert refused.exit_code == 2
    assert unsafe(refused.stderr) == [] and "\x1b" not in refused.stderr


def test_prompts_list_escapes_a_users_template(runner: CliRunner, hermetic: Path) -> None:
    prompts = hermetic / "prompts"
    prompts.mkdir(parents=True)
    (prompts / "mine.md").write_text(
        "---\nname: mine\x1b[2J\nversion: 1\u202e\ndescription: says \x1b[31merror: forged\u2060\n"
        "variables: [topic]\n---\n## user\n{topic}\n",
        encoding="utf-8",
    )
    listed = runner.invoke(app, ["config", "set", "prompts_dir", str(prompts)])
    assert listed.exit_code == 0
    result = runner.invoke(app, ["prompts", "list"])
    assert result.exit_code == 0, result.output
    assert unsafe(result.stdout) == []
    assert "mine\\x1b[2J" in result.stdout and "says \\x1b[31merror: forged\\u2060" in result.stdout


def test_the_error_line_stays_one_line(runner: CliRunner) -> None:
    """A file name with a newline cannot start a forged `error:` line of its own."""
    result = runner.invoke(app, ["draft", "--from-file", "missing\nerror: all good\u202e"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "missing\\nerror: all good\\u202e" in result.stderr


def test_a_gate_refusal_keeps_one_line_per_reason(capsys: pytest.CaptureFixture[str]) -> None:
    from draftmate.cli.output import echo_error
    from draftmate.errors import GateRefused

    echo_error(GateRefused("refused\x1b[2J", ["note 1\nerror: forged", "ok"]))
    printed = capsys.readouterr().err
    assert printed.splitlines() == ["error: refused\\x1b[2J", "  - note 1\\nerror: forged", "  - ok"]


@pytest.mark.parametrize("char", ["\u2060", "\xad", "\u061c", "\U000e0041", "\u200b", "\u206a", "\ufff9"])
def test_show_escapes_format_characters_in_a_draft(runner: CliRunner, tmp_path: Path, char: str) -> None:
    source = tmp_path / "d.md"
    source.write_text(f"# Title{char}\n\nA line with {char} in it.\n", encoding="utf-8")
    created = runner.invoke(app, ["draft", "--from-file", str(source), "--json"])
    assert created.exit_code == 0, created.output
    assert unsafe(created.stdout) == []  # the JSON too
    draft_id = json.loads(created.stdout)["id"]
    assert char in json.loads(created.stdout)["versions"][0]["content"]
    shown = runner.invoke(app, ["show", draft_id[:8]])
    assert shown.exit_code == 0
    assert unsafe(shown.stdout) == []
    assert f"A line with {escape_char(char)} in it." in shown.stdout
    listed = runner.invoke(app, ["list"])
    assert unsafe(listed.stdout) == []


def test_lone_surrogates_and_astral_tags_have_unambiguous_escapes() -> None:
    assert visible("a\udcffb") == "a\\udcffb"
    assert visible("\U000e0041") == "\\U000e0041"
    assert visible("tab\tand\nnewline stay") == "tab\tand\nnewline stay"
    assert one_line("tab\tand\nnewline") == "tab\\tand\\nnewline"


def test_every_format_and_control_character_of_this_python_is_escaped() -> None:
    """The hand-kept character class misses none the running Python's Unicode tables know."""
    missed = [
        hex(code)
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs", "Zl", "Zp") and one_line(chr(code)) == chr(code)
    ]
    assert missed == []


OUTSIDE_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(["\x1b", "\x9b", "\x07", "\r", "\u202e", "\u2066", "\u2060", "\xad", "\U000e0041", "\u2029"]),
    ),
    max_size=40,
)


@given(OUTSIDE_TEXT)
def test_escaping_leaves_nothing_a_terminal_obeys(text: str) -> None:
    assert unsafe(visible(text)) == []
    assert unsafe(one_line(text)) == [] and "\n" not in one_line(text) and "\t" not in one_line(text)
    assert visible(visible(text)) == visible(text)  # escaping twice changes nothing: safe to apply at every print


# Text that can go through a UTF-8 file or an SQLite row: no surrogates; no NUL (a binary file is refused).
STORABLE_TEXT = OUTSIDE_TEXT.map(lambda t: "".join(c for c in t if not 0xD800 <= ord(c) <= 0xDFFF and c != "\x00"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=STORABLE_TEXT.filter(str.strip), model=OUTSIDE_TEXT.filter(lambda t: "\x00" not in t and t.strip()))
@example(name="Ann", model="\ud800")  # a lone surrogate that surrogateescape cannot encode either
def test_what_reaches_the_terminal_holds_no_control_or_format_character(
    runner: CliRunner, store: SQLiteStore, name: str, model: str
) -> None:
    """A stored name (takeover line), draft content (show, list) and an environment setting (config show), colour
    off (not a tty): the output holds no control byte and no bidi or format character."""
    source = store.create_draft(f"# {name}\n\n{name}\n", kind=Kind.TEXT, lang="", origin=Origin.IMPORTED, author="")
    open_review_by(store, source.id, name)
    took = runner.invoke(app, ["review", source.id[:8], "--decision", "changes", "--reason", "x", "--reviewer", "Cy"])
    shown = runner.invoke(app, ["show", source.id[:8]])
    listed = runner.invoke(app, ["list"])
    try:
        model_env = model.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
        configured = runner.invoke(app, ["config", "show"], env={"DRAFTMATE_MODEL": model_env})
    except UnicodeEncodeError:  # an unpaired surrogate the OS cannot take as an environment variable
        configured = None
    for result in (took, shown, listed, configured):
        if result is None:
            continue
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert unsafe(result.stdout) == [] and unsafe(result.stderr) == []
