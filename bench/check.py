"""Benchmark: `draftmate check` on a git repository of exported files, beside `git status` on the same repository.

Target: 100 files in under 1 s (wall time, the median of the runs), so it fits a pre-commit hook.

    .venv/bin/python bench/check.py [--files N] [--runs R]      (N defaults to 100, R to 5)

It builds the repository once per run in a temporary directory, through draftmate itself (in process): each file is
a draft imported, approved and exported (7 in 10 markdown with front matter, 2 code with a sidecar and a --disclose
line, 1 json), signed with a fresh key whose public half is committed in .draftmate/keys/, plus as many files
without provenance. Then it times, in fresh processes, `draftmate check` (every tracked file), `draftmate check
--json`, `draftmate check --keys-from HEAD` (the keys read from the commit, as CI does for a pull request),
`draftmate check --staged` (every file staged on an orphan branch: the index's blobs, as the plain git hook reads
them), `git status` and `python -c pass`, and checks that every export was judged approved each time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 1.0
WORDS = "sync engine batch upload record client release cache index query parser review section export".split()


def draftmate_exe() -> str:
    """The `draftmate` script next to this interpreter."""
    exe = Path(sys.executable).parent / "draftmate"
    if not exe.exists():
        sys.exit(f"no {exe}: install draftmate into this environment first (pip install -e .)")
    return str(exe)


def build(repo: Path, home: Path, files: int) -> None:
    """`files` signed exports and as many plain files, committed, with the key that signed them."""
    os.environ["DRAFTMATE_HOME"] = str(home)
    from typer.testing import CliRunner

    from draftmate.cli.commands import app

    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args))
        if result.exit_code != 0:
            sys.exit(f"draftmate {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    sources = home / "sources"
    sources.mkdir(parents=True)
    for i in range(files):
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(12))
        if i % 10 in (3, 7):
            name, text, fmt = f"src/mod_{i}.py", f"def f_{i}(x):\n    # {words}\n    return x\n", "code"
        elif i % 10 == 5:
            name, text, fmt = f"data/record_{i}.json", f"# Record {i}\n\n{words}.\n", "json"
        else:
            name, text, fmt = f"docs/page_{i}.md", f"# Page {i}\n\n{words}.\n", "md"
        source = sources / (f"s{i}.py" if fmt == "code" else f"s{i}.md")
        source.write_text(text)
        draft_id = json.loads(run("draft", "--from-file", str(source), "--json"))["id"]
        notes = json.loads(run("show", draft_id[:12], "--json"))["notes"]
        resolve = [a for n in notes for a in ("--resolve", f"{n['number']}=verified")]
        run("review", draft_id[:12], "--decision", "approve", "--reviewer", "Bench", *resolve)
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        extra = ["--disclose"] if fmt == "code" else []
        run("export", draft_id[:12], "-f", fmt, "-o", str(repo / name), *extra)
        (repo / "plain" / f"file_{i}.txt").parent.mkdir(exist_ok=True)
        (repo / "plain" / f"file_{i}.txt").write_text(f"no provenance {i}\n")
    keys = repo / ".draftmate" / "keys"
    keys.mkdir(parents=True)
    (keys / "bench.pub").write_text(run("key", "show"))
    git = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "exports"], cwd=repo, check=True)


def timed(
    args: list[str], repo: Path, env: dict[str, str], runs: int
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """The median wall time of `runs` runs of `args` in `repo`, and the last run's result."""
    times = []
    done = subprocess.CompletedProcess(args, 0, "", "")
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100, help="exported files in the repository (default 100)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="draftmate-check-bench-") as tmp:
        repo, home = Path(tmp) / "repo", Path(tmp) / "home"
        repo.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTMATE_", "GIT_"))}
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
        started = time.perf_counter()
        build(repo, home, args.files)
        print(f"built {args.files} exports + {args.files} plain files in {time.perf_counter() - started:.1f} s")
        env["DRAFTMATE_HOME"] = str(Path(tmp) / "no-store")  # check needs none: make sure it uses none
        exe = draftmate_exe()
        check_s, done = timed([exe, "check"], repo, env, args.runs)
        json_s, as_json = timed([exe, "check", "--json"], repo, env, args.runs)
        keys_from_s, keys_from = timed([exe, "check", "--json", "--keys-from", "HEAD"], repo, env, args.runs)
        status_s, _ = timed(["git", "status", "--porcelain"], repo, env, args.runs)
        subprocess.run(["git", "checkout", "-q", "--orphan", "staged"], cwd=repo, env=env, check=True)
        staged_s, staged = timed([exe, "check", "--json", "--staged"], repo, env, args.runs)
        floor_s, _ = timed([sys.executable, "-c", "pass"], repo, env, args.runs)
        report = json.loads(as_json.stdout)
        approved = sum(1 for f in report["files"] if f["verdict"] == "approved")
        if done.returncode != 0 or approved != args.files:
            sys.exit(f"check did not approve every export ({approved} of {args.files}):\n{done.stderr[:2000]}")
        for flag, result in (("--keys-from HEAD", keys_from), ("--staged", staged)):
            files = json.loads(result.stdout)["files"]
            if result.returncode != 0 or len(files) != args.files:
                sys.exit(f"check {flag} did not approve every export ({len(files)} judged):\n{result.stderr[:2000]}")
        if Path(env["DRAFTMATE_HOME"]).exists():
            sys.exit("check made a store or a key: it must need neither")
        verdict = "meets" if check_s <= TARGET_SECONDS else "MISSES"
        print(
            f"draftmate check        {check_s * 1000:7.0f} ms  ({args.files} files approved; {verdict} the 1 s target)"
        )
        print(f"draftmate check --json {json_s * 1000:7.0f} ms")
        print(f"  --keys-from HEAD     {keys_from_s * 1000:7.0f} ms  (the keys read from the commit)")
        print(f"  --staged             {staged_s * 1000:7.0f} ms  (every file staged: read from the index)")
        print(f"git status --porcelain {status_s * 1000:7.0f} ms  (same repository, {report['looked_at']} files)")
        print(f"python -c pass         {floor_s * 1000:7.0f} ms  (the floor of any Python command)")
        print(f"median of {args.runs} runs each")


if __name__ == "__main__":
    main()
