"""Use cases that draft with the model: draft (from a request or an idea) and retry a draft's stored request.

The model is reached only through `llm.ChatSeam`; pass `chat=` (e.g. `llm.FakeChat`) to run these without HTTP.
Text arriving from the model is handed to an `on_chunk` callback; printing it is the CLI's business.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from draftmate.domain.digests import sha256_hex
from draftmate.domain.ids import short_id
from draftmate.domain.lifecycle import Action, next_state
from draftmate.domain.records import Draft, Kind, Origin, Severity
from draftmate.errors import ModelError, UsageError
from draftmate.services.draft_tail import TailFilter, parse_weak_spots, without_tail
from draftmate.services.model_calls import (
    Beside,
    chat_for,
    first_token_arrived,
    format_context,
    reply_meta,
    strip_fences,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from draftmate.llm.chat import ChatSeam, Message, OnChunk, Reply
    from draftmate.llm.prompts import Template
    from draftmate.settings.config import Settings
    from draftmate.store.protocol import Store

    OnNotice = Callable[[str], None]


RETRY_DELAY = 0.5  # seconds before the first retry of a cut stream; llmock flags retries with no back-off


@dataclass
class DraftOutcome:
    """A stored model draft, the reply it came from, and anything the user should hear about."""

    draft: Draft
    reply: Reply
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # set when the model failed; the request was kept


@dataclass
class Generated:
    """What one drafting run produced before it is stored."""

    reply: Reply
    samples: list[str] | None
    weak_spots: list[dict[str, str]] | None
    error: str | None
    signal_errors: dict[str, str]
    beside: dict[str, Any] = field(default_factory=dict)  # each request run beside the stream: its answer, by name


def resolve_spec(store: Store, spec: str | None, idea_ref: str | None) -> tuple[str, str | None]:
    """The full request text and the idea ID it came from, if any."""
    idea_id = None
    parts = []
    if idea_ref:
        idea = store.get_idea(idea_ref)
        idea_id = idea["id"]
        parts.append(f"{idea['title']}: {idea['rationale']}".strip())
        if idea["risks"]:
            parts.append("Risks to address: " + "; ".join(idea["risks"]))
        parts.append(f"(Brainstormed for: {idea['topic']})")
    if spec and spec.strip():
        parts.append(spec.strip())
    if not parts:
        raise UsageError("say what to draft: give SPEC as an argument or on stdin, or pick an idea with --idea N")
    return "\n".join(parts), idea_id


def draft_template(kind: Kind, prompts_dir: str | None) -> Template:
    """The template a kind of draft is written with."""
    from draftmate.llm import prompts

    return prompts.load("draft-code" if kind is Kind.CODE else "draft-text", prompts_dir)


def draft(
    store: Store,
    settings: Settings,
    *,
    spec: str,
    kind: Kind = Kind.TEXT,
    lang: str = "",
    idea_id: str | None = None,
    context: list[tuple[str, str]] | None = None,
    samples: int | None = None,
    chat: ChatSeam | None = None,
    on_chunk: OnChunk | None = None,
    on_retry: OnNotice | None = None,
    requested_by: str = "",
) -> DraftOutcome:
    """Draft with the model and store it with its notes; a failure still stores the request for `--retry`.

    `requested_by` is who asked for it: the draft's author, to a review policy."""
    context = context or []
    if kind is Kind.CODE and not lang:
        lang = "python"  # what the code template asks for when no language is given
    template = draft_template(kind, settings.prompts_dir)
    seam = chat_for(settings, chat)
    k = settings.samples if samples is None else samples
    request = {
        "spec": spec,
        "kind": kind.value,
        "lang": lang,
        "idea": idea_id,
        "context": [{"name": n, "path": str(Path(n).resolve()), "sha256": sha256_hex(t)} for n, t in context],
        "model": settings.model,
        "fallback_model": settings.fallback_model,
        "base_url_host": seam.provider,
        "samples": k,
        "template": template.ref(),
    }
    from draftmate.services.assess import annotate, assess_version
    from draftmate.store.sqlite import title_of

    # Stored before the model is called: a crash or kill mid-stream still leaves the request for `--retry`.
    pending = store.create_pending_draft(
        kind=kind, lang=lang, title=title_of(spec), request=request, requested_by=requested_by
    )
    made = generate(
        seam,
        template,
        spec=spec,
        kind=kind,
        lang=lang,
        context=context,
        samples=k,
        on_chunk=on_chunk,
        retries=settings.max_retries,
        on_retry=on_retry,
        prompts_dir=settings.prompts_dir,
    )
    content, incomplete = finished_content(made, kind)
    meta = version_meta(seam, settings, template, made, k)
    # links and PyPI are asked before the store is locked: the transaction only writes
    assessed = assess_version(kind, lang, content, context, _signals(made), settings.check_links)
    with store.transaction():
        store.add_version(
            pending.id,
            content,
            origin=Origin.MODEL,
            author="model",
            state=next_state(pending.status, Action.NEW_VERSION),
            meta=meta,
            incomplete=incomplete,
        )
        if content.strip():
            store.set_title(pending.id, title_of(content))
        created = store.get_draft(pending.id)
        _note_incomplete(store, created, made)
        if content.strip():
            annotate(store, created, assessed)
    stored = store.get_draft(created.id)
    return _outcome(stored, made)


def retry(
    store: Store,
    settings: Settings,
    draft_id: str,
    *,
    chat: ChatSeam | None = None,
    on_chunk: OnChunk | None = None,
    samples: int | None = None,
    on_retry: OnNotice | None = None,
    requested_by: str = "",
) -> DraftOutcome:
    """Run a draft's stored request again as its next version (`samples` extra samples if given), for `requested_by`."""
    from draftmate.fileio import read_input
    from draftmate.services.assess import annotate, assess_version

    existing = store.get_draft(draft_id)
    request = dict(existing.request)
    if not request.get("spec"):
        raise UsageError(
            f"draft {short_id(draft_id)} was not drafted by the model, so there is no request to retry; "
            f"store a new version from a file with `draftmate draft --from-file FILE --version-of {short_id(draft_id)}`"
        )
    state = next_state(existing.status, Action.NEW_VERSION)
    warnings = []
    context = []
    for item in request.get("context", []):
        path = item.get("path") or item["name"]
        try:
            text = read_input(path)[0]
        except UsageError:
            raise UsageError(f"context file {item['name']} is gone ({path}); restore it to retry") from None
        if sha256_hex(text) != item["sha256"]:
            warnings.append(f"context file {item['name']} changed since the first attempt; using it as it is now")
        context.append((item["name"], text))
    kind = Kind(request["kind"])
    template = draft_template(kind, settings.prompts_dir)
    if template.sha256 != request.get("template", {}).get("sha256"):
        warnings.append(f"prompt template {template.name} changed since the first attempt (now v{template.version})")
    seam = chat_for(settings, chat)
    k = int(request.get("samples", settings.samples)) if samples is None else samples
    made = generate(
        seam,
        template,
        spec=request["spec"],
        kind=kind,
        lang=request.get("lang", ""),
        context=context,
        samples=k,
        on_chunk=on_chunk,
        retries=settings.max_retries,
        on_retry=on_retry,
        prompts_dir=settings.prompts_dir,
    )
    content, incomplete = finished_content(made, kind)
    if not content.strip() and made.error:
        raise ModelError(
            f"{made.error}; draft {short_id(draft_id)} is unchanged, retry later: "
            f"draftmate draft --retry {short_id(draft_id)}"
        )
    meta = version_meta(seam, settings, template, made, k) | {"retry_of_version": existing.current_version}
    request.update(
        model=settings.model,
        fallback_model=settings.fallback_model,
        base_url_host=seam.provider,
        samples=k,
        template=template.ref(),
    )
    assessed = assess_version(kind, existing.lang, content, context, _signals(made), settings.check_links)
    with store.transaction():
        store.add_version(
            existing.id,
            content,
            origin=Origin.MODEL,
            author="model",
            state=state,
            meta=meta,
            incomplete=incomplete,
            requested_by=requested_by,
        )
        store.update_request(existing.id, request)
        current = store.get_draft(existing.id)
        _note_incomplete(store, current, made)
        if content.strip():
            annotate(store, current, assessed)
    outcome = _outcome(store.get_draft(existing.id), made)
    outcome.warnings[:0] = warnings
    return outcome


def generate(
    seam: ChatSeam,
    template: Template,
    *,
    spec: str,
    kind: Kind,
    lang: str,
    context: list[tuple[str, str]],
    samples: int,
    on_chunk: OnChunk | None,
    retries: int = 0,
    on_retry: OnNotice | None = None,
    prompts_dir: str | None = None,
) -> Generated:
    """Stream the draft, its weak spots in the same answer, while the requests beside it run."""
    values = {"spec": spec, "context": format_context(context)}
    if kind is Kind.CODE:
        values["lang"] = lang or "python"
    messages = template.render(**values)
    beside = requests_beside(seam, messages, samples=samples)
    reply, error, tail = stream_draft(seam, messages, on_chunk, retries=retries, on_retry=on_retry)
    if error is None and reply.complete and not reply.text.strip():
        error = "the model returned an empty answer (it may have refused the request); rephrase it or try another model"
    signal_errors: dict[str, str] = {}
    weak: list[dict[str, str]] | None = None
    answers: dict[str, Any] = {}
    if reply.complete and reply.text.strip():
        weak, problem = parse_weak_spots(tail)
        if problem is not None:
            signal_errors["weak_spots"] = problem
        try:
            if kind is Kind.TEXT and context:  # the claim check needs the whole draft: the one request after it
                _check_claims_beside(beside, seam, reply.text, context, prompts_dir)
            answers, failed = beside.results()
            signal_errors |= failed
        except KeyboardInterrupt:  # the draft itself is whole: keep it, without the checks still running
            signal_errors["model checks"] = "interrupted (Ctrl-C) before they finished"
    return Generated(
        reply=reply,
        samples=answers.get("samples"),
        weak_spots=weak,
        error=error,
        signal_errors=signal_errors,
        beside=answers,
    )


def _check_claims_beside(
    beside: Beside,
    seam: ChatSeam,
    text: str,
    context: list[tuple[str, str]],
    prompts_dir: str | None,
) -> None:
    """Start the claim check of a prose draft against its sources, beside the requests still running."""
    from draftmate.llm import prompts
    from draftmate.services.claims import check_claims

    template = prompts.load("check-claims", prompts_dir)
    beside.start("claims", lambda: check_claims(seam, template, text, context))


def requests_beside(seam: ChatSeam, messages: list[Message], *, samples: int) -> Beside:
    """The model requests that run while the draft streams; a signal needing one more starts it here."""
    beside = Beside()
    if samples > 0:
        beside.start("samples", lambda: ([without_tail(r)[0].text for r in seam.complete(messages, n=samples)], None))
    return beside


def stream_draft(
    seam: ChatSeam, messages: list[Message], on_chunk: OnChunk | None, *, retries: int, on_retry: OnNotice | None
) -> tuple[Reply, str | None, str | None]:
    """The streamed draft, its error and its weak-spots tail; a stream cut without a finish reason is asked again."""
    from draftmate.llm.chat import Reply, StreamFailed

    attempt = 0
    while True:
        shown = TailFilter(on_chunk)
        error = None
        try:
            reply = seam.stream(messages, on_chunk=_first_token_told(shown))
        except StreamFailed as e:
            reply, error = e.partial, str(e)
        except ModelError as e:
            reply, error = Reply(text=""), str(e)
        cut = error is None and not reply.interrupted and reply.finish_reason is None
        if not cut or attempt >= retries:
            break
        attempt += 1
        if on_retry is not None:
            on_retry(f"the stream was cut after {reply.chunks} chunks; retrying ({attempt}/{retries})")
        try:
            time.sleep(retry_delay(attempt))
        except KeyboardInterrupt:  # keep what the cut stream brought, as any interrupted draft
            reply = replace(reply, interrupted=True)
            break
    shown.flush()
    reply, tail = without_tail(reply)
    return reply, error, tail


def _first_token_told(on_chunk: OnChunk) -> OnChunk:
    """`on_chunk`, telling the warm-up when the first token has come."""
    told = False

    def arrived(text: str) -> None:
        nonlocal told
        if not told:
            told = True
            first_token_arrived()
        on_chunk(text)

    return arrived


def retry_delay(attempt: int) -> float:
    """Seconds before retry `attempt`: exponential with jitter, as the openai SDK waits between its own retries."""
    return min(RETRY_DELAY * 2.0 ** (attempt - 1), 8.0) * (1 - 0.25 * random.random())


def finished_content(made: Generated, kind: Kind) -> tuple[str, bool]:
    """The text to store and whether it is incomplete: failed, no finish reason, cut at a length limit, interrupted."""
    reply = made.reply
    incomplete = not reply.complete or made.error is not None
    text = reply.text
    if kind is Kind.CODE and not incomplete:
        text = strip_fences(text)
    return text, incomplete


def version_meta(
    seam: ChatSeam, settings: Settings, template: Template, made: Generated, samples: int
) -> dict[str, Any]:
    """What a stored version records about how the model made it."""
    reply = made.reply
    meta = reply_meta(seam, settings, template, reply)
    meta["params"] = {**seam.params, "samples": samples}
    if settings.fallback_model:
        meta["fallback_model"] = settings.fallback_model
    if reply.interrupted:
        meta["interrupted"] = True
    if made.error:
        meta["error"] = made.error
    if made.signal_errors:
        meta["signal_errors"] = made.signal_errors
    return meta


def _signals(made: Generated) -> dict[str, Any]:
    signals = {"logprobs": made.reply.logprobs, "samples": made.samples, "weak_spots": made.weak_spots}
    return signals | {"claims": made.beside.get("claims")}


def _note_incomplete(store: Store, current: Draft, made: Generated) -> None:
    """A blocking note on a draft the model did not finish."""
    reply = made.reply
    if reply.complete and not made.error:
        return
    if made.error:
        why = f"the model failed before finishing ({made.error})"
    elif reply.interrupted:
        why = "drafting was interrupted (Ctrl-C) before the model finished"
    elif reply.finish_reason == "length":
        why = "the model stopped at its length limit (finish reason: length); the end is missing"
    elif reply.finish_reason is None:
        why = "the answer ended without a finish reason (the stream was cut off); the end may be missing"
    else:
        why = f"the model stopped early (finish reason: {reply.finish_reason})"
    store.add_note(
        current.id,
        version=current.current_version,
        kind="incomplete",
        severity=Severity.BLOCKING,
        why=f"{why}; run `draftmate draft --retry {short_id(current.id)}` for a complete version",
        source="check",
        signals={"finish_reason": reply.finish_reason or "missing"},
    )


def _outcome(stored: Draft, made: Generated) -> DraftOutcome:
    outcome = DraftOutcome(draft=stored, reply=made.reply, error=made.error)
    for name, problem in made.signal_errors.items():
        outcome.warnings.append(f"{name.replace('_', ' ')} unavailable: {problem}")
    return outcome
