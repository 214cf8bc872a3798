"""`check` and `key`: vouching for exported files where the store is not (a repository, a hook, CI)."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each run, and string
# annotations would be compiled and evaluated one by one (about a third of `draftmate list`'s own time).

from typing import Annotated

import typer

from draftmate.cli.output import echo, print_json


def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(metavar="[PATH]...", help="Files or directories (default: every file git tracks here)."),
    ] = None,
    commit: Annotated[
        str | None,
        typer.Option(
            "--commit", metavar="REV", help="Check the files this commit changed, as it has them, and its trailers."
        ),
    ] = None,
    staged: Annotated[
        bool,
        typer.Option("--staged", help="Check the files staged for commit, as the index has them (a git hook)."),
    ] = False,
    keys: Annotated[
        str | None,
        typer.Option(
            "--keys", metavar="DIR", help="Trusted public keys (default: .draftmate/keys/ in the repository)."
        ),
    ] = None,
    keys_from: Annotated[
        str | None,
        typer.Option(
            "--keys-from",
            metavar="REV",
            help="Trust the keys in .draftmate/keys/ as commit REV has them (in CI: a pull request's base).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdicts as JSON.")] = False,
) -> None:
    """With no store: files carrying draftmate provenance are approved, unchanged and signed by a known key.

    Verdicts: approved (and unchanged), changed (after approval; both sha256s given), signature-invalid,
    unknown-key (not in the keys directory), unsigned, unreadable; keys-changed (--commit changed .draftmate/keys/
    and the keys come from the working tree). Exit 0 only when every file checks out.
    """
    from draftmate.errors import AlreadyReported
    from draftmate.services import checking

    report = checking.check(list(paths or []), commit=commit, staged=staged, keys_dir=keys, keys_from=keys_from)
    for warning in report.warnings:
        echo(f"warning: {warning}", err=True)
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "commit": report.commit,
                "staged": report.staged,
                "keys_dir": str(report.keys_dir),
                "keys_from": report.keys_from,
                "keys": report.keys,
                "looked_at": report.looked_at,
                "files": [c.as_json() for c in report.files],
                "problems": report.problems,
            }
        )
    else:
        for c in report.files:
            if c.ok:
                version = "" if c.version is None else f", version {c.version}"
                echo(f"ok: {c.path}: approved and unchanged ({c.reason}{version}, key {c.key_name})")
            else:
                echo(f"FAIL {c.path}: {checking.VERDICTS[c.verdict]}: {c.reason}", err=True)
        files = f"{report.looked_at} {'staged ' if report.staged else ''}file{'' if report.looked_at == 1 else 's'}"
        where = f"commit {report.commit[:12]}" if report.commit else f"{files} looked at"
        for problem in report.problems:
            echo(f"FAIL commit {report.commit[:12] if report.commit else ''}: {problem}", err=True)
        exports = [c for c in report.files if c.verdict != checking.KEYS_CHANGED]
        keys_changed = len(report.files) - len(exports)
        also = f"; {keys_changed} key files changed" if keys_changed else ""
        failed = sum(1 for c in exports if not c.ok)
        if not exports:
            echo(f"no file carries draftmate provenance ({where}){also}")
        else:
            passed = len(exports) - failed
            echo(f"{len(exports)} with draftmate provenance ({where}): {passed} ok, {failed} failed{also}")
    if not report.ok:
        raise AlreadyReported


def key_show(
    all_keys: Annotated[
        bool, typer.Option("--all", help="Also the public keys of rotated keys, which old exports are signed with.")
    ] = False,
) -> None:
    """Print this store's public signing key, to commit as .draftmate/keys/NAME.pub (made on first use)."""
    from draftmate.provenance import signing
    from draftmate.settings.paths import config_dir

    directory = config_dir()
    public = signing.signer(directory).public
    echo(public.openssh_line())
    if all_keys:
        for retired in signing.retired_keys(directory):
            echo(retired.openssh_line("draftmate-retired"))
    echo(f"fingerprint {public.fingerprint}; commit it as .draftmate/keys/NAME.pub for `draftmate check`", err=True)


def key_rotate() -> None:
    """Make a new signing key; the old one's public key is kept (`key show --all`) so old exports still check."""
    from draftmate.provenance import signing
    from draftmate.settings.paths import config_dir

    old, new = signing.rotate(config_dir())
    echo(f"retired {old.fingerprint}; new key {new.fingerprint}")
    echo("keep the old .pub in .draftmate/keys/ (old exports are signed with it) and add the new one:")
    echo(new.openssh_line())
