"""Sections cover every line of a draft exactly once, in order, whatever the draft looks like."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from draftmate.domain.sections import Section, replace_section, split_sections


def assert_covers(content: str, sections: list[Section]) -> None:
    """Each line in exactly one section, in order, with consistent numbers and text."""
    lines = content.splitlines(keepends=True)
    assert [s.index for s in sections] == list(range(len(sections)))
    assert "".join(s.text for s in sections) == content
    if not lines:
        return
    assert sections[0].start == 1
    assert sections[-1].end == len(lines)
    for before, after in zip(sections, sections[1:], strict=False):
        assert after.start == before.end + 1
    for s in sections:
        assert s.start <= s.end
        assert s.text == "".join(lines[s.start - 1 : s.end])


def starts(sections: list[Section]) -> list[int]:
    return [s.start for s in sections]


MARKDOWN = """# Title

Intro paragraph.

## Part one

Text of part one.
# not a heading inside a fence? it is outside, so it is one

```python
# a comment in a fence, not a heading
x = 1
```

## Part two

Last words.
"""


def test_markdown_splits_at_headings_outside_fences() -> None:
    sections = split_sections(MARKDOWN, "text", "markdown")
    assert_covers(MARKDOWN, sections)
    titles = [s.title for s in sections]
    assert "# Title" in titles and "## Part one" in titles and "## Part two" in titles
    assert all("a comment in a fence" not in t for t in titles)


def test_text_without_headings_groups_paragraphs() -> None:
    content = "\n\n".join(f"Paragraph {i} line one.\nParagraph {i} line two." for i in range(30)) + "\n"
    sections = split_sections(content, "text")
    assert_covers(content, sections)
    assert len(sections) > 1
    assert all(s.end - s.start + 1 <= 40 for s in sections)


def test_text_without_trailing_newline_and_single_line() -> None:
    for content in ("one line", "a\nb", "a\n\n\nb\n\n"):
        assert_covers(content, split_sections(content, "text"))


def test_empty_content_is_one_section() -> None:
    assert [(s.start, s.end, s.text) for s in split_sections("", "text")] == [(1, 1, "")]


def test_long_section_under_a_heading_is_split() -> None:
    body = "\n\n".join(f"Sentence {i}." for i in range(60))
    content = f"# Only heading\n\n{body}\n"
    sections = split_sections(content, "text")
    assert_covers(content, sections)
    assert len(sections) > 1


PYTHON = '''"""Module docstring."""

import os

CONSTANT = 1


# A comment that belongs to f
@decorator
@other(arg=1)
def f(x):
    return x


class C:
    """A class."""

    def method(self):
        return 2


async def g():
    await h()

if __name__ == "__main__":
    f(1)
'''


def test_python_one_section_per_definition_with_decorators_and_comments() -> None:
    sections = split_sections(PYTHON, "code", "python")
    assert_covers(PYTHON, sections)
    lines = PYTHON.splitlines()
    by_start = {lines[s.start - 1] for s in sections}
    assert "# A comment that belongs to f" in by_start  # the comment and decorators go with the def
    assert "class C:" in by_start
    assert "async def g():" in by_start
    assert 'if __name__ == "__main__":' in by_start  # code after a definition starts its own section
    assert not any(line.startswith("    def method") for line in by_start)  # methods stay with their class


def test_syntax_broken_python_still_covers_every_line() -> None:
    broken = "def f(:\n    return\n\n\ndef g():\n    return 1\n\nclass (\n"
    sections = split_sections(broken, "code", "python")
    assert_covers(broken, sections)
    assert len(sections) >= 2


@pytest.mark.parametrize(
    ("lang", "content"),
    [
        ("javascript", "function a() {\n  return 1;\n}\n\nfunction b() {\n  return 2;\n}\n"),
        ("go", "package main\n\nfunc a() int {\n\treturn 1\n}\n\nfunc b() int {\n\treturn 2\n}\n"),
        ("rust", "fn a() -> i32 {\n    1\n}\n\npub fn b() -> i32 {\n    2\n}\n"),
        ("bash", "echo one\n\necho two\n"),
    ],
)
def test_other_languages(lang: str, content: str) -> None:
    sections = split_sections(content, "code", lang)
    assert_covers(content, sections)


def test_other_language_splits_at_definitions() -> None:
    content = "function a() {\n  return 1;\n}\n\nfunction b() {\n  return 2;\n}\n"
    assert starts(split_sections(content, "code", "javascript")) == [1, 5]


def test_long_code_without_definitions_is_grouped() -> None:
    content = "\n\n".join(f"x{i} = {i}\ny{i} = {i}" for i in range(40)) + "\n"
    sections = split_sections(content, "code", "toml")
    assert_covers(content, sections)
    assert len(sections) > 1


def test_replace_section_keeps_the_rest() -> None:
    sections = split_sections(MARKDOWN, "text")
    target = sections[1]
    new = replace_section(MARKDOWN, target, "Replaced.")
    assert new.startswith("".join(s.text for s in sections[:1]) + "Replaced.\n")
    assert new.endswith("".join(s.text for s in sections[2:]))


def test_section_hash_follows_text() -> None:
    a, b = split_sections("# A\n\nsame\n", "text"), split_sections("# A\n\nsame\n", "text")
    assert a[0].sha256 == b[0].sha256
    assert split_sections("# A\n\nother\n", "text")[0].sha256 != a[0].sha256


LINE = st.one_of(
    st.just(""),
    st.just("# Heading"),
    st.just("## Sub"),
    st.just("```"),
    st.just("def f():"),
    st.just("@deco"),
    st.just("class K:"),
    st.just("    return 1"),
    st.just("# comment"),
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
        ),
        max_size=30,
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(LINE, max_size=120),
    st.booleans(),
    st.sampled_from([("text", ""), ("text", "markdown"), ("code", "python"), ("code", "javascript"), ("code", "")]),
)
def test_any_content_is_covered_exactly_once(lines: list[str], trailing: bool, kind_lang: tuple[str, str]) -> None:
    content = "\n".join(lines) + ("\n" if trailing and lines else "")
    kind, lang = kind_lang
    assert_covers(content, split_sections(content, kind, lang))
