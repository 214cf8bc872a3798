"""A team on one PostgreSQL store: 8 processes as 2 machines (separate homes), 1 author and 2 reviewers with their
own database roles, 200 drafts drafted, reviewed twice, approved and exported at once.

No lost update, no fork of the audit chain, no "could not serialize" and no traceback; `verify` is clean; the
two-reviewer policy is never met by one person under two names, nor with the author's approval.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from backends import fresh_database_url
from draftmate.cli.commands import app
from draftmate.store.backend import open_store
from draftmate.store.roles_pg import roles_sql
from reliability_support import FORK

DRAFTS = int(os.environ.get("DRAFTMATE_TEAM_DRAFTS", "200"))
PEOPLE = {"dm_alex": "Alex Author", "dm_rita": "Rita Reviewer", "dm_rolf": "Rolf Reviewer"}
STOP = "stop"


def _as(role: str, url: str) -> str:
    """`url` logged in as `role` (the test server trusts local logins)."""
    return url.replace("postgres@", f"{role}@", 1)


def _run(log: list[dict[str, Any]], *args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    log.append({"args": list(args), "code": result.exit_code, "out": result.stdout, "err": result.stderr})
    return result


def _author(home: Path, url: str, count: int, offset: int, inboxes: list[Any], source: Path, report: Path) -> None:
    os.environ.update(DRAFTMATE_HOME=str(home), DRAFTMATE_DATABASE_URL=url, DRAFTMATE_REVIEWER=PEOPLE["dm_alex"])
    log: list[dict[str, Any]] = []
    for n in range(count):
        tag = "".join(chr(ord("a") + int(d)) for d in str(offset + n))  # no digits: a number would get a note
        source.write_text(f"# Note {tag}\n\nTea is a drink made from leaves, note {tag}.\n")
        made = _run(log, "draft", "--from-file", str(source), "--json")
        if made.exit_code != 0:
            continue
        draft_id = json.loads(made.stdout)["id"]
        if n % 10 == 0:  # the author approves a few of their own: recorded, never enough
            _run(log, "review", draft_id, "--decision", "approve", "--reviewer", PEOPLE["dm_alex"])
        for inbox in inboxes:
            inbox.put(draft_id)
    report.write_text(json.dumps(log))


def _reviewer(home: Path, url: str, name: str, inbox: Any, finals: Any, report: Path) -> None:
    os.environ.update(DRAFTMATE_HOME=str(home), DRAFTMATE_DATABASE_URL=url)
    os.environ.pop("DRAFTMATE_REVIEWER", None)
    log: list[dict[str, Any]] = []
    other = next(n for n in PEOPLE.values() if n != name and "Reviewer" in n)
    seen = 0
    while (draft_id := inbox.get(timeout=300)) != STOP:
        seen += 1
        if seen % 10 == 1:  # now and then, try to approve as the other reviewer: refused
            _run(log, "review", draft_id, "--decision", "approve", "--reviewer", other)
        result = _run(log, "review", draft_id, "--decision", "approve", "--reviewer", name)
        if "is now final" in result.stdout:
            finals.put(draft_id)
    report.write_text(json.dumps(log))


def _exporter(home: Path, url: str, finals: Any, out: Path, report: Path) -> None:
    os.environ.update(DRAFTMATE_HOME=str(home), DRAFTMATE_DATABASE_URL=url)
    log: list[dict[str, Any]] = []
    while (draft_id := finals.get(timeout=300)) != STOP:
        _run(log, "export", draft_id, "--format", "md", "-o", str(out / f"{draft_id}.md"))
        _run(log, "list", "--search", "tea leaves", "--limit", "5")
    _run(log, "verify")
    report.write_text(json.dumps(log))


def test_eight_processes_on_two_machines_keep_one_chain_and_the_policy(
    postgres_server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_database_url(postgres_server_url)
    schema = url.rpartition("search_path%3D")[2]
    monkeypatch.setenv("DRAFTMATE_DATABASE_URL", url)
    open_store().close()  # the tables, made by the owner
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(roles_sql(schema).encode())
        for role in PEOPLE:
            conn.execute(
                f"DO $$ BEGIN CREATE ROLE {role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$".encode()
            )
            conn.execute(f"GRANT draftmate_reviewer TO {role}".encode())
    runner = CliRunner()
    settings = ["approvals=2", "author_may_approve_alone=false"]
    settings += [f"role_names.{role}={name}" for role, name in PEOPLE.items()]
    assert runner.invoke(app, ["policy", "set", *settings, "--by", "Lead"]).exit_code == 0

    homes = [tmp_path / "machine-a", tmp_path / "machine-b"]
    out = tmp_path / "exports"
    out.mkdir()
    inboxes = {name: FORK.Queue() for name in ("Rita Reviewer", "Rolf Reviewer")}
    finals = FORK.Queue()
    reports = [tmp_path / f"r{n}.json" for n in range(8)]
    half = DRAFTS // 2
    authors = [
        FORK.Process(
            target=_author,
            args=(
                homes[m],
                _as("dm_alex", url),
                half,
                m * half,
                list(inboxes.values()),
                tmp_path / f"s{m}.md",
                reports[m],
            ),
        )
        for m in range(2)
    ]
    role_of = {"Rita Reviewer": "dm_rita", "Rolf Reviewer": "dm_rolf"}
    reviewers = [
        FORK.Process(
            target=_reviewer,
            args=(homes[m], _as(role_of[name], url), name, inboxes[name], finals, reports[2 + 2 * i + m]),
        )
        for i, name in enumerate(inboxes)
        for m in range(2)
    ]
    exporters = [
        FORK.Process(target=_exporter, args=(homes[m], _as("dm_rita", url), finals, out, reports[6 + m]))
        for m in range(2)
    ]
    everyone = authors + reviewers + exporters
    for p in everyone:
        p.start()
    for p in authors:
        p.join(600)
    for inbox in inboxes.values():
        inbox.put(STOP)
        inbox.put(STOP)
    for p in reviewers:
        p.join(600)
    finals.put(STOP)
    finals.put(STOP)
    for p in exporters:
        p.join(600)
    assert [p.exitcode for p in everyone] == [0] * 8

    log = [entry for r in reports for entry in json.loads(r.read_text())]
    for entry in log:
        text = entry["out"] + entry["err"]
        assert "Traceback" not in text and "could not serialize" not in text and "deadlock" not in text, entry
    impostors = [
        e for e in log if e["args"][0] == "review" and e["code"] == 3 and "review under your own name" in e["err"]
    ]
    unexpected = [e for e in log if e["code"] != 0 and e not in impostors]
    assert unexpected == [], [(e["args"][-1], e["err"]) for e in unexpected]
    assert impostors and all(len(e["err"].splitlines()) == 1 for e in impostors)

    store = open_store()
    try:
        assert store.verify() == []
        drafts = store.list_drafts(limit=DRAFTS + 10)
        assert len(drafts) == DRAFTS and all(d.status.value == "final" for d in drafts)
        for d in drafts:
            approvers = {role for _, role in store.approvals(d.id, 1)}
            assert {"dm_rita", "dm_rolf"} <= approvers, (d.id, approvers)
        events = list(store.iter_audit())
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert sum(e.event == "draft.final" for e in events) == DRAFTS
        finals_by = [e.payload.get("db_role") for e in events if e.event == "draft.final"]
        assert set(finals_by) <= {"dm_rita", "dm_rolf"}
    finally:
        store.close()
    assert len(list(out.glob("*.md"))) == DRAFTS
    verified = runner.invoke(app, ["verify"])
    assert verified.exit_code == 0, verified.stderr
