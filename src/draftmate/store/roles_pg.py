"""The roles a team's PostgreSQL store is used with, as SQL an administrator runs once (`draftmate store roles`).

drafter and reviewer may read and write the store's tables but only append to the audit log: no UPDATE or DELETE
on it (the grants), and a trigger refuses both for everyone else but a superuser who drops it on purpose; nor may
they write the review policy (`policy set` is for admin). admin owns nothing more than that but may change every
table. People log in as their own roles, members of one of these:
the store records their role (current_user) beside every name they give.
"""

from __future__ import annotations

import re

GROUPS = ("draftmate_drafter", "draftmate_reviewer", "draftmate_admin")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def roles_sql(schema: str = "public") -> str:
    """The SQL that creates the three group roles and their grants on `schema` (after draftmate made its tables)."""
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"{schema!r} is not a plain schema name (letters, digits, _)")
    writers = "draftmate_drafter, draftmate_reviewer"
    creates = "\n".join(
        f"DO $$ BEGIN CREATE ROLE {group} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        for group in GROUPS
    )
    return f"""-- draftmate: roles for a shared store. Run as the database owner or a superuser, after any draftmate
-- command has created the tables once (DRAFTMATE_DATABASE_URL set to this database).
{creates}
GRANT USAGE ON SCHEMA {schema} TO {writers}, draftmate_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {writers};
REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.audit FROM {writers};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {schema}.policies FROM {writers};
GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO draftmate_admin;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {writers}, draftmate_admin;
CREATE OR REPLACE FUNCTION {schema}.draftmate_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'draftmate audit events are append-only';
END $$;
DROP TRIGGER IF EXISTS audit_append_only ON {schema}.audit;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {schema}.audit
FOR EACH ROW EXECUTE FUNCTION {schema}.draftmate_audit_append_only();
-- then one login role per person, e.g.:
--   CREATE ROLE ann LOGIN PASSWORD '...' IN ROLE draftmate_reviewer;
--   draftmate policy set role_names.ann='Ann Example'
"""
