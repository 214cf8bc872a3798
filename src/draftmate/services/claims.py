"""The claim check: the model judges each sentence of a draft against the source passages retrieved for it.

One structured request per draft: every sentence with its best-matching source passage, answered supported,
contradicted or not found, with a quote. Rules, not the model, decide what a quote is worth: it must occur word
for word in the sources (whitespace aside), or it is discarded; and it may lower a risk only if it also carries the
sentence's substance (`carries`, uncertainty/claim_signal.py `quote_gap`). The verdicts go to the `claims` signal; a
model that fails, times out or answers out of shape makes the signal `unavailable` and costs nothing else. The check
returns its error instead of writing it anywhere: it runs in a thread that may outlive an interrupted draft.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from draftmate.errors import ModelError

if TYPE_CHECKING:
    from draftmate.llm.chat import ChatSeam
    from draftmate.llm.prompts import Template
    from draftmate.settings.config import Settings
    from draftmate.uncertainty.grounding import Passages

MAX_SENTENCES = 60  # one request holds at most this many sentences; the rest go unchecked by the model
MIN_QUOTE_CHARS = 12  # a shorter "quote" ("the", "in 2020") shows nothing


class ClaimVerdict(BaseModel):
    """The model's verdict on one numbered sentence."""

    model_config = ConfigDict(extra="ignore")

    sentence: int
    verdict: Literal["supported", "contradicted", "not_found"]
    quote: str = ""


class ClaimVerdicts(BaseModel):
    """The claim-check answer."""

    model_config = ConfigDict(extra="ignore")

    claims: list[ClaimVerdict]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def checked_sentences(content: str, passages: Passages) -> list[tuple[int, str, str]]:
    """(line, sentence, retrieved passage) for each sentence of the draft, as the grounding check matches them."""
    from draftmate.uncertainty.markup import prose_view
    from draftmate.uncertainty.spans import key_terms
    from draftmate.uncertainty.text_checks import sentences

    # a heading or a code block makes no claim: asking about one costs the reviewer a note ("## Details: the model
    # found nothing in the sources about it") that can only be dismissed
    prose = prose_view(content).text.split("\n")
    claims = [
        s
        for s in sentences(content)
        if s.line <= len(prose) and any(c.isalnum() for c in prose[s.line - 1][s.start : s.start + len(s.text)])
    ]
    out = []
    for sent in claims[:MAX_SENTENCES]:
        index, _ = passages.best(key_terms(sent.text))
        out.append((sent.line, sent.text.strip(), passages.passage_text(index) if index >= 0 else ""))
    return out


def render_claims(items: list[tuple[int, str, str]]) -> str:
    """The numbered sentences with their passages, as the prompt shows them."""
    blocks = []
    for number, (_, sentence, passage) in enumerate(items, start=1):
        blocks.append(f"[{number}] SENTENCE: {sentence}\n    PASSAGES: {passage or '(no passage shares its words)'}")
    return "\n\n".join(blocks)


def check_claims(
    seam: ChatSeam, template: Template, content: str, context: list[tuple[str, str]]
) -> tuple[list[dict[str, object]] | None, str | None]:
    """The verdicts on the draft's sentences with their quotes judged, and None with the reason when the model
    cannot say (the signal is then `unavailable`)."""
    from draftmate.uncertainty.claim_signal import quote_gap
    from draftmate.uncertainty.grounding import Passages
    from draftmate.uncertainty.text_checks import Sources

    if not context or not content.strip():
        return None, None
    passages = Passages(Sources(context))
    items = checked_sentences(content, passages)
    if not items:
        return None, None
    try:
        answer, _ = seam.structured(template.render(claims=render_claims(items)), ClaimVerdicts, temperature=0.0)
    except ModelError as e:
        return None, str(e)
    sources = _squeeze("\n".join(text for _, text in context))
    out: list[dict[str, object]] = []
    seen: set[int] = set()
    for verdict in answer.claims:
        if not 1 <= verdict.sentence <= len(items) or verdict.sentence in seen:
            continue  # a sentence the draft does not have, or asked twice: the first answer stands
        seen.add(verdict.sentence)
        line, sentence, _ = items[verdict.sentence - 1]
        quote = _squeeze(verdict.quote.strip().strip('"\u201c\u201d'))
        verified = len(quote) >= MIN_QUOTE_CHARS and quote in sources
        gap = quote_gap(sentence, quote, passages) if verified else "no quote that is in the sources"
        out.append(
            {
                "line": line,
                "sentence": sentence[:300],
                "verdict": verdict.verdict,
                "quote": quote[:300] if verified else "",
                "quote_discarded": bool(quote) and not verified,
                "carries": not gap,
                "quote_gap": gap,
            }
        )
    return out, None


def check_for_import(
    settings: Settings, content: str, context: list[tuple[str, str]], chat: ChatSeam | None = None
) -> tuple[list[dict[str, object]] | None, dict[str, str]]:
    """The claim check of an imported draft (`--check-claims`): the verdicts, and why they are unavailable if so."""
    from draftmate.llm import prompts
    from draftmate.services.model_calls import chat_for, request_failure

    try:
        template = prompts.load("check-claims", settings.prompts_dir)
        claims, error = check_claims(chat_for(settings, chat), template, content, context)
    except Exception as e:  # as beside a model draft: any failure costs the signal, never the import
        return None, {"claims": request_failure(e)}
    return claims, ({"claims": error} if error else {})
