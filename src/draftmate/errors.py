"""Exceptions draftmate raises, each carrying the exit code the CLI uses.

    DraftmateError (1)            anything expected; the message names the fix
    ├── NotFound (1)              no draft, note or idea with that ID
    ├── StoreError (1)            the database cannot be opened, read or written
    ├── ModelError (1)            the model endpoint failed (network, HTTP, protocol)
    ├── UsageError (2)            bad arguments or input
    │   ├── AmbiguousId (2)       an ID prefix matches more than one record
    │   └── ConfigError (2)       invalid or missing configuration
    ├── GateRefused (3)           the review gate or the lifecycle refused a move
    │   └── IllegalTransition (3) an action that is not legal in the draft's state
    ├── Interrupted (130)         Ctrl-C; the message says what was kept
    └── AlreadyReported (1, 2..)  the command has listed what failed; only the exit code remains

The CLI's one error boundary (cli/app.py) prints `error: <message>` and exits with `exit_code`; a bug alone shows a
traceback.
"""

from __future__ import annotations


class DraftmateError(Exception):
    """Base of every expected failure; the message is for the user."""

    exit_code = 1


class NotFound(DraftmateError):
    """No record has that ID."""


class StoreError(DraftmateError):
    """The store cannot be opened, read or written."""


class ModelError(DraftmateError):
    """The model endpoint failed."""


class UsageError(DraftmateError):
    """Bad arguments or input."""

    exit_code = 2


class AmbiguousId(UsageError):
    """An ID prefix matches more than one record."""


class ConfigError(UsageError):
    """Invalid or missing configuration."""


class GateRefused(DraftmateError):
    """The review gate refused: the reasons say what is missing."""

    exit_code = 3

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        self.message, self.reasons = message, list(reasons or [])
        full = message if not self.reasons else message + "\n" + "\n".join(f"  - {r}" for r in self.reasons)
        super().__init__(full)


class IllegalTransition(GateRefused):
    """An action that is not legal in the draft's current state."""


class Interrupted(DraftmateError):
    """Ctrl-C: the message says what was kept and how to go on; printed as `interrupted: <message>`."""

    exit_code = 130


class AlreadyReported(DraftmateError):
    """A failure the command has already listed line by line (verify's FAIL lines, doctor's failed checks, an
    interrupted review's note): no `error:` line follows, only the exit code of the failure it is `like`."""

    def __init__(self, like: type[DraftmateError] = DraftmateError) -> None:
        super().__init__(like.__name__)
        self.exit_code = like.exit_code
