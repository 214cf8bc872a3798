"""`draftmate check`: files carrying draftmate provenance, judged with no store, by their signatures alone.

Each file gets one verdict: its provenance is signed by a key in the repository's `.draftmate/keys/` and its content
still hashes to the approved sha256 the signature covers, or what is wrong. Without the store, which lines changed
cannot be known: a changed file is reported with both hashes.

Files come from the paths given (a sidecar stands for the file beside it; a directory for the files under it), the
files git tracks in the current repository, the files a commit changed, read from the commit itself, or the files
staged for the next commit, read from git's index. The trusted keys come from the working tree, a directory given,
a commit given (`--keys-from`: what a pull request cannot rewrite) or, with `--staged`, the index. This module
imports neither the store nor pydantic nor the model stack: a pre-commit hook runs it on every commit.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from draftmate.errors import DraftmateError, UsageError
from draftmate.provenance import signing
from draftmate.provenance.formats import SIDECAR_SUFFIX
from draftmate.provenance.reading import MAX_EXPORT_BYTES, Exported, parse_export

KEYS_DIR = Path(".draftmate") / "keys"

# Verdicts, in the order one wins over another when several hold.
APPROVED = "approved"
SIGNATURE_INVALID = "signature-invalid"
UNKNOWN_KEY = "unknown-key"
UNSIGNED = "unsigned"
CHANGED = "changed"
UNREADABLE = "unreadable"
KEYS_CHANGED = "keys-changed"  # not a file's provenance: a commit changed the keys it would be checked against
VERDICTS = {
    APPROVED: "approved and unchanged",
    CHANGED: "changed after approval",
    SIGNATURE_INVALID: "signature invalid",
    UNKNOWN_KEY: "signed by a key not in the keys directory",
    UNSIGNED: "provenance present but unsigned",
    UNREADABLE: "provenance present but unreadable",
    KEYS_CHANGED: "a trusted key changed in the commit checked",
}

SNIFF_BYTES = 8192  # where draft_id sits in any export: its front matter's third line, its JSON's first lines
# The sentence a `--disclose` line holds (provenance/record.py's disclosure_sentence).
DISCLOSURE = re.compile(
    rb"This (?:code|text) was (?:drafted with AI assistance \(.*, via draftmate\)|imported into draftmate, which did "
    rb"not record how it was made,) and reviewed"
)


@dataclass
class Checked:
    """One file's verdict, with what it rests on."""

    path: str
    verdict: str
    reason: str
    draft_id: str | None = None
    version: int | None = None
    key_fingerprint: str | None = None
    key_name: str | None = None
    sha256: str | None = None  # of the content as found
    approved_sha256: str | None = None  # what its provenance says was approved
    trailer: str | None = None  # the commit trailer its provenance gives

    @property
    def ok(self) -> bool:
        """Whether the file checks out."""
        return self.verdict == APPROVED

    def as_json(self) -> dict[str, Any]:
        """The file's entry in `check --json`."""
        return {"ok": self.ok, **{k: v for k, v in asdict(self).items() if k != "trailer"}}


@dataclass
class CheckReport:
    """What `check` found: one verdict per file carrying provenance, and what else is wrong or worth saying."""

    files: list[Checked]
    looked_at: int
    keys_dir: Path
    keys: int
    warnings: list[str] = field(default_factory=list)  # key files that are not keys: skipped, not failed
    problems: list[str] = field(default_factory=list)  # a commit's trailers that no file bears out: failed
    commit: str | None = None
    keys_from: str | None = None  # the commit the keys were read from, "index" for the staged keys
    staged: bool = False

    @property
    def ok(self) -> bool:
        """Whether everything checks out (exit 0)."""
        return not self.problems and all(c.ok for c in self.files)


# ---- where the bytes come from --------------------------------------------------------------------------------


class Source:
    """Files by path: the working tree (this class), or a commit's blobs (CommitSource)."""

    def read(self, path: str) -> bytes | None:
        """A regular file's bytes (None when there is no such file, or it is not a regular file)."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:  # missing, a symbolic link (git tracks the link, not what it points at), unreadable
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return f.read(MAX_EXPORT_BYTES + 1)

    def head(self, path: str) -> bytes | None:
        """The first bytes of a regular file, enough to tell whether it carries provenance."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return f.read(SNIFF_BYTES)

    def exists(self, path: str) -> bool:
        """Whether a regular file is there."""
        try:
            return stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:
            return False


class CommitSource(Source):
    """The blobs of one commit, read once through `git cat-file --batch`."""

    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = blobs

    def read(self, path: str) -> bytes | None:
        return self.blobs.get(path)

    def head(self, path: str) -> bytes | None:
        data = self.blobs.get(path)
        return None if data is None else data[:SNIFF_BYTES]

    def exists(self, path: str) -> bool:
        return path in self.blobs


# ---- git ------------------------------------------------------------------------------------------------------


def git(args: list[str], *, cwd: str | None = None, stdin: bytes | None = None) -> bytes:
    """Run git; its output, or DraftmateError saying what git said."""
    try:
        done = subprocess.run(["git", *args], input=stdin, capture_output=True, cwd=cwd, timeout=120, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; give the paths to check") from None
    except subprocess.TimeoutExpired:
        raise DraftmateError(f"git {args[0]} took over 120 s; give the paths to check instead") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {said[-1] if said else 'exit ' + str(done.returncode)}")
    return done.stdout


def repository_root() -> Path | None:
    """The top of the git work tree around the current directory, or None outside one."""
    return _root_of(os.getcwd())


@functools.lru_cache(maxsize=4)
def _root_of(directory: str) -> Path | None:
    """`repository_root` of `directory`, asked of git once: each git process costs tens of ms on a busy machine."""
    try:
        out = git(["rev-parse", "--show-toplevel"], cwd=directory)
    except UsageError:
        return None
    return Path(os.fsdecode(out.strip()))


def tracked_files() -> list[str]:
    """Every file git tracks in the current repository, relative to the current directory."""
    root = repository_root()
    if root is None:
        raise UsageError("not inside a git repository; give the paths to check (draftmate check PATH...)")
    listed = git(["-c", "core.quotepath=off", "ls-files", "-z"], cwd=str(root))
    here = os.getcwd()
    return [os.path.relpath(os.path.join(root, os.fsdecode(p)), here) for p in listed.split(b"\0") if p]


def commit_files(rev: str) -> tuple[str, list[str], list[str], CommitSource]:
    """A commit's full id, its `Assisted-by: draftmate:...` trailer values, the files it changed (relative to the
    repository's top, which is where they are looked up), and a source reading them as the commit has them."""
    full = commit_id(rev, "--commit", "try HEAD or a hash from git log")
    trailers = git(["log", "-1", "--format=%(trailers:key=Assisted-by,valueonly,unfold)", full]).decode(
        "utf-8", "replace"
    )
    claimed = [t.strip() for t in trailers.splitlines() if t.strip().startswith("draftmate:")]
    # the first parent's view of a merge; a root commit against the empty tree
    changed = git(["diff-tree", "-r", "--root", "--no-commit-id", "--name-only", "-z", "-m", "--first-parent", full])
    paths = sorted({os.fsdecode(p) for p in changed.split(b"\0") if p})
    wanted = set(paths)
    for path in paths:  # the other half of each pair, changed or not: a sidecar and the file beside it
        wanted.add(path[: -len(SIDECAR_SUFFIX)] if path.endswith(SIDECAR_SUFFIX) else path + SIDECAR_SUFFIX)
    return full, claimed, paths, CommitSource(_blobs({p: f"{full}:{p}" for p in sorted(wanted)}))


def commit_id(rev: str, flag: str, fix: str) -> str:
    """The full id of the commit `rev` names, or UsageError naming `flag` and saying how to fix it."""
    if rev.startswith("-"):
        raise UsageError(f"{flag} {rev!r}: give a commit (a hash, a branch, HEAD)")
    try:
        return git(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"]).decode().strip()
    except UsageError:
        raise UsageError(f"{flag} {rev!r} names no commit in this repository; {fix}") from None


def staged_files(root: Path) -> tuple[list[str], CommitSource]:
    """The files staged for the next commit (relative to the repository's top) and a source reading them as the
    index has them: what `git commit` would record, not what the working tree holds."""
    listed = git(["-c", "core.quotepath=off", "diff", "--cached", "--name-only", "--no-renames", "-z"], cwd=str(root))
    paths = sorted({os.fsdecode(p) for p in listed.split(b"\0") if p})
    wanted = set(paths)
    for path in paths:  # the other half of each pair, as in commit_files
        wanted.add(path[: -len(SIDECAR_SUFFIX)] if path.endswith(SIDECAR_SUFFIX) else path + SIDECAR_SUFFIX)
    return paths, CommitSource(_blobs({p: f":{p}" for p in sorted(wanted)}, cwd=str(root)))


_OBJECT_HEADER = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})? (?P<kind>[a-z]+) (?P<size>[0-9]+)")


def _blobs(objects: dict[str, str], *, cwd: str | None = None) -> dict[str, bytes]:
    """The contents of the blobs named (`REV:path`, `:path` for the index, by path), those that are blobs, up to
    MAX_EXPORT_BYTES each."""
    names = [p for p in objects if "\n" not in objects[p]]  # cat-file's batch input is one name a line
    if not names:
        return {}
    out = git(["cat-file", "--batch"], stdin="".join(f"{objects[p]}\n" for p in names).encode("utf-8"), cwd=cwd)
    blobs: dict[str, bytes] = {}
    at = 0
    for path in names:
        end = out.index(b"\n", at)
        header = _OBJECT_HEADER.fullmatch(out[at:end])
        at = end + 1
        if header is None:  # "<name> missing" or "ambiguous" (a name may hold spaces): no contents follow
            continue
        size = int(header["size"])
        if header["kind"] == b"blob" and size <= MAX_EXPORT_BYTES:
            blobs[path] = out[at : at + size]
        at += size + 1
    return blobs


# ---- finding the files that carry provenance -------------------------------------------------------------------


def expand(paths: Iterable[str]) -> Iterator[str]:
    """The files a list of paths names: each file, and the files under each directory (.git left out)."""
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            for top, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != ".git")
                for name in sorted(files):
                    yield os.path.normpath(os.path.join(top, name))
        elif os.path.lexists(path):
            yield path
        else:
            raise UsageError(f"no file {path}; check the path (or leave paths out to check what git tracks)")


def candidates(paths: Iterable[str], source: Source) -> tuple[list[str], int]:
    """The files among `paths` that carry draftmate provenance (a sidecar standing for the file beside it), each
    once, in order; and how many files were looked at."""
    seen: set[str] = set()
    found: list[str] = []
    looked = 0
    for path in paths:
        looked += 1
        if path.endswith(SIDECAR_SUFFIX):
            main = path[: -len(SIDECAR_SUFFIX)]
            if not source.exists(path) and not source.exists(main):
                continue  # a commit (or the index) deleting both: nothing is left to vouch for
            if main not in seen:
                seen.add(main)
                found.append(main)
            continue
        if path in seen:
            continue
        if source.exists(path + SIDECAR_SUFFIX) or _carries_provenance(source.head(path)):
            seen.add(path)
            found.append(path)
    return found, looked


def _carries_provenance(head: bytes | None) -> bool:
    """Whether a file's first bytes hold draftmate provenance: front matter or a json export naming a draft, or a
    `--disclose` line."""
    if not head:
        return False
    if head.startswith((b"---\n", b"---\r\n")):
        return b"\ndraft_id:" in head or b'\n"draft_id":' in head
    if head.lstrip()[:1] == b"{":
        return b'"provenance"' in head and b'"draft_id"' in head
    return DISCLOSURE.search(head) is not None


# ---- judging one file -----------------------------------------------------------------------------------------


def check_file(path: str, source: Source, keys: dict[str, signing.PublicKey], keys_where: str) -> Checked:
    """The verdict on one file carrying provenance."""
    data = source.read(path)
    sidecar = source.read(path + SIDECAR_SUFFIX)
    if data is None:
        return Checked(path, UNREADABLE, f"its sidecar {Path(path).name}{SIDECAR_SUFFIX} is here, the file is not")
    if len(data) > MAX_EXPORT_BYTES or (sidecar is not None and len(sidecar) > MAX_EXPORT_BYTES):
        return Checked(path, UNREADABLE, f"over {MAX_EXPORT_BYTES:,} bytes, larger than any draftmate export")
    if sidecar is None and not data.startswith((b"---\n", b"---\r\n")) and data.lstrip()[:1] != b"{":
        return Checked(
            path,
            UNSIGNED,
            f"it has a draftmate disclosure line but no {Path(path).name}{SIDECAR_SUFFIX} beside it to check against",
        )
    if sidecar is None and data.startswith(signing.JSON_LINE_HEAD):
        return _check_json_lines(path, data, keys, keys_where)
    try:
        exported = parse_export(Path(path), data, sidecar)
    except DraftmateError as e:
        return Checked(path, UNREADABLE, _without_path(str(e), path))
    return judge(path, exported, keys, keys_where)


def _check_json_lines(path: str, data: bytes, keys: dict[str, signing.PublicKey], keys_where: str) -> Checked:
    """`export --all` output: every line a json export; the file's verdict is its first record that fails."""
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    last: Checked | None = None
    for number, line in enumerate(lines, start=1):
        try:
            one = judge(path, parse_export(Path(path), line, None), keys, keys_where)
        except DraftmateError as e:
            one = Checked(path, UNREADABLE, _without_path(str(e), path))
        if not one.ok:
            one.reason = f"record {number} of {len(lines)} (JSON Lines): {one.reason}"
            return one
        last = one
    if last is None:
        return Checked(path, UNREADABLE, "JSON Lines with no record")
    last.reason = f"{len(lines)} records (JSON Lines)"
    last.draft_id = last.version = last.sha256 = last.approved_sha256 = None
    return last


def _without_path(message: str, path: str) -> str:
    """A reading error's words without the file name the verdict line already starts with."""
    for prefix in (f"{path}: ", f"{path} "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def judge(path: str, exported: Exported, keys: dict[str, signing.PublicKey], keys_where: str) -> Checked:
    """The verdict on a file read back: its signature, its key, its content against the approved sha256."""
    from draftmate.provenance.record import trailer

    record = exported.provenance
    claimed = record.get("content_sha256")
    actual = hashlib.sha256(exported.content).hexdigest()
    if isinstance(claimed, str) and actual != claimed:
        lf = exported.content.replace(b"\r\n", b"\n")
        if lf != exported.content and hashlib.sha256(lf).hexdigest() == claimed:
            actual = claimed  # only git's autocrlf changed it: the text is the approved text
    version = record.get("approved_version")
    checked = Checked(
        path,
        APPROVED,
        "",
        draft_id=str(record.get("draft_id")),
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        sha256=actual,
        approved_sha256=claimed if isinstance(claimed, str) else None,
    )
    try:
        checked.trailer = trailer(record)  # type: ignore[arg-type]  # a plain dict read back from the file
    except (KeyError, TypeError, AttributeError):
        checked.trailer = None
    changed = _changes(checked, exported)
    try:
        fields = signing.signature_fields(record)
    except ValueError as e:
        return _verdict(checked, SIGNATURE_INVALID, str(e))
    if fields is None:
        also = f"; and {changed}" if changed else ""
        return _verdict(checked, UNSIGNED, f"its provenance carries no signature (an export older than signing?){also}")
    fingerprint, signature = fields
    checked.key_fingerprint = fingerprint
    key = keys.get(fingerprint)
    if key is None:
        also = f"; and {changed}" if changed else ""
        fix = "if you trust it, commit its public key there (`draftmate key show` on the machine that exported it)"
        return _verdict(
            checked, UNKNOWN_KEY, f"signed by key {fingerprint[:60]}, which is not in {keys_where}: {fix}{also}"
        )
    checked.key_name = key.name
    if not key.verifies(signature, signing.canonical(record)):
        return _verdict(
            checked,
            SIGNATURE_INVALID,
            f"its signature does not match its provenance (key {key.name}): the provenance was edited after export",
        )
    if changed:
        return _verdict(checked, CHANGED, changed)
    from draftmate.domain.ids import short_id

    return _verdict(checked, APPROVED, f"draft {short_id(checked.draft_id) if checked.draft_id else '?'}")


def _changes(checked: Checked, exported: Exported) -> str:
    """How the content differs from what was approved, or ""."""
    if checked.approved_sha256 is None:
        return "its provenance names no approved sha256"
    if checked.sha256 != checked.approved_sha256:
        return f"its content has sha256 {checked.sha256}, the approved content {checked.approved_sha256}"
    if exported.problems:
        return exported.problems[0]
    return ""


def _verdict(checked: Checked, verdict: str, reason: str) -> Checked:
    checked.verdict, checked.reason = verdict, reason
    return checked


# ---- the command ----------------------------------------------------------------------------------------------


def keys_directory(given: str | None) -> Path:
    """`--keys DIR`, else `.draftmate/keys/` at the top of the repository (of the current directory outside one)."""
    if given is not None:
        if not Path(given).exists():  # a typo here would otherwise fail every signed file as unknown-key
            raise UsageError(f"no directory {given}; --keys names a directory of NAME.pub files (`draftmate key show`)")
        return Path(given)
    root = repository_root()
    return (root if root is not None else Path(".")) / KEYS_DIR


@dataclass
class Keyring:
    """The keys `check` trusts, where they came from (for its messages), and the key files it skipped."""

    keys: dict[str, signing.PublicKey]
    directory: Path
    where: str  # "DIR", "DIR (there is none)", ".draftmate/keys at REV (1a2b3c4d5e6f)"
    warnings: list[str]
    commit: str | None = None  # the commit they were read from; "index" for the staged keys


def keyring(keys_dir: str | None, keys_from: str | None, *, staged: bool) -> Keyring:
    """The trusted keys: `--keys DIR`, `--keys-from REV`'s `.draftmate/keys/`, the index's with `--staged`, else
    the working tree's."""
    if keys_dir is not None and keys_from is not None:
        raise UsageError("give --keys or --keys-from, not both")
    if keys_from is None and (keys_dir is not None or not staged):
        directory = keys_directory(keys_dir)
        loaded, skipped = signing.load_keyring(directory)  # first: a file given is a usage error
        where = str(directory) if directory.is_dir() else f"{directory} (there is none)"
        return Keyring(loaded, directory, where, skipped)
    root = repository_root()
    if root is None:  # only --keys-from gets here outside a repository: --staged is refused before
        raise UsageError("--keys-from needs a git repository; run it inside one (or give --keys DIR)")
    if keys_from is not None:
        fix = "give the commit whose keys to trust, fetched first (in CI: actions/checkout with fetch-depth: 0)"
        full = commit_id(keys_from, "--keys-from", fix)
        listed = git(["ls-tree", "-z", "--full-tree", full, "--", f"{KEYS_DIR.as_posix()}/"], cwd=str(root))
        entries = [_tree_entry(e) for e in listed.split(b"\0") if e]
        prefix, label = f"{full}:", f"{KEYS_DIR.as_posix()} at {keys_from} ({full[:12]})"
    else:
        full = "index"
        listed = git(["ls-files", "-z", "--stage", "--", f"{KEYS_DIR.as_posix()}/"], cwd=str(root))
        entries = [_index_entry(e) for e in listed.split(b"\0") if e]
        prefix, label = ":", f"{KEYS_DIR.as_posix()} as staged"
    # the top of the directory only, regular files only, as load_keyring reads a directory
    names = sorted(
        path
        for mode, path in entries
        if mode in ("100644", "100755") and path.endswith(".pub") and "/" not in path[len(KEYS_DIR.as_posix()) + 1 :]
    )
    blobs = _blobs({p: prefix + p for p in names[: signing.MAX_KEYS]}, cwd=str(root))
    keys: dict[str, signing.PublicKey] = {}
    warnings: list[str] = []
    for path in names[: signing.MAX_KEYS]:
        try:
            data = blobs.get(path)
            if data is None:  # _blobs leaves out what is larger than any export
                raise ValueError("larger than any public key")
            signing.add_key_file(keys, data, Path(path).stem)
        except ValueError as e:
            warnings.append(f"{path} in {label}: {e}; skipped")
    return Keyring(keys, root / KEYS_DIR, label if names else f"{label} (there is none)", warnings, full)


def _tree_entry(entry: bytes) -> tuple[str, str]:
    """`git ls-tree -z`'s `MODE TYPE ID\tPATH`, as (MODE, PATH)."""
    meta, _, path = entry.partition(b"\t")
    return meta.split(b" ")[0].decode("ascii", "replace"), os.fsdecode(path)


def _index_entry(entry: bytes) -> tuple[str, str]:
    """`git ls-files -z --stage`'s `MODE ID STAGE\tPATH`, as (MODE, PATH); an unmerged entry's mode as "unmerged"."""
    meta, _, path = entry.partition(b"\t")
    mode, _, stage = meta.decode("ascii", "replace").split(" ")
    return (mode if stage == "0" else "unmerged"), os.fsdecode(path)


def keys_touched(paths: Iterable[str]) -> list[str]:
    """The paths among a commit's changes that change which keys `.draftmate/keys/` trusts."""
    keys = KEYS_DIR.as_posix()
    return [p for p in paths if p in (KEYS_DIR.parts[0], keys) or p.startswith(keys + "/")]


def check(
    paths: list[str],
    *,
    commit: str | None = None,
    staged: bool = False,
    keys_dir: str | None = None,
    keys_from: str | None = None,
) -> CheckReport:
    """Judge every file carrying draftmate provenance among `paths` (what git tracks when none), among the files
    `commit` changed, as that commit has them, or among the files staged, as the index has them."""
    if commit is not None and paths:
        raise UsageError("give paths or --commit, not both")
    if staged and commit is not None:
        raise UsageError("give --commit or --staged, not both")
    if staged and paths:
        raise UsageError("--staged checks the files staged for commit: give no paths with it")
    root = repository_root() if commit is not None or staged else None
    if commit is not None and root is None:
        raise UsageError("--commit needs a git repository; run it inside one")
    if staged and root is None:
        raise UsageError("--staged needs a git repository; run it inside one (or give the paths to check)")
    trusted = keyring(keys_dir, keys_from, staged=staged)
    source: Source
    claimed: list[str] = []
    full: str | None = None
    touched: list[str] = []
    if commit is not None:
        full, claimed, named, source = commit_files(commit)
        if keys_dir is None and keys_from is None:
            touched = keys_touched(named)  # the keys are the working tree's: the change itself may have written them
    elif staged and root is not None:
        named, source = staged_files(root)
    else:
        source = Source()
        named = list(expand(paths)) if paths else tracked_files()
    found, looked = candidates(named, source)
    files = [_keys_changed(path) for path in touched]
    files += [check_file(path, source, trusted.keys, trusted.where) for path in found]
    report = CheckReport(
        files,
        looked,
        trusted.directory,
        len(trusted.keys),
        trusted.warnings,
        commit=full,
        keys_from=trusted.commit,
        staged=staged,
    )
    if commit is not None:
        report.problems += _trailer_problems(claimed, [c for c in files if c.verdict != KEYS_CHANGED])
    return report


def _keys_changed(path: str) -> Checked:
    """The verdict on a key file the commit checked changed, when the keys are read from the working tree."""
    return Checked(
        path,
        KEYS_CHANGED,
        "the keys are read from the working tree, which this change may have written (a pull request can add its "
        "own key and sign with it); give --keys-from REV, the commit it builds on (a pull request's base branch), "
        "or --keys DIR",
    )


def _trailer_problems(claimed: list[str], files: list[Checked]) -> list[str]:
    """A commit's `Assisted-by: draftmate:...` trailers that none of the files it changed bears out."""
    borne = {c.trailer.removeprefix("Assisted-by: ") for c in files if c.trailer}
    problems = []
    for value in claimed:
        if not files:
            problems.append(
                f"its trailer Assisted-by: {value} names draftmate, but none of the files it changed "
                "carries draftmate provenance"
            )
        elif value not in borne:
            problems.append(
                f"its trailer Assisted-by: {value} matches none of the exports it changed "
                f"({', '.join(sorted(borne)) or 'none gives a trailer'})"
            )
    return problems
