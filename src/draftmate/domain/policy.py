"""Review policies: how many distinct people must approve a draft, whether its author may be one of them alone,
and who may accept the risk of a blocking note. The default is the gate as it always was: one approval, by anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LEVELS = ("low", "medium", "high", "unknown")  # a draft's confidence level; `unknown` when it was never assessed
MAX_APPROVALS = 10


@dataclass(frozen=True)
class Approver:
    """Who approved: the name given and, on PostgreSQL, the database role that vouches for it."""

    name: str
    role: str | None = None

    def person(self) -> str:
        """Who this is for counting: the database role when there is one (one role is one person), else the name."""
        return f"role:{self.role}" if self.role else f"name:{name_key(self.name)}"


def name_key(name: str) -> str:
    """A name as a policy compares it: case and blanks folded, and git's `Name <email>` as its Name (a person
    reviews under their git identity or types their name: one person either way)."""
    if name.endswith(">") and " <" in name:
        name = name[: name.rindex(" <")]
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class ReviewPolicy:
    """What the gate asks beyond a complete review."""

    approvals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 1))
    author_may_approve_alone: bool = True
    risk_acceptors: tuple[str, ...] = ()  # names that may accept a blocking note's risk; empty: any reviewer
    role_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # database role -> the names it may use

    def needed(self, level: str | None) -> int:
        """Approvals a draft of this confidence level needs."""
        return self.approvals.get(level or "unknown", self.approvals.get("unknown", 1))

    def as_dict(self) -> dict[str, Any]:
        """The policy as stored and shown."""
        return {
            "approvals": {k: self.approvals[k] for k in LEVELS},
            "author_may_approve_alone": self.author_may_approve_alone,
            "risk_acceptors": list(self.risk_acceptors),
            "role_names": {role: list(names) for role, names in sorted(self.role_names.items())},
        }

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> ReviewPolicy:
        """A stored policy (every key optional: what is missing keeps its default)."""
        approvals = dict.fromkeys(LEVELS, 1)
        approvals.update({str(k): int(v) for k, v in dict(value.get("approvals", {})).items() if k in LEVELS})
        return cls(
            approvals=approvals,
            author_may_approve_alone=bool(value.get("author_may_approve_alone", True)),
            risk_acceptors=tuple(str(n) for n in value.get("risk_acceptors", ())),
            role_names={str(r): tuple(str(n) for n in names) for r, names in dict(value.get("role_names", {})).items()},
        )

    def with_setting(self, key: str, raw: str) -> ReviewPolicy:
        """This policy with one setting changed from text; ValueError saying how to write it."""
        base = self.as_dict()
        if key.startswith("approvals."):
            level = key.removeprefix("approvals.")
            if level not in LEVELS:
                raise ValueError(f"unknown confidence level {level!r}; use one of {', '.join(LEVELS)}")
            if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_APPROVALS:
                raise ValueError(f"{key} is a number of approvals from 1 to {MAX_APPROVALS}, not {raw!r}")
            base["approvals"][level] = int(raw)
        elif key == "approvals":
            if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_APPROVALS:
                raise ValueError(f"approvals is a number from 1 to {MAX_APPROVALS}, not {raw!r}")
            base["approvals"] = dict.fromkeys(LEVELS, int(raw))
        elif key == "author_may_approve_alone":
            if raw.lower() not in ("true", "false", "yes", "no"):
                raise ValueError(f"author_may_approve_alone is true or false, not {raw!r}")
            base["author_may_approve_alone"] = raw.lower() in ("true", "yes")
        elif key == "risk_acceptors":
            base["risk_acceptors"] = [n.strip() for n in raw.split(",") if n.strip()]
        elif key.startswith("role_names.") and key.removeprefix("role_names."):
            names = [n.strip() for n in raw.split(",") if n.strip()]
            role = key.removeprefix("role_names.")
            if names:
                base["role_names"][role] = names
            else:
                base["role_names"].pop(role, None)
        else:
            raise ValueError(
                f"unknown policy setting {key!r}; use approvals.LEVEL (LEVEL: {', '.join(LEVELS)}), approvals, "
                "author_may_approve_alone, risk_acceptors or role_names.ROLE"
            )
        return ReviewPolicy.from_dict(base)

    def missing(self, level: str | None, approvers: list[Approver], authors: list[Approver]) -> str | None:
        """What the approvals so far still lack under this policy (None: enough).

        Approvals count by person (one database role is one person, whatever names it gives). When the author may
        not approve alone, an author's approval does not count at all: it never makes up one of the reviewers.
        """
        counted = approvers
        if not self.author_may_approve_alone:
            counted = [a for a in approvers if not _is_author(a, authors)]
        people = {a.person() for a in counted}
        needed = self.needed(level)
        if len(people) >= needed:
            return None
        more = needed - len(people)
        named = level or "unknown"
        article = "an" if named[:1] in "aeiou" else "a"
        reason = f"approval {len(people)} of {needed}: {article} {named}-confidence draft needs {needed} "
        reason += f"different reviewer{'s' if needed > 1 else ''}; {more} more must approve"
        if len(counted) < len(approvers):
            reason += " (the draft's author may not approve it: their approval does not count)"
        return reason

    def may_accept_risk(self, name: str) -> bool:
        """Whether `name` may accept the risk of a blocking note."""
        return not self.risk_acceptors or name.casefold() in {n.casefold() for n in self.risk_acceptors}

    def name_refused(self, name: str, role: str | None) -> str | None:
        """Why database role `role` may not act as `name` under the role mapping (None: it may)."""
        if role is None or not self.role_names:
            return None
        folded = name.casefold()
        own = self.role_names.get(role)
        if own is not None and folded not in {n.casefold() for n in own}:
            return f"database role {role} may act only as {', '.join(own)}, not as {name}"
        owners = [r for r, names in self.role_names.items() if r != role and folded in {n.casefold() for n in names}]
        if owners:
            return f"the name {name} belongs to database role {owners[0]}, not to {role}"
        return None


def _is_author(approver: Approver, authors: list[Approver]) -> bool:
    """Whether `approver` wrote or imported the draft: the same database role, or the same name."""
    for author in authors:
        if approver.role and author.role and approver.role == author.role:
            return True
        if author.name and name_key(approver.name) == name_key(author.name):
            return True
    return False
