"""Revising one section with the model, for the review's `r` key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from draftmate.errors import ModelError, UsageError
from draftmate.services.model_calls import chat_for, reply_meta, strip_fences

if TYPE_CHECKING:
    from draftmate.llm.chat import ChatSeam
    from draftmate.settings.config import Settings


def make_reviser(settings: Settings, chat: ChatSeam | None = None) -> Callable[[str, str], tuple[str, dict[str, Any]]]:
    """A function (section_text, instruction) -> (revised text, how the model made it), for the review's `r` key."""
    from draftmate.llm import prompts

    seams: list[ChatSeam] = [chat] if chat is not None else []

    def revise(section: str, instruction: str) -> tuple[str, dict[str, Any]]:
        if not instruction.strip():
            raise UsageError("say how to revise the section")
        if not seams:
            seams.append(chat_for(settings, None))
        template = prompts.load("revise", settings.prompts_dir)
        reply = seams[0].complete(template.render(section=section, instruction=instruction.strip()))[0]
        if not reply.complete:
            raise ModelError(
                f"the revision was cut off (finish reason: {reply.finish_reason or 'missing'}); nothing was changed"
            )
        # a fence the model added around the section is not part of it
        text = reply.text if section.lstrip().startswith("```") else strip_fences(reply.text)
        if not text.strip():
            raise ModelError("the model returned an empty revision; nothing was changed")
        made = reply_meta(seams[0], settings, template, reply)  # the version's provenance; export's generator reads it
        return (text if text.endswith("\n") or not section.endswith("\n") else text + "\n"), made

    return revise
