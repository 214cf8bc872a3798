"""What a PostgreSQL server's refusal means for the user: psycopg's errors as the store's one-line errors.

`PgConnection` passes every error a statement raised through `store_error_of`; what it does not recognise is a bug
in draftmate (a syntax error, a broken constraint) and keeps its traceback, as sqlite3's IntegrityError does.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import errors as pg

from draftmate.errors import StoreError

_ASK_FOR_A_ROLE = "ask an admin to grant it a draftmate role (`draftmate store roles` prints the SQL)"
_DENIED_ON = re.compile(r"permission denied for (table|relation|sequence|schema|function) (\S+)")
_VERBS = {"SELECT": "read", "WITH": "read", "INSERT": "write to", "UPDATE": "write to", "DELETE": "write to"}
_GAVE_UP = (pg.SerializationFailure, pg.DeadlockDetected, pg.LockNotAvailable, pg.QueryCanceled)


class NotPermitted(StoreError):
    """The database role lacks a privilege the statement needs."""


def store_error_of(error: psycopg.Error, sql: str, role: str) -> StoreError | None:
    """The StoreError for a refusal the user can act on (privileges, a draftmate trigger, a read-only server, a
    statement the server gave up on), naming what to do; None for anything else."""
    primary = " ".join((error.diag.message_primary or str(error)).split())[:160]
    if isinstance(error, pg.InsufficientPrivilege):
        if primary.startswith("must be owner of"):  # a migration: ALTER and CREATE TRIGGER need the tables' owner
            return NotPermitted(
                f"the store's tables need an upgrade that only their owner may make ({primary}); ask the owner "
                "to run any draftmate command (`draftmate verify`) once"
            )
        denied = _DENIED_ON.search(primary)
        what = f"the {denied.group(1).replace('relation', 'table')} {denied.group(2)}" if denied else "its tables"
        words = sql.split(None, 1)
        verb = _VERBS.get(words[0].upper() if words else "", "change")
        return NotPermitted(f"the database role {role} may not {verb} {what}; {_ASK_FOR_A_ROLE}")
    if isinstance(error, pg.InvalidSchemaName):  # no USAGE on the schema the URL's search_path names
        return StoreError(f"the database role {role} cannot use the store's schema ({primary}); {_ASK_FOR_A_ROLE}")
    if isinstance(error, pg.RaiseException):  # one of draftmate's triggers: its message says what it refused
        return StoreError(f"the database refused this ({primary}); nothing of it was kept")
    if isinstance(error, pg.ReadOnlySqlTransaction):
        return StoreError(
            f"the database server is read-only ({primary}); point DRAFTMATE_DATABASE_URL at the primary server"
        )
    if isinstance(error, _GAVE_UP):
        return StoreError(
            f"the database server gave up on this command ({primary}); what it was saving was not kept "
            "(earlier steps were): run it again"
        )
    return None
