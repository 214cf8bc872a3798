"""The prose of a Markdown, reStructuredText or HTML draft: markup blanked out, links and images kept aside.

`prose_view` returns the draft with every character that is not prose replaced by a space (line breaks kept, so lines
and columns stay those of the draft): code blocks and code spans, headings, HTML tags with their attributes, images,
link targets, directives. What the markup said is kept aside: each link's target (and whether its text is only an
image: a badge), each image, each heading's line. The fact checks then read claims, not markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Link:
    """A URL in the draft: a link's target, an image, a badge's target, or a bare URL in the text."""

    url: str
    line: int
    role: str  # "link", "bare", "image", "badge" (a link whose text is only an image), "definition"
    text: str = ""  # the link text, for a link


@dataclass
class ProseView:
    """A draft's prose (markup blanked, same lines and columns), its links and its heading lines."""

    text: str
    links: list[Link] = field(default_factory=list)
    headings: set[int] = field(default_factory=set)
    title: str = ""


URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+")
FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
UNDERLINE = re.compile(r"^[ \t]*([=\-~^\"'`#*+:.])\1{2,}[ \t]*$")
# Runs of one to three backticks only, each tried once: a line of thousands of them stays linear
CODE_SPAN = re.compile(r"(?<!`)(`{1,3})(?!`)([^`\n]{1,2000})\1(?!`)")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,30}(?:\s[^<>]{0,4000})?/?>")
ATTRIBUTE_URL = re.compile(r"\b(href|src)\s*=\s*[\"']?([^\"'\s>]+)", re.I)
MD_IMAGE = re.compile(r"!\[([^\[\]\n]{0,1000})\]\(\s*<?([^\s()<>]{0,2000})>?(?:\s+[\"'][^\"'\n]{0,500}[\"'])?\s*\)")
MD_LINK = re.compile(r"\[([^\[\]\n]{0,1000})\]\(\s*<?([^\s()<>]{0,2000})>?(?:\s+[\"'][^\"'\n]{0,500}[\"'])?\s*\)")
MD_REF_LINK = re.compile(r"\[([^\[\]\n]{1,1000})\]\[([^\[\]\n]{0,200})\]")
MD_REF_IMAGE = re.compile(r"!\[([^\[\]\n]{0,1000})\]\[([^\[\]\n]{0,200})\]")
MD_DEFINITION = re.compile(r"^[ \t]{0,3}\[([^\]\n]{1,200})\]:[ \t]*<?(\S{1,2000}?)>?(?:[ \t]+.*)?$", re.M)
AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,2000})>")
RST_LINK = re.compile(r"`([^`<\n]{0,1000})<([^`>\n]{1,2000})>`__?")
RST_ROLE = re.compile(r":[A-Za-z][\w:+.-]{0,40}:`[^`\n]{0,1000}`")
RST_NAMED_REF = re.compile(r"(?<=\w)__?(?![\w])|\|[^|\n]{1,100}\|_{0,2}")
RST_DIRECTIVE = re.compile(r"^([ \t]*)\.\.(?:[ \t]+(\S.*))?$")
RST_TARGET_DEF = re.compile(r"^_[^:]{1,200}:[ \t]*(\S+)")
RST_OPTION_URL = re.compile(r"^[ \t]*:(target|alt):[ \t]*(.*)$")
LIST_ITEM = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
PROSE_DIRECTIVES = ("note::", "warning::", "tip::", "important::", "attention::", "caution::", "hint::", "danger::")


def prose_view(content: str, lang: str = "") -> ProseView:
    """The draft's prose with markup blanked out, and what the markup said (links, images, headings)."""
    masker = _Masker(content)
    masker.blocks(lang)
    masker.inline()
    return masker.view()


class _Masker:
    """Blanks markup out of a text, recording links and headings as it goes."""

    def __init__(self, content: str) -> None:
        self.lines = content.split("\n")
        self.chars = list(content)
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.links: list[Link] = []
        self.headings: set[int] = set()
        self.title = ""
        self.snapshot = content
        self.ref_roles: dict[str, str] = {}  # reference labels used by an image or by a badge's link

    def view(self) -> ProseView:
        return ProseView("".join(self.chars), self.links, self.headings, self.title)

    def text(self) -> str:
        return "".join(self.chars)

    def blank(self, start: int, end: int) -> None:
        segment = self.chars[start:end]
        if "\n" in segment:
            self.chars[start:end] = ["\n" if c == "\n" else " " for c in segment]
        else:
            self.chars[start:end] = [" "] * len(segment)

    def blank_line(self, index: int) -> None:
        self.blank(self.starts[index], self.starts[index] + len(self.lines[index]))

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def heading(self, index: int) -> None:
        if not self.title:
            self.title = self.lines[index].strip().strip("#").strip()
        self.headings.add(index + 1)
        self.blank_line(index)

    def blocks(self, lang: str) -> None:
        """Code blocks, headings and directives: whole lines."""
        lines = self.lines
        fence = ""
        literal_indent: int | None = None
        directive_indent: int | None = None
        markdown = lang in ("markdown", "md")
        in_list = in_code = False  # Markdown: the last block started a list item; an indented code block goes on
        for i, line in enumerate(lines):
            stripped = line.strip()
            if markdown:
                indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
                starts_block = i == 0 or not lines[i - 1].strip()
                if stripped and indent >= 4 and not in_list and (starts_block or in_code):
                    in_code = True  # an indented code block (not a list item's continuation)
                    self.blank_line(i)
                    continue
                if stripped:
                    in_code = False
                    if indent < 2:
                        in_list = bool(LIST_ITEM.match(line))
            if fence:
                self.blank_line(i)
                if stripped.startswith(fence):
                    fence = ""
                continue
            if m := FENCE.match(line):
                fence = m.group(1)
                self.blank_line(i)
                continue
            indent = len(line) - len(line.lstrip())
            if literal_indent is not None or directive_indent is not None:
                limit = literal_indent if literal_indent is not None else directive_indent
                assert limit is not None
                if not stripped or indent > limit:
                    if directive_indent is not None:
                        self._directive_option(i)
                    self.blank_line(i)
                    continue
                literal_indent = directive_indent = None
            if MD_HEADING.match(line):
                self.heading(i)
                continue
            if UNDERLINE.match(line) and stripped:
                # A heading's underline (or overline); after a blank line, a rule
                # (an overline is blanked alone: its title is a heading when its underline comes)
                if i > 0 and lines[i - 1].strip() and not UNDERLINE.match(lines[i - 1]):
                    self.heading(i - 1)
                self.blank_line(i)
                continue
            if m := RST_DIRECTIVE.match(line):
                body = m.group(2) or ""
                if target := RST_TARGET_DEF.match(body):
                    self.links.append(Link(target.group(1), i + 1, "definition"))
                elif ("image::" in body or "figure::" in body) and (image := URL.search(body)) is not None:
                    self.links.append(Link(image.group(0), i + 1, "image"))
                self.blank_line(i)
                if not body.startswith(PROSE_DIRECTIVES):
                    directive_indent = len(m.group(1))
                continue
            if stripped.endswith("::") and lang in ("rst", "restructuredtext", ""):
                literal_indent = indent
                if stripped == "::":
                    self.blank_line(i)
                continue

    def _directive_option(self, index: int) -> None:
        m = RST_OPTION_URL.match(self.lines[index])
        if m and m.group(1) == "target":
            self.links.append(Link(m.group(2).strip(), index + 1, "badge"))
        elif (url := URL.search(self.lines[index])) is not None:
            self.links.append(Link(url.group(0), index + 1, "image"))

    def inline(self) -> None:
        """Code spans, comments, images, links, tags and URLs inside lines."""
        self._each(CODE_SPAN, lambda m: self.blank(m.start(), m.end()))
        self._comments()
        self._each(RST_ROLE, lambda m: self.blank(m.start(), m.end()))
        self._each(MD_REF_IMAGE, self._ref_image)
        self._each(AUTOLINK, lambda m: self._link(m, m.group(1), "bare", "", whole=True))
        self._each(MD_IMAGE, lambda m: self._link(m, m.group(2), "image", m.group(1), whole=True))
        self._each(HTML_TAG, self._tag)
        self._each(MD_LINK, self._md_link)
        self._each(MD_REF_LINK, self._ref_link)
        self._each(MD_DEFINITION, self._definition)
        self._each(RST_LINK, self._rst_link)
        self._each(URL, lambda m: self._link(m, m.group(0).rstrip(".,;:!?"), "bare", "", whole=True))
        self._each(RST_NAMED_REF, lambda m: self.blank(m.start(), m.end()))

    def _each(self, pattern: re.Pattern[str], act: Callable[[re.Match[str]], None]) -> None:
        self.snapshot = self.text()  # what the pattern runs on; blanking as it goes changes only self.chars
        for m in list(pattern.finditer(self.snapshot)):
            act(m)

    def _comments(self) -> None:
        """HTML comments, across lines; found with str.find, so an unclosed one costs one scan, not one per opener."""
        text, pos = self.text(), 0
        while (start := text.find("<!--", pos)) >= 0:
            end = text.find("-->", start + 4)
            if end < 0:
                return
            self.blank(start, end + 3)
            pos = end + 3

    def _link(self, m: re.Match[str], url: str, role: str, text: str, *, whole: bool) -> None:
        if url:
            self.links.append(Link(url, self.line_of(m.start()), role, text.strip()))
        if whole:
            self.blank(m.start(), m.end())

    def _definition(self, m: re.Match[str]) -> None:
        role = self.ref_roles.get(m.group(1).strip().lower(), "definition")
        self.links.append(Link(m.group(2), self.line_of(m.start()), role, m.group(1)))
        self.blank(m.start(), m.end())

    def _ref_image(self, m: re.Match[str]) -> None:
        self.ref_roles[(m.group(2) or m.group(1)).strip().lower()] = "image"
        self.blank(m.start(), m.end())

    def _md_link(self, m: re.Match[str]) -> None:
        text = m.group(1)
        self.links.append(Link(m.group(2), self.line_of(m.start()), "link" if text.strip() else "badge", text.strip()))
        self.blank(m.start(), m.start() + 1)
        self.blank(m.start(1) + len(text), m.end())

    def _ref_link(self, m: re.Match[str]) -> None:
        if not m.group(1).strip():  # its text was only an image: a badge
            self.ref_roles.setdefault((m.group(2) or m.group(1)).strip().lower(), "badge")
        self.blank(m.start(), m.start() + 1)
        self.blank(m.end(1), m.end())

    def _rst_link(self, m: re.Match[str]) -> None:
        text = m.group(1)
        self.links.append(Link(m.group(2).strip(), self.line_of(m.start()), "link", text.strip()))
        self.blank(m.start(), m.start() + 1)
        self.blank(m.start(1) + len(text.rstrip()), m.end())

    def _tag(self, m: re.Match[str]) -> None:
        tag = m.group(0)
        for attribute in ATTRIBUTE_URL.finditer(tag):
            name, url = attribute.group(1).lower(), attribute.group(2)
            if url.startswith(("http://", "https://")):
                role = "image" if name == "src" else self._anchor_role(m.end())
                self.links.append(Link(url, self.line_of(m.start()), role))
        self.blank(m.start(), m.end())

    def _anchor_role(self, after: int) -> str:
        """'badge' when an <a> holds only an image up to its </a>, else 'link'."""
        rest = self.snapshot[after : after + 4000]
        close = rest.lower().find("</a>")
        inner = rest[:close] if close >= 0 else ""
        if close >= 0 and "<img" in inner.lower() and not HTML_TAG.sub("", inner).strip():
            return "badge"
        return "link"


CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")


@lru_cache(maxsize=4096)
def site_of(url: str) -> str:
    """Who a URL belongs to: a repository on a code host (raw files and GitHub Pages too), else the host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = [p for p in parts.path.split("/") if p]
    if host == "raw.githubusercontent.com" or host in CODE_HOSTS:
        owner_repo = "/".join(path[:2]).lower().removesuffix(".git")
        return f"github.com/{owner_repo}" if host == "raw.githubusercontent.com" else f"{host}/{owner_repo}"
    if host in ("pypi.org", "pypi.python.org") and len(path) >= 2 and path[0] in ("project", "pypi"):
        return f"pypi.org/project/{path[1].lower()}"
    return host


NAME_WORD = re.compile(r"[a-z0-9]{3,}")


def own_sites(view: ProseView) -> set[str]:
    """The sites of the document's own project: those its badges and images point at, and those named like it."""
    sites = {site_of(link.url) for link in view.links if link.role in ("badge", "image")}
    names = set(NAME_WORD.findall(view.title.lower()))
    for site in list(sites):
        if "/" in site:
            names.add(site.rsplit("/", 1)[-1])  # a repository's or PyPI project's name is the project's
    names -= {"www", "com", "org", "the", "python", "docs", "project"}
    for link in view.links:
        site = site_of(link.url)
        words = set(NAME_WORD.findall(site.replace("-", " ").replace(".", " ").replace("/", " ")))
        if words & names:
            sites.add(site)
    return sites
