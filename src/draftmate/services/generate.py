"""Use cases that draft with the model: draft (from a request or an idea) and retry a draft's stored request.

The model is reached only through `llm.ChatSeam`; pass `chat=` (e.g. `llm.FakeChat`) to run these without HTTP.
Text arriving from the model is handed to an `on_chunk` callback; printing it is the CLI's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from draftmate.domain.digests import sha256_hex
from draftmate.domain.ids import short_id
from draftmate.domain.lifecycle import Action, next_state
from draftmate.domain.records import Draft, Kind, Origin, Severity
from draftmate.errors import ModelError, UsageError
from draftmate.services.model_calls import background, chat_for, format_context, reply_meta, strip_fences

if TYPE_CHECKING:
    from concurrent.futures import Future

    from draftmate.llm.chat import ChatSeam, OnChunk, Reply
    from draftmate.llm.prompts import Template
    from draftmate.settings.config import Settings
    from draftmate.store.protocol import Store


class WeakSpot(BaseModel):
    """A span the model is unsure of, and why."""

    model_config = ConfigDict(extra="ignore")

    quote: str = Field(min_length=1)
    why: str = ""


class WeakSpots(BaseModel):
    """The weak-spots answer."""

    model_config = ConfigDict(extra="ignore")

    weak_spots: list[WeakSpot]


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
    claims: list[dict[str, object]] | None = None


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
) -> DraftOutcome:
    """Draft with the model and store it with its notes; a failure still stores the request for `--retry`."""
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
    from draftmate.services.assess import annotate
    from draftmate.store.sqlite import title_of

    # Stored before the model is called: a crash or kill mid-stream still leaves the request for `--retry`.
    pending = store.create_pending_draft(kind=kind, lang=lang, title=title_of(spec), request=request)
    made = generate(
        seam,
        template,
        spec=spec,
        kind=kind,
        lang=lang,
        context=context,
        samples=k,
        on_chunk=on_chunk,
        prompts_dir=settings.prompts_dir,
    )
    content, incomplete = finished_content(made, kind)
    meta = version_meta(seam, settings, template, made, k)
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
            annotate(store, created, content, context, extra=_signals(made), check_links=settings.check_links)
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
) -> DraftOutcome:
    """Run a draft's stored request again (with `samples` extra samples if given) as its next version."""
    from draftmate.fileio import read_input
    from draftmate.services.assess import annotate

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
    with store.transaction():
        store.add_version(
            existing.id, content, origin=Origin.MODEL, author="model", state=state, meta=meta, incomplete=incomplete
        )
        store.update_request(existing.id, request)
        current = store.get_draft(existing.id)
        _note_incomplete(store, current, made)
        if content.strip():
            annotate(store, current, content, context, extra=_signals(made), check_links=settings.check_links)
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
    prompts_dir: str | None = None,
) -> Generated:
    """Stream the draft while extra samples are drawn beside it; then ask for its weak spots."""
    from draftmate.llm import prompts
    from draftmate.llm.chat import Reply, StreamFailed

    values = {"spec": spec, "context": format_context(context)}
    if kind is Kind.CODE:
        values["lang"] = lang or "python"
    messages = template.render(**values)
    pending = background(lambda: seam.complete(messages, n=samples)) if samples > 0 else None
    error = None
    try:
        reply = seam.stream(messages, on_chunk=on_chunk)
    except StreamFailed as e:
        reply, error = e.partial, str(e)
    except ModelError as e:
        reply, error = Reply(text=""), str(e)
    if error is None and reply.complete and not reply.text.strip():
        error = "the model returned an empty answer (it may have refused the request); rephrase it or try another model"
    signal_errors: dict[str, str] = {}
    weak: list[dict[str, str]] | None = None
    extra: list[str] | None = None
    claims: list[dict[str, object]] | None = None
    if reply.complete and reply.text.strip():
        try:
            checking = _claims_beside(seam, kind, context, reply.text, prompts_dir, signal_errors)
            weak_template = prompts.load("weak-spots", prompts_dir)
            weak = weak_spots(seam, weak_template, reply.text, spec, signal_errors)
            if pending is not None:
                try:
                    extra = [r.text for r in pending.result()]
                except ModelError as e:
                    signal_errors["samples"] = str(e)
            claims = checking.result() if checking is not None else None
        except KeyboardInterrupt:  # the draft itself is whole: keep it, without the checks still running
            weak, extra = None, None
            signal_errors["model checks"] = "interrupted (Ctrl-C) before they finished"
    return Generated(
        reply=reply, samples=extra, weak_spots=weak, error=error, signal_errors=signal_errors, claims=claims
    )


def _claims_beside(
    seam: ChatSeam, kind: Kind, context: list[tuple[str, str]], text: str, prompts_dir: str | None, errors: Any
) -> Future[Any] | None:
    """The claim check of a prose draft with sources, started beside the other requests; None when it does not apply."""
    if kind is not Kind.TEXT or not context:
        return None
    from draftmate.llm import prompts
    from draftmate.services.claims import check_claims

    template = prompts.load("check-claims", prompts_dir)
    return background(lambda: check_claims(seam, template, text, context, errors))


def weak_spots(
    seam: ChatSeam, template: Template, text: str, spec: str, errors: dict[str, str]
) -> list[dict[str, str]] | None:
    """The spans the model says it is least sure of; None (unavailable) when it cannot say."""
    try:
        found, _ = seam.structured(template.render(draft=text, spec=spec), WeakSpots, temperature=0.0)
    except ModelError as e:
        errors["weak_spots"] = str(e)
        return None
    return [{"quote": w.quote, "why": w.why} for w in found.weak_spots]


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
    return signals | {"claims": made.claims}


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
