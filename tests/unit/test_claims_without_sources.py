"""Notes on prose without sources are about claims: markup read as markup, no notes on capital letters alone."""

from __future__ import annotations

from draftmate.uncertainty.assessment import assess
from draftmate.uncertainty.markup import prose_view, site_of
from draftmate.uncertainty.spans import SpanNote

README = """\
<p align="center">
  <a href="https://www.python-httpx.org/"><img width="350" height="208"
    src="https://raw.githubusercontent.com/encode/httpx/master/docs/img/butterfly.png" alt='HTTPX'></a>
</p>

<p align="center"><strong>HTTPX</strong> <em>- A next-generation HTTP client for Python.</em></p>

<a href="https://github.com/encode/httpx/actions">
    <img src="https://github.com/encode/httpx/workflows/Test%20Suite/badge.svg" alt="Test Suite">
</a>

HTTPX is a fully featured HTTP client library for Python 3. It supports **HTTP/1.1 and HTTP/2**, WSGI, ASGI
and provides sync and async APIs.

# Install HTTPX

```shell
$ pip install httpx
```

## Release Information

Optional dependencies: see the [QuickStart](https://www.python-httpx.org/quickstart/) and the `URLTypes`
alias (#2673). Requires Python 3.8+ and works with 3.8-3.12.

* Sessions with Cookie Persistence
* Multipart File Uploads
"""


def notes_of(content: str, lang: str = "markdown") -> list[SpanNote]:
    return assess(content, kind="text", lang=lang).notes


def test_a_readme_of_acronyms_headings_badges_code_and_own_links_gets_no_note() -> None:
    notes = notes_of(README)
    assert notes == [], [(n.kind, n.quote) for n in notes]


def test_people_organizations_and_places_in_statements_are_noted() -> None:
    text = (
        "The library was written by Kenneth Reitz and is maintained by the Python Software Foundation.\n"
        "The Harlow Street Bridge opened in 1932; according to Gartner, it carries 38,000 vehicles a day.\n"
    )
    quotes = {n.quote for n in notes_of(text)}
    for claim in ("Kenneth Reitz", "Python Software Foundation", "Harlow Street Bridge", "Gartner", "38,000"):
        assert any(claim in q for q in quotes), (claim, quotes)


def test_versions_rfc_and_issue_numbers_are_not_figures_but_measurements_are() -> None:
    text = "It speaks HTTP/1.1 as RFC 7230 says, runs on Python 3.10 (fixed in #2673), and has 100% test coverage.\n"
    quotes = [n.quote for n in notes_of(text) if n.kind == "number"]
    assert quotes == ["100%"]


def test_html_attributes_are_not_quotations_and_code_spans_hold_no_facts() -> None:
    text = '<p><i>HTTPX is <a href="https://example.org/x">fine</a></i> and `timeout=5000` is in "a config file".\n'
    notes = notes_of(text)
    assert [n.quote for n in notes if n.kind == "quote"] == ['"a config file"']  # a quotation; href="..." is not
    assert not [n for n in notes if n.kind == "number"]


def test_the_same_fact_is_one_note_listing_its_lines() -> None:
    text = "Adoption grew by 38% last year.\n\nUnrelated prose here.\n\nAgain: adoption grew by 38% last year.\n"
    notes = [n for n in notes_of(text) if n.kind == "number"]
    assert len(notes) == 1
    assert notes[0].lines == (1, 1)
    assert notes[0].signals["checks"]["lines"] == [1, 5]
    assert "5" in notes[0].why


def test_links_are_one_note_per_site_leaving_out_badges_images_and_the_own_site() -> None:
    text = (
        "# Tool\n\n"
        "[![CI](https://img.shields.io/badge/ci-passing-green.svg)](https://github.com/acme/tool/actions)\n\n"
        "Read [the docs](https://github.com/acme/tool/wiki) and the spec at https://spec.example.org/a and\n"
        "https://spec.example.org/b, see ![logo](https://cdn.example.net/logo.png).\n"
    )
    urls = [n for n in notes_of(text) if n.kind == "url"]
    assert [n.signals["checks"]["site"] for n in urls] == ["spec.example.org"]
    assert urls[0].signals["checks"]["lines"] == [5, 6]


def test_the_prose_view_keeps_lines_and_columns() -> None:
    view = prose_view(README, "markdown")
    assert len(view.text) == len(README)
    assert [len(line) for line in view.text.split("\n")] == [len(line) for line in README.split("\n")]
    assert "Install" not in view.text and "pip install" not in view.text  # a heading and a code block
    assert view.headings == {15, 21}


def test_restructuredtext_badges_and_literal_blocks_are_markup() -> None:
    text = (
        ".. image:: https://coveralls.io/repos/github/agronholm/anyio/badge.svg\n"
        "  :target: https://coveralls.io/github/agronholm/anyio\n"
        "  :alt: Code Coverage\n\n"
        "AnyIO runs on asyncio_ or Trio_. Example::\n\n"
        "    run(main, backend='trio', port=8080)\n\n"
        "Documentation\n-------------\n\n"
        ".. _asyncio: https://docs.python.org/3/library/asyncio.html\n"
    )
    notes = notes_of(text, "rst")
    assert [(n.kind, n.signals["checks"].get("site")) for n in notes] == [("url", "docs.python.org")]


def test_sites_are_repositories_on_code_hosts() -> None:
    assert site_of("https://raw.githubusercontent.com/encode/httpx/master/a.png") == "github.com/encode/httpx"
    assert site_of("https://github.com/psf/requests/issues/2690") == "github.com/psf/requests"
    assert site_of("https://www.python-httpx.org/api/") == "python-httpx.org"


def test_reference_style_badges_and_images_are_markup() -> None:
    text = (
        "Fast and [spec compliant][spec].\n\n"
        "[![PyPI][pypi-badge]][pypi-link] ![logo][logo]\n\n"
        "[spec]: https://spec.commonmark.org/\n"
        "[pypi-badge]: https://img.shields.io/pypi/v/tool.svg\n"
        "[pypi-link]: https://pypistats.org/packages/tool\n"
        "[logo]: https://cdn.example.net/logo.png\n"
    )
    urls = [n.signals["checks"]["site"] for n in notes_of(text) if n.kind == "url"]
    assert urls == ["spec.commonmark.org"]


def test_indented_markdown_code_is_code_but_a_list_item_continuation_is_prose() -> None:
    text = (
        "Run it:\n\n"
        "    $ tool --workers 64 --port 8080\n\n"
        "- The first item.\n\n"
        "    It cut build time by 38% for Acme Corporation.\n"
    )
    quotes = sorted(n.quote for n in notes_of(text))
    assert quotes == ["38%", "Acme Corporation"], quotes


def test_a_name_opening_a_sentence_as_its_actor_and_names_like_macfarlane_are_noted() -> None:
    text = "Microsoft acquired the firm in 2018. Einstein said so.\nThe spec was edited by John MacFarlane.\n"
    quotes = " | ".join(n.quote for n in notes_of(text) if n.kind == "entity")
    for name in ("Microsoft", "Einstein", "John MacFarlane"):
        assert name in quotes, (name, quotes)
