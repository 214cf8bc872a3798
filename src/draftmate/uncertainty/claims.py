"""Notes about claims in prose without sources: which fact-bearing spans a reviewer must check, each fact once.

A pattern finds every number, date, quotation, citation and capitalized run; most are not claims. Left out here:
version numbers (`Python 3.8`, `HTTP/1.1`), issue numbers (`#2673`), acronyms (`HTTP`, `WSGI`), capitalized common
words (`Optional`, `Release Information`), identifiers (`QuickStart`, `URLTypes`), the product names the draft itself
introduces (its title, the names it also writes in lower case, as code does), and everything markup holds
(`markup.prose_view`: headings, code, HTML attributes, images). A name is kept where it reads as a person,
organization or place: two or more name words (`Kenneth Reitz`), a name with an organization or place word
(`Python Software Foundation`, `Harlow Street Bridge`), or one name word where a person or place is expected
(`by Reitz`, `according to Gartner`). Links are noted once per site, leaving out badges, images, @mentions and the
document's own site; with a `LinkCheck` (`--check-links`) each is fetched: a dead one blocks, a site whose links all
answer is resolved by the rule. The same fact (kind and value) gets one note, at its first line, listing every line it
is on; facts of one kind in one paragraph are one note, answered after checking them together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from draftmate.uncertainty.links import LinkCheck, LinkResult
from draftmate.uncertainty.markup import URL, Link, ProseView, own_sites, site_of
from draftmate.uncertainty.spans import ENTITY_RISK, HARD_RISK, VERIFY_RISK, SpanNote


class Fact(Protocol):
    """A fact-bearing span as text_checks finds it."""

    kind: str
    text: str
    line: int
    start: int
    end: int


WHY = {
    "number": "a number: check it against the source",
    "date": "a date: check it",
    "quote": "a quotation: check it word for word against the source",
    "citation": "a citation: check the source exists and supports the sentence",
    "doi": "a DOI: check that it resolves to the work cited",
    "entity": "a name: check it is the right person, place or organization",
}
WHY_URL = "a link to {site}: check that it exists and says what the text claims"

ORG_OR_PLACE_WORDS = frozenset(
    """foundation university college institute institution school academy society association council committee
    commission agency ministry department bureau office inc ltd llc plc corp corporation company co gmbh ag sa
    group labs laboratory laboratories bank trust fund hospital clinic museum library press publishing media news
    times journal party union league federation church cathedral court parliament congress senate government
    street st road avenue boulevard lane square bridge river lake mountain mount valley island islands bay county
    city town village district province state republic kingdom park station airport port harbour harbor tower
    hall centre center stadium engineering consulting systems technologies partners""".split()
)
PERSON_CUES_BEFORE = frozenset(
    "by to from with at in dr mr mrs ms prof professor sir dame lord lady president ceo founder author engineer "
    "according thanks".split()
)
PERSON_CUES_AFTER = frozenset(
    "said says wrote writes founded announced reported argued claimed told led acquired bought sold launched "
    "released won published invented discovered built opened".split()
)
# A name opening a sentence is dropped by the fact scan (any first word is capitalized) unless a verb says it acts
OPENING_ACTOR = re.compile(
    r"(?:^|[.!?][\"'\u201d)]*\s+)([A-Z][a-z'\u2019]+)(?=\s+(?:" + "|".join(sorted(PERSON_CUES_AFTER)) + r")\b)",
    re.M,
)
NAME_PREFIX = re.compile(r"(?:Mc|Mac|O'|D'|Di|De|Le|La|Van|Von)[A-Z][a-z]")  # McDonald, MacFarlane, O'Brien
ACRONYM = re.compile(r"[A-Z0-9]{2,}s?|[A-Z]\.(?:[A-Z]\.)+")
INNER_CAPITAL = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
VERSION_BEFORE = re.compile(r"(?:\b[A-Z][\w+#-]*|/|\bversions?|\breleases?)[ \t]?$")
FILE_NAME = re.compile(r"\.[A-Za-z]")
YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
VERSION_AFTER = re.compile(
    r"[ \t]*(?:[-\u2013][ \t]?\d|(?:release|version|wheel|branch|series|beta|alpha|rc|specific|and later|or later|"
    r"or newer|or higher)s?\b)",
    re.I,
)
VERSION_RANGE = re.compile(r"\d\.\d+[ \t]?[-\u2013][ \t]?$")
IDENTIFIER_BEFORE = re.compile(r"\b[A-Z]{2,6}[ \t-]?$")
WINDOW = 200  # characters either side of a fact that decide what it is: a 2 MB line is not sliced per fact
LOWER_START = re.compile(r"(?<![A-Za-z'\u2019])[a-z]")
LOWER_WORD = re.compile(r"(?<![\w.-])[a-z][a-z0-9_-]*[a-z0-9](?![\w])")


@cache
def common_words() -> frozenset[str]:
    """Lowercase English words (common_words.txt, read once)."""
    text = (Path(__file__).resolve().parent / "common_words.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.split("\n") if line and not line.startswith("#"))


def is_common(word: str) -> bool:
    """Whether a word, lowercased, is an English word, allowing plurals and -ed/-ing forms."""
    w = word.lower().replace("\u2019", "'").removesuffix("'s")
    words = common_words()
    if w in words:
        return True
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and w[: len(w) - len(suffix)] + repl in words:
            return True
    if w.endswith(("ing", "ed")) and len(w) > 5 and w[-4] == w[-5]:  # "pooling" from "pool", "planned" from "plan"
        return w[: -4 if w.endswith("ing") else -3] in words
    return False


class Claims:
    """What decides, for one draft, which spans are claims."""

    def __init__(self, content: str, view: ProseView) -> None:
        self.view = view
        # Names the draft also writes in lower case (code, commands, package names) are its own products
        self.lowercase = set(LOWER_WORD.findall(URL.sub(" ", content)))  # not from URLs: tidelift.com names no product
        self.title_words = {w.lower() for w in WORD.findall(view.title)}
        self.own = own_sites(view)
        self.known: dict[str, bool] = {}

    def name_word(self, word: str) -> bool:
        """Whether a capitalized word can be part of a person's, organization's or place's name (remembered)."""
        if word not in self.known:
            self.known[word] = self._name_word(word)
        return self.known[word]

    def _name_word(self, word: str) -> bool:
        core = word.replace("\u2019", "'").removesuffix("'s")
        if not core or not core[0].isupper():
            return False
        camel = INNER_CAPITAL.search(core) and not NAME_PREFIX.match(core)
        if ACRONYM.fullmatch(core) or camel or any(c.isdigit() or c == "_" for c in core):
            return False  # HTTP, APIs, QuickStart, AnyIO, URLTypes, Python3 (but MacFarlane is a name)
        if FILE_NAME.search(core):
            return False  # CONTRIBUTING.md, Example.com: a file or a host, not a name
        lower = core.lower()
        if lower in self.title_words or lower in self.lowercase:
            return False  # the draft's own product: its title, or written in lower case elsewhere (`httpx`)
        return not all(is_common(part) for part in core.split("-") if len(part) >= 3)  # "Re-enable": common

    def entity(self, text: str, before: str, after: str) -> bool:
        """Whether a capitalized run names a person, organization or place in a statement."""
        if before.endswith("@"):
            return False  # an @handle: the link beside it says who
        words = text.split()
        capitalized = [w for w in words if w[:1].isupper()]
        names = list(islice((w for w in capitalized if self.name_word(w)), 2))  # two tell as much as all
        if not (LOWER_START.search(before) or LOWER_START.search(after)) and len(names) < 2:
            return False  # a label standing alone ("- Cookie Persistence", a table cell): no statement
        last = words[-1].lower().strip(".,")
        if len(capitalized) >= 2 and last in ORG_OR_PLACE_WORDS and not ACRONYM.fullmatch(capitalized[0]):
            return True  # Python Software Foundation, Harlow Street Bridge
        if not names:
            return False
        if len(capitalized) >= 2:
            return True  # Kenneth Reitz, Thornbury Engineering, Python Software Foundation
        cue_before = (WORD.findall(before[-30:]) or [""])[-1].lower()
        cue_after = (WORD.findall(after[:30]) or [""])[0].lower()
        return cue_before in PERSON_CUES_BEFORE or cue_after in PERSON_CUES_AFTER

    def opening_actors(self, taken: set[tuple[int, int]]) -> list[SpanNote]:
        """Names opening a sentence as its actor ('Einstein said', 'Microsoft acquired'), which the scan left out."""
        notes = []
        for number, line in enumerate(self.view.text.split("\n"), start=1):
            if len(line) > 10_000:
                continue  # no prose line is this long; a hostile one is not scanned word by word
            for m in OPENING_ACTOR.finditer(line):
                if (number, m.start(1)) not in taken and self.name_word(m.group(1)):
                    notes.append(
                        SpanNote(
                            kind="entity",
                            severity="verify",
                            why=WHY["entity"],
                            source="check",
                            lines=(number, number),
                            quote=m.group(1),
                            risk=ENTITY_RISK,
                            signals={"checks": {"pattern": "entity"}},
                        )
                    )
        return notes

    def number(self, line: str, start: int, end: int, previous: str = "") -> str:
        """What a number is: a "figure" to check, a "version" (Python 3.8) or an "identifier" (RFC 7230, #2673)."""
        text = line[start:end]
        before, after = line[max(0, start - WINDOW) : start], line[end : end + WINDOW]
        if not before.strip():
            before = f"{previous.rstrip()} "  # a line wrapped inside "(Python\n3.8)"
        if before.endswith("#"):
            return "identifier"
        if before.endswith(("v", "V")) or after.startswith(("+", ".x", ".*")):
            return "version"
        plain = not any(c in text for c in "%$\u20ac\u00a3") and not re.search(r"[a-z]", text)
        if not plain:
            return "figure"
        if "." in text and (
            VERSION_BEFORE.search(before) or VERSION_RANGE.search(before) or VERSION_AFTER.match(after)
        ):
            return "version"  # Python 3.8, HTTP/1.1, 3.8-3.12, the 2.14 release: a version, not a figure
        if "." not in text and "," not in text and IDENTIFIER_BEFORE.search(before):
            return "identifier"  # RFC 7230, PEP 484, ISO 8601: a document's number, not a figure
        return "figure"

    def links(self, checker: LinkCheck | None = None) -> list[SpanNote]:
        """One verify note per site linked to, leaving out images, badges and the document's own site; with a
        `checker`, each URL fetched: dead ones get a blocking note each, a site whose links all live is resolved."""
        by_site: dict[str, list[Link]] = {}
        for link in self.view.links:
            if link.role in ("image", "badge") or not link.url.startswith(("http://", "https://")):
                continue
            site = site_of(link.url)
            if site in self.own or not site or _self_describing(link):
                continue
            by_site.setdefault(site, []).append(link)
        notes = []
        if checker is not None:
            checker.prefetch([link.url for links in by_site.values() for link in links])
        for site, links in by_site.items():
            if checker is not None:
                dead = {link.url: checker.check(link.url) for link in links if checker.check(link.url).dead}
                for url, result in dead.items():
                    notes.append(_dead_link(sorted({link.line for link in links if link.url == url}), result))
                links = [link for link in links if link.url not in dead]
                if not links:
                    continue
            lines = sorted({link.line for link in links})
            urls = list(dict.fromkeys(link.url for link in links))
            signals: dict[str, Any] = {"checks": {"pattern": "url", "site": site, "urls": urls[:50], "lines": lines}}
            if checker is not None:
                results = [checker.check(url) for url in urls]
                signals["links"] = {"checked": [r.as_json() for r in results[:50]]}
                if all(r.live for r in results):
                    signals["links"]["resolved"] = "; ".join(r.evidence() for r in results)[:500]
            notes.append(
                SpanNote(
                    kind="url",
                    severity="verify",
                    why=WHY_URL.format(site=site) + _also(lines) + _unchecked(signals),
                    source="check",
                    lines=(lines[0], lines[0]),
                    quote=", ".join(urls)[:200],
                    risk=VERIFY_RISK,
                    signals=signals,
                )
            )
        return notes


def _self_describing(link: Link) -> bool:
    """A link whose text is its own target, `[@Viicos](https://github.com/Viicos)`: a mention, no claim to check."""
    text = link.text.strip().lower()
    last = link.url.rstrip("/").rsplit("/", 1)[-1].lower()
    return text == link.url.lower() or (text.startswith("@") and text[1:] == last)


def _unchecked(signals: dict[str, Any]) -> str:
    """What the link check could not decide (a timeout), said in the note."""
    undecided = [r for r in signals.get("links", {}).get("checked", []) if r["status"] is None]
    return "".join(f"; {r['url']} could not be checked: {r['error']}" for r in undecided[:3])


def _dead_link(lines: list[int], result: LinkResult) -> SpanNote:
    """A link a reader cannot follow: blocking, once per URL, with what fetching it showed and every line it is on."""
    return SpanNote(
        kind="url",
        severity="blocking",
        why=f"a dead link: {result.evidence()}; fix or remove it" + _also(lines),
        source="check",
        lines=(lines[0], lines[0]),
        quote=result.url[:200],
        risk=HARD_RISK,
        signals={
            "checks": {"pattern": "url", "site": site_of(result.url), "lines": lines},
            "links": {"checked": [result.as_json()]},
        },
    )


LEAD_WORDS = frozenset(
    "also see copyright member members thanks the a an by and or but with from contact maintained created written "
    "made built designed developed led of".split()
)


def trimmed_name(text: str) -> str:
    """A name without the common words a run of capitals picked up before it: 'Also John MacFarlane' -> 'John ...'."""
    words = text.split()
    while len(words) > 1 and words[0].lower() in LEAD_WORDS:
        words = words[1:]
    return " ".join(words)


def _also(lines: list[int]) -> str:
    if len(lines) <= 1:
        return ""
    shown = ", ".join(str(n) for n in lines[1:20]) + (", …" if len(lines) > 20 else "")
    return f" (the same on lines {shown})"


def once_per_fact(notes: list[SpanNote]) -> list[SpanNote]:
    """The same fact (kind and value) once per draft, at its first line, listing every line it is on."""
    first: dict[tuple[str, str], int] = {}
    lines: dict[tuple[str, str], list[int]] = {}
    out: list[SpanNote] = []
    for note in notes:
        key = (note.kind, " ".join(note.quote.lower().split()))
        assert note.lines is not None
        if key in first:
            lines[key].append(note.lines[0])
            continue
        first[key] = len(out)
        lines[key] = [note.lines[0]]
        out.append(note)
    for key, index in first.items():
        seen = sorted(set(lines[key]))
        if len(seen) > 1:
            note = out[index]
            checks = dict(note.signals.get("checks") or {}) | {"lines": seen}
            out[index] = SpanNote(
                kind=note.kind,
                severity=note.severity,
                why=note.why + _also(seen),
                source=note.source,
                lines=note.lines,
                quote=note.quote,
                risk=note.risk,
                signals=note.signals | {"checks": checks},
            )
    return out


def claim_notes(content: str, view: ProseView, found: Sequence[Fact], links: LinkCheck | None = None) -> list[SpanNote]:
    """Verify notes for the claims among the facts found in the draft's prose (`view.text`), each fact once; links
    fetched when a `LinkCheck` is given."""
    claims = Claims(content, view)
    lines = view.text.split("\n")
    notes: list[SpanNote] = []
    roles = {}
    for fact in found:
        if fact.kind == "number":
            line = lines[fact.line - 1] if 0 < fact.line <= len(lines) else ""
            previous = lines[fact.line - 2] if 1 < fact.line <= len(lines) else ""
            roles[id(fact)] = claims.number(line, fact.start, fact.end, previous)
    # a value the draft uses as a version once ("Python 3.15") is a version everywhere ("all 3.15 features")
    versions = {f.text for f in found if roles.get(id(f)) == "version"}
    for fact in found:
        if fact.kind == "url":
            continue  # links come from the markup, once per site
        line = lines[fact.line - 1] if 0 < fact.line <= len(lines) else ""
        if fact.kind == "number" and (roles[id(fact)] != "figure" or fact.text in versions):
            continue
        text = fact.text
        if fact.kind == "entity":
            before, after = line[max(0, fact.start - WINDOW) : fact.start], line[fact.end : fact.end + WINDOW]
            if not claims.entity(fact.text, before, after):
                continue
            text = trimmed_name(fact.text)
        kind = "date" if fact.kind == "number" and YEAR.fullmatch(fact.text) else fact.kind  # "In 1987 the ..."
        notes.append(
            SpanNote(
                kind=kind,
                severity="verify",
                why=WHY[kind],
                source="check",
                lines=(fact.line, fact.line),
                quote=text[:200],
                risk=ENTITY_RISK if kind == "entity" else VERIFY_RISK,
                signals={"checks": {"pattern": kind}},
            )
        )
    notes += claims.opening_actors({(f.line, f.start) for f in found if f.kind == "entity"})
    notes.sort(key=lambda n: n.lines or (0, 0))
    return per_paragraph(once_per_fact(notes), view.text) + claims.links(links)


WHY_MANY = {
    "number": "numbers in one paragraph: check each against the source",
    "date": "dates in one paragraph: check each",
    "quote": "quotations in one paragraph: check each word for word against the source",
    "citation": "citations in one paragraph: check each source exists and supports its sentence",
    "doi": "DOIs in one paragraph: check each resolves to the work cited",
    "entity": "names in one paragraph: check each is the right person, place or organization",
}


def _on_lines(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:20]) + (", …" if len(lines) > 20 else "")
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}"


def _lines_of(note: SpanNote) -> list[int]:
    listed = (note.signals.get("checks") or {}).get("lines")
    return list(listed) if listed else [note.lines[0]] if note.lines else []


def per_paragraph(notes: list[SpanNote], text: str) -> list[SpanNote]:
    """Facts of one kind in one paragraph as one note: one answer after checking them together."""
    paragraph: list[int] = []
    number = 0
    for line in text.split("\n"):
        number += not line.strip()
        paragraph.append(number)
    groups: dict[tuple[str, int], list[SpanNote]] = {}
    for note in notes:
        assert note.lines is not None
        groups.setdefault((note.kind, paragraph[note.lines[0] - 1]), []).append(note)
    out = []
    for members in groups.values():
        if len(members) == 1:
            out.append(members[0])
            continue
        lines = sorted({n for m in members for n in _lines_of(m)})
        first = members[0]
        out.append(
            SpanNote(
                kind=first.kind,
                severity=first.severity,
                why=f"{WHY_MANY.get(first.kind, first.why)} ({_on_lines(lines)})",
                source=first.source,
                lines=(min(m.lines[0] for m in members if m.lines), max(m.lines[1] for m in members if m.lines)),
                quote=", ".join(m.quote for m in members)[:200],
                risk=max(m.risk or 0.0 for m in members),
                signals={"checks": {"pattern": first.kind, "lines": lines, "facts": len(members)}},
            )
        )
    return sorted(out, key=lambda n: n.lines or (0, 0))
