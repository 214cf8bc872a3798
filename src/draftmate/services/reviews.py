"""Reviewing a draft: section decisions, notes resolved, and the decision, each saved as it is made."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from draftmate import __version__
from draftmate.domain.ids import short_id
from draftmate.domain.lifecycle import (
    TO_DECIDE,
    Action,
    answerable_together,
    carry_decisions,
    check_gate,
    needs_comment,
    next_state,
    section_states,
)
from draftmate.domain.outcomes import review_outcome
from draftmate.domain.policy import Approver, ReviewPolicy
from draftmate.domain.records import (
    Decision,
    Draft,
    Note,
    NoteResolution,
    Origin,
    Resolution,
    Review,
    ReviewStatus,
    Severity,
    State,
    Version,
)
from draftmate.domain.sections import Section, replace_section, split_sections
from draftmate.errors import AmbiguousId, GateRefused, NotFound, UsageError
from draftmate.services.exports import seal
from draftmate.store.protocol import Store
from draftmate.store.sqlite import now


@dataclass
class ReviewSession:
    """One reviewer's pass over the current version of a draft."""

    store: Store
    draft: Draft
    review: Review
    version: Version
    sections: list[Section] = field(default_factory=list)
    # set when this reviewer took over another's open review: whose, and how many of their decisions were dropped
    taken_over: tuple[str, int] | None = None

    @property
    def actor(self) -> str:
        """Who is acting: the reviewer."""
        return self.review.reviewer

    # ---- reading -----------------------------------------------------------------------------------

    def states(self) -> list[str]:
        """Per section: 'undecided', 'stale', 'accept', 'edit' or 'reject'."""
        return section_states(self.sections, self.review.decisions)

    def notes(self) -> list[Note]:
        """The draft's notes, all versions."""
        return self.store.list_notes(self.draft.id)

    def open_notes(self) -> list[Note]:
        """Notes still to resolve."""
        return [n for n in self.notes() if n.resolution is None]

    def notes_for(self, section: Section) -> list[Note]:
        """Notes of the current version whose lines fall in `section`."""
        return [
            n
            for n in self.notes()
            if n.lines
            and n.version == self.version.number
            and n.lines[0] <= section.end
            and n.lines[1] >= section.start
        ]

    def next_undecided(self, after: int = -1, backwards: bool = False) -> int | None:
        """Index of the next (or previous) section that is undecided or stale."""
        states = self.states()
        order = range(after - 1, -1, -1) if backwards else range(after + 1, len(states))
        return next((i for i in order if states[i] in TO_DECIDE), None)

    # ---- acting; each call is saved before it returns -------------------------------------------------

    def mark_seen(self, index: int) -> None:
        """Record that a section was shown in full."""
        digest = self.sections[index].sha256  # what was shown: this copy, even if a newer version arrived since
        with self.store.transaction():
            self._refresh()
            if digest not in self.review.seen and self.review.status is ReviewStatus.OPEN:
                self.review.seen.append(digest)
                self._save("review.section_shown", {"section": index})

    def decide(self, index: int, decision: Decision, reason: str = "") -> None:
        """Accept or reject a section as it reads now."""
        if decision is Decision.REJECT and not reason.strip():
            raise UsageError("say why the section is rejected")
        shown = self.sections[index].sha256 if index < len(self.sections) else None
        with self.store.transaction():
            self._refresh()
            next_state(self.draft.status, Action.DECIDE_SECTION)
            if index >= len(self.sections) or self.sections[index].sha256 != shown:
                # a version stored meanwhile moved another text to this place: the key was meant for the old one
                raise UsageError(
                    f"the draft changed in another session (now v{self.version.number}); nothing was decided: "
                    f"look at section {min(index, len(self.sections) - 1) + 1} again (p)"
                )
            section = self.sections[index]
            if section.sha256 not in self.review.seen:
                raise UsageError(f"section {index + 1} has not been shown in full yet")
            self._set_decision(index, decision, reason)
            self._save("review.section_decided", {"section": index, "decision": decision.value})

    def edit(self, index: int, new_text: str) -> Version:
        """Replace a section with the reviewer's text: a new human version; the edited part counts as edited."""
        section = self.sections[index]
        if new_text == section.text:
            raise UsageError("the edit changed nothing")
        content = replace_section(self.version.content, section, new_text)
        if not content.strip():
            raise UsageError("the edit would leave the draft empty; reject the draft instead")
        written = len(new_text.splitlines())
        # a deleted section leaves no lines of the reviewer's behind: nothing new is decided for them
        touched = (section.start, section.start + written - 1) if written else None
        based_on = self.version.number
        return self._new_version(content, Origin.HUMAN, {"edited_section": index}, touched, Decision.EDIT, based_on)

    def replace_content(self, content: str, origin: Origin, meta: dict[str, Any]) -> Version:
        """A new version of the whole draft (a model revision); changed sections are asked again.

        Model text gets its uncertainty notes like any draft: the rule-based checks, on what it changed, stored
        with the version in one transaction so a revision never exists without them.
        """
        from draftmate.services.assess import annotate_revision, assess_revision

        # PyPI is asked before the store is locked: the transaction only writes (a stale base is refused inside)
        revised = assess_revision(self.draft, self.version.content, content) if origin is Origin.MODEL else None
        with self.store.transaction():
            version = self._new_version(content, origin, meta, None, None, self.version.number)
            if revised is not None:
                annotate_revision(self.store, self.draft, revised, meta)
                self.draft = self.store.get_draft(self.draft.id)
        return version

    def add_note(self, text: str, severity: Severity, lines: tuple[int, int] | None) -> Note:
        """A note from the reviewer."""
        next_state(self.draft.status, Action.ADD_NOTE)
        quote = _quote(self.version.content, lines)
        return self.store.add_note(
            self.draft.id,
            version=self.version.number,
            kind="human",
            severity=severity,
            why=text,
            source="human",
            author=self.actor,
            lines=lines,
            quote=quote,
        )

    def resolve(self, ref: str, status: Resolution, comment: str = "") -> Note:
        """Close a note; blocking notes need a comment to be accepted as a risk or dismissed."""
        with self.store.transaction():
            self._refresh()  # a review finished or taken over elsewhere resolves nothing more
            next_state(self.draft.status, Action.RESOLVE_NOTE)
            note = find_note(self.notes(), ref)
            if needs_comment(note.severity, status) and not comment.strip():
                raise UsageError(f"note {note.number} is blocking: say why it is {status.value} (add :COMMENT)")
            if note.severity is Severity.BLOCKING and status is Resolution.ACCEPTED_RISK:
                policy = self._policy()
                if not policy.may_accept_risk(self.actor):
                    raise GateRefused(
                        f"{self.actor} may not accept the risk of blocking note {note.number}: the review policy "
                        f"lets only {', '.join(policy.risk_acceptors)} do that; ask one of them, or fix the text"
                    )
            resolution = NoteResolution(status=status, by=self.actor, at=now(), comment=comment)
            return self.store.resolve_note(note.id, resolution)

    def resolve_together(self, refs: list[str], status: Resolution, comment: str = "") -> list[Note]:
        """Close several non-blocking notes with one answer: each gets its own record of who and when."""
        with self.store.transaction():
            self._refresh()
            next_state(self.draft.status, Action.RESOLVE_NOTE)
            notes = [find_note(self.notes(), ref) for ref in refs]
            blocking = [n.number for n in notes if not answerable_together(n.severity)]
            if blocking:
                raise UsageError(f"note {blocking[0]} is blocking: blocking notes are answered one by one")
            return [self.resolve(n.id, status, comment) for n in notes]

    def approve(self) -> Draft:
        """Approve: the draft becomes final, pinned to the sha256 of the content reviewed, once the review policy's
        approvals are all there; before that the approval is recorded and the draft stays in review.
        GateRefused if anything is missing from this review, or this person already approved this version."""
        with self.store.transaction():
            self._refresh()
            next_state(self.draft.status, Action.APPROVE)
            check_gate(self.sections, self.review, self.notes())
            policy, before = self._policy(), self._approvers()
            me = Approver(self.actor, self.store.db_role)
            if any(a.person() == me.person() for a in before):
                raise GateRefused(
                    f"{self.actor} already approved version {self.version.number} of this draft"
                    + (f" (as database role {me.role})" if me.role else "")
                    + f"; {policy_missing(self.store, self.draft) or 'it needs no more approvals'}"
                )
            level = self.draft.confidence.level if self.draft.confidence else None
            missing = policy.missing(level, [*before, me], self._authors())
            if missing is None:
                return self._finish(ReviewStatus.APPROVED, State.FINAL, "", Action.APPROVE)
            # recorded, not final: the next reviewer starts a review of their own
            self.review.status, self.review.finished_at = ReviewStatus.APPROVED, now()
            self._save("review.approved", {"pending": missing})
            self.draft = self.store.get_draft(self.draft.id)
            return self.draft

    def approval_progress(self) -> str:
        """`approval N of M` for this draft's current version under the review policy."""
        level = self.draft.confidence.level if self.draft.confidence else None
        people = {a.person() for a in self._approvers()}
        return f"approval {len(people) + 1} of {max(self._policy().needed(level), len(people) + 1)}"

    def _policy(self) -> ReviewPolicy:
        return ReviewPolicy.from_dict(self.store.review_policy())

    def _approvers(self) -> list[Approver]:
        return [Approver(n, r) for n, r in self.store.approvals(self.draft.id, self.version.number)]

    def _authors(self) -> list[Approver]:
        return [Approver(n, r) for n, r in self.store.draft_authors(self.draft.id)]

    def reject(self, reason: str) -> Draft:
        """Reject the draft, with a reason."""
        if not reason.strip():
            raise UsageError("say why the draft is rejected: --reason TEXT")
        return self._finish(ReviewStatus.REJECTED, State.REJECTED, reason, Action.REJECT)

    def request_changes(self, reason: str) -> Draft:
        """Ask for a new version, saying what should change."""
        if not reason.strip():
            raise UsageError("say what should change: --reason TEXT")
        return self._finish(ReviewStatus.CHANGES, State.CHANGES, reason, Action.REQUEST_CHANGES)

    # ---- internals ---------------------------------------------------------------------------------

    def _set_decision(self, index: int, decision: Decision, reason: str) -> None:
        from draftmate.domain.records import SectionDecision

        kept = [d for d in self.review.decisions if d.index != index]
        kept.append(
            SectionDecision(index=index, sha256=self.sections[index].sha256, decision=decision, reason=reason, at=now())
        )
        self.review.decisions = sorted(kept, key=lambda d: d.index)

    def _new_version(
        self,
        content: str,
        origin: Origin,
        meta: dict[str, Any],
        touched: tuple[int, int] | None,
        decision: Decision | None,
        based_on: int,
    ) -> Version:
        with self.store.transaction():
            self._refresh()
            state = next_state(self.draft.status, Action.NEW_VERSION)
            if self.version.number != based_on:
                # `content` was made from the older version: storing it would silently undo the newer one
                raise UsageError(
                    f"the draft changed in another session (now v{self.version.number}); nothing was changed: "
                    "look at the section again (p) and redo the change"
                )
            old_sections, predicted = self.sections, self.draft.confidence
            version = self.store.add_version(
                self.draft.id,
                content,
                origin=origin,
                author=self.actor if origin is Origin.HUMAN else "",
                state=state,
                meta=meta,
                requested_by=self.actor,  # a model's revision is the reviewer's request: they are an author too
            )
            if origin is Origin.HUMAN and predicted is not None:
                # a person's edit is no new prediction: the draft keeps the one made for the text they edited
                # (a model revision is new model text: replace_content assesses it and logs its own)
                self.store.set_confidence(self.draft.id, predicted)
            self.draft = self.store.get_draft(self.draft.id)
            self.version = version
            self.sections = split_sections(content, self.draft.kind.value, self.draft.lang)
            if self.review.status is not ReviewStatus.OPEN:
                return version  # a finished review keeps recording what it decided on; the next review starts anew
            self.review.decisions = carry_decisions(old_sections, self.sections, self.review.decisions)
            self.review.version = version.number
            if touched is not None and decision is not None:
                states = self.states()
                for s in self.sections:
                    # only sections made wholly of the reviewer's lines: one that also holds lines they never
                    # decided on (re-split around the edit) stays undecided and is asked again
                    inside = touched[0] <= s.start and s.end <= touched[1]
                    if inside and states[s.index] in TO_DECIDE:
                        self._set_decision(s.index, decision, "")
                        if s.sha256 not in self.review.seen:
                            self.review.seen.append(s.sha256)  # the reviewer wrote it, so has seen it
            self._save("review.new_version", {"version": version.number, "origin": origin.value})
        return version

    def _finish(self, status: ReviewStatus, state: State, reason: str, action: Action) -> Draft:
        with self.store.transaction():
            self._refresh()
            next_state(self.draft.status, action)
            self.review.status, self.review.reason, self.review.finished_at = status, reason, now()
            self._save("review." + status.value, {"reason": reason} if reason else {})
            fields: dict[str, Any] = {}
            if state is State.FINAL:
                fields = {"approved_sha256": self.version.sha256, "approved_version": self.version.number}
            self.draft = self.store.set_state(
                self.draft.id, state, actor=self.actor, event="draft." + state.value, **fields
            )
            self._log_outcome(status)
            if state is State.FINAL:  # the export record, made now and in the same transaction as the approval
                seal(self.store, self.draft.id, actor=self.actor, tool_version=__version__)
        return self.draft

    def _log_outcome(self, status: ReviewStatus) -> None:
        """Label each version's prediction by how far that version is from what the review decided on.

        A version replaced before the decision (a new import, a reviewer's edit) was not what was approved: it is
        labelled against its own text and its own notes, never with the label of the version that replaced it.
        """
        counts = Counter(d.decision.value for d in self.review.decisions)
        notes = self.notes()
        # predictions of versions up to an earlier finished review were labelled when it finished
        earlier = self.store.list_reviews(self.draft.id)
        done = max(
            (r.version for r in earlier if r.id != self.review.id and r.status is not ReviewStatus.OPEN), default=0
        )
        for version in self.store.list_versions(self.draft.id):
            if version.origin is Origin.HUMAN or version.number <= done:
                continue  # a person's version has no prediction; an earlier review labelled these
            outcome = review_outcome(
                decision=status.value,
                original=version.content,
                final=self.version.content,
                counts={k: counts.get(k, 0) for k in ("accept", "edit", "reject")},
                notes=[n for n in notes if n.version == version.number],
            )
            self.store.set_outcome(self.draft.id, outcome, version=version.number)

    def _refresh(self) -> None:
        """Re-read the review and the draft, so each change applies to what is stored now, not to a stale copy.

        Another session (a second terminal) may have decided, edited or finished meanwhile; writing our in-memory
        copy back would silently undo what it did.
        """
        stored = self.store.get_review(self.review.id)
        if stored.status is not self.review.status:
            raise GateRefused(
                f"this review was {stored.status.value} in another session; run `draftmate review "
                f"{short_id(self.draft.id)}` again"
            )
        if stored.reviewer != self.review.reviewer:
            # what this session does now would be recorded, and attested, in the new reviewer's name
            raise GateRefused(
                f"this review was taken over by {stored.reviewer} in another session; "
                f"run `draftmate review {short_id(self.draft.id)}` to take it back"
            )
        self.review = stored
        self.draft = self.store.get_draft(self.draft.id)
        if self.draft.current_version != self.version.number:
            self.version = self.store.get_version(self.draft.id)
            self.sections = split_sections(self.version.content, self.draft.kind.value, self.draft.lang)
        if self.review.status is ReviewStatus.OPEN and self.review.version != self.version.number:
            # the content moved on outside this review: decisions follow their sections, changed ones go stale
            reviewed = self.store.get_version(self.draft.id, self.review.version)
            old = split_sections(reviewed.content, self.draft.kind.value, self.draft.lang)
            self.review.decisions = carry_decisions(old, self.sections, self.review.decisions)
            self.review.version = self.version.number

    def _save(self, event: str, detail: dict[str, Any]) -> None:
        self.store.save_review(self.review, event=event, actor=self.actor, detail=detail)


def begin_review(
    store: Store, draft_id: str, *, reviewer: str, editorial_responsibility: str | None = None
) -> ReviewSession:
    """Start a review of a draft's current version, or resume the open one."""
    if not reviewer.strip():
        raise UsageError("no reviewer: pass --reviewer NAME, set DRAFTMATE_REVIEWER, or set git user.name")
    # the names are recorded, attested and exported: checked here too, whoever calls (the CLI checked its sources)
    reviewer = _plain_name(reviewer, "the reviewer name")
    responsibility = _plain_name(editorial_responsibility or reviewer, "the name holding editorial responsibility")
    taken_over = None
    with store.transaction():
        refused = ReviewPolicy.from_dict(store.review_policy()).name_refused(reviewer, store.db_role)
        if refused:
            raise GateRefused(f"{refused}; review under your own name")
        draft = store.get_draft(draft_id)
        _refuse_unreviewable(draft)
        review = store.current_review(draft.id) if draft.status is State.IN_REVIEW else None
        if review is None:
            review = store.open_review(
                draft.id, version=draft.current_version, reviewer=reviewer, editorial_responsibility=responsibility
            )
            draft = store.set_state(draft.id, State.IN_REVIEW, actor=reviewer, event="draft.in_review")
        elif review.reviewer != reviewer:
            # a new reviewer attests only to what they saw and decided: nothing of the previous reviewer's carries
            previous = review.reviewer
            taken_over = (previous, len(review.decisions))
            review.reviewer, review.editorial_responsibility = reviewer, responsibility
            review.seen, review.decisions = [], []
            store.save_review(review, event="review.reviewer_changed", actor=reviewer, detail={"previous": previous})
        elif editorial_responsibility and review.editorial_responsibility != responsibility:
            review.editorial_responsibility = responsibility
            store.save_review(review, event="review.responsibility_changed", actor=reviewer)
        version = store.get_version(draft.id)
        session = ReviewSession(store, draft, review, version, taken_over=taken_over)
        session.sections = split_sections(version.content, draft.kind.value, draft.lang)
        session._refresh()
    return session


def check_reviewable(store: Store, draft_id: str) -> None:
    """Refuse, as begin_review would, a draft that cannot be reviewed now: before anyone is asked their name."""
    _refuse_unreviewable(store.get_draft(draft_id))


def _refuse_unreviewable(draft: Draft) -> None:
    if draft.current_version == 0:
        raise UsageError(
            f"draft {short_id(draft.id)} has no content yet (its drafting was cut short); "
            f"run `draftmate draft --retry {short_id(draft.id)}`"
        )
    next_state(draft.status, Action.START_REVIEW)


def _plain_name(value: str, what: str) -> str:
    """untrusted_text.check_name as a UsageError."""
    from draftmate.domain.untrusted_text import check_name

    try:
        return check_name(value, what=what, fix="give it as plain text (no control, format or bidi characters)")
    except ValueError as e:
        raise UsageError(str(e)) from None


def _refuse_contradictions(notes: list[Note], resolutions: list[tuple[str, Resolution, str]]) -> None:
    """Two different resolutions of one note in one call: which one was meant is unknown, so neither is taken."""
    first: dict[str, tuple[str, Resolution, str]] = {}
    for ref, status, comment in resolutions:
        note = find_note(notes, ref)
        earlier = first.setdefault(note.id, (ref, status, comment))
        if earlier[1:] != (status, comment):
            raise UsageError(
                f"note {note.number} is resolved twice, differently (--resolve {earlier[0]}={earlier[1].value} and "
                f"--resolve {ref}={status.value}); give one --resolve for it"
            )


def find_note(notes: list[Note], ref: str) -> Note:
    """A note by its full ID, its number (`3` or `#3`), or a unique ID prefix of at least 4 digits."""
    key = ref.strip().lstrip("#").lower()
    # the full ID first: a random hex ID can be all digits, and must never be read as a number
    match = [n for n in notes if n.id == key]
    if not match and key.isascii() and key.isdigit():  # "²" is a digit to isdigit, not to int
        match = [n for n in notes if n.number == int(key)]
    if not match and len(key) >= 4:
        match = [n for n in notes if n.id.startswith(key)]
    if not match:
        numbers = ", ".join(str(n.number) for n in notes) or "none"
        raise NotFound(f"no note {ref!r} on this draft; its notes are: {numbers}")
    if len(match) > 1:
        shown = ", ".join(f"#{n.number} ({n.id[:12]})" for n in match[:5])
        raise AmbiguousId(f"note ID {ref!r} is ambiguous; it could be {shown}; type more digits or the number")
    return match[0]


def _quote(content: str, lines: tuple[int, int] | None) -> str:
    if lines is None:
        return ""
    picked = content.splitlines()[lines[0] - 1 : lines[1]]
    return "\n".join(picked)[:500]


def review_non_interactive(
    store: Store,
    draft_id: str,
    *,
    decision: str,
    reviewer: str,
    editorial_responsibility: str | None,
    reason: str,
    resolutions: list[tuple[str, Resolution, str]],
) -> Draft:
    """A whole review in one step, for scripts: all or nothing, so a refusal writes nothing."""
    with store.transaction():
        session = begin_review(store, draft_id, reviewer=reviewer, editorial_responsibility=editorial_responsibility)
        _refuse_contradictions(session.notes(), resolutions)
        for ref, status, comment in resolutions:
            session.resolve(ref, status, comment)
        if decision == "approve":
            for section in session.sections:
                session.mark_seen(section.index)
            for index, state in enumerate(session.states()):
                if state in TO_DECIDE:
                    session.decide(index, Decision.ACCEPT, "non-interactive approval")
            return session.approve()
        if decision == "reject":
            return session.reject(reason)
        if decision == "changes":
            return session.request_changes(reason)
        raise UsageError(f"unknown decision {decision!r}: use approve, reject or changes")


def policy_missing(store: Store, draft: Draft) -> str | None:
    """What the review policy still needs before `draft`'s current version can be final (None: nothing)."""
    policy = ReviewPolicy.from_dict(store.review_policy())
    approvers = [Approver(n, r) for n, r in store.approvals(draft.id, draft.current_version)]
    authors = [Approver(n, r) for n, r in store.draft_authors(draft.id)]
    return policy.missing(draft.confidence.level if draft.confidence else None, approvers, authors)


def set_policy(store: Store, settings: list[tuple[str, str]], *, actor: str) -> dict[str, Any]:
    """Change review-policy settings (KEY, VALUE) all at once, audited; the new policy. UsageError on a bad one;
    GateRefused when the database role may not change it (on PostgreSQL, only an admin or the tables' owner)."""
    if not store.may_set_policy():
        raise GateRefused(
            f"the database role {store.db_role} may not change the review policy: only a member of draftmate_admin "
            f"(or the owner of the store's tables) may; ask one to run it, or to `GRANT draftmate_admin TO "
            f"{store.db_role}`"
        )
    policy = ReviewPolicy.from_dict(store.review_policy())
    for key, raw in settings:
        try:
            policy = policy.with_setting(key, raw)
        except ValueError as e:
            raise UsageError(str(e)) from None
    for names in (policy.risk_acceptors, *policy.role_names.values()):
        for name in names:
            _plain_name(name, "a name in the policy")
    value = policy.as_dict()
    store.set_review_policy(value, actor=_plain_name(actor, "who sets the policy"))
    return value
