"""What is known about PyPI without asking it: the best-known projects, and import names that differ from theirs.

Both lists are data files beside this module (pypi_names.txt, import_names.txt), read once, on first use. When the
`check_packages_online` setting is on, names neither list knows are asked of PyPI's JSON API (`ask_pypi`), within a
time limit, with answers cached for a week; off, nothing here touches the network.
"""

from __future__ import annotations

import json
import re
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# Distribution names whose import name differs and that may not be installed, so metadata cannot tell us.
KNOWN_IMPORT_NAMES = {
    "scikit-learn": ["sklearn"],
    "pillow": ["PIL"],
    "beautifulsoup4": ["bs4"],
    "pyyaml": ["yaml"],
    "opencv-python": ["cv2"],
    "opencv-python-headless": ["cv2"],
    "python-dateutil": ["dateutil"],
    "attrs": ["attr", "attrs"],
    "protobuf": ["google"],
    "pyjwt": ["jwt"],
    "python-dotenv": ["dotenv"],
    "pymupdf": ["fitz"],
    "msgpack-python": ["msgpack"],
    "pyzmq": ["zmq"],
    "typing-extensions": ["typing_extensions"],
}


def normalize_name(name: str) -> str:
    """A project name as PEP 503 normalizes it: lower case, runs of `-_.` as one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


_DATA = Path(__file__).resolve().parent
_PYPI: dict[str, set[str]] = {}
_IMPORT_TO_DIST: dict[str, str] = {}


def pypi_names() -> set[str]:
    """Normalized names of the best-known PyPI projects (pypi_names.txt, read once)."""
    if "names" not in _PYPI:
        text = (_DATA / "pypi_names.txt").read_text(encoding="utf-8")
        _PYPI["names"] = {line for line in text.split("\n") if line and not line.startswith("#")}
    return _PYPI["names"]


def import_to_distribution() -> dict[str, str]:
    """Import names whose distribution is named otherwise (import_names.txt: `cv2:opencv-python`), read once."""
    if not _IMPORT_TO_DIST:
        for line in (_DATA / "import_names.txt").read_text(encoding="utf-8").split("\n"):
            name, sep, dist = line.partition(":")
            if sep and not line.startswith("#"):
                _IMPORT_TO_DIST.setdefault(name.strip(), dist.strip())
        for dist, modules in KNOWN_IMPORT_NAMES.items():
            for module in modules:
                _IMPORT_TO_DIST.setdefault(module, dist)
    return _IMPORT_TO_DIST


def distribution_for(module: str) -> str | None:
    """The PyPI project a top-level import name most likely comes from, if it is a well-known one."""
    names = pypi_names()
    mapped = import_to_distribution().get(module)
    if mapped is not None and normalize_name(mapped) in names:
        return mapped
    base = normalize_name(module)
    for candidate in (base, f"py{base}", f"python-{base}", f"{base}-py", f"{base}-python"):
        if candidate in names:
            return candidate
    return None


# ---- asking PyPI (only when the setting is on) ------------------------------------------------------------------

EXISTS = "exists"
MISSING = "missing"
WEEK = 7 * 24 * 3600.0
CACHE_LIMIT = 4_000_000  # bytes: far above any real cache; a larger one is ignored, then rewritten


@dataclass(frozen=True)
class OnlineCheck:
    """How to ask PyPI about names the offline lists do not know: where, the cache file, and the time allowed."""

    cache: Path
    base_url: str = "https://pypi.org/pypi"
    timeout: float = 3.0  # seconds for all of one draft's lookups together, not for each
    limit: int = 20  # names asked per draft; a draft importing more invented names than this is noted anyway
    max_age: float = WEEK


def ask_pypi(names: list[str], check: OnlineCheck) -> dict[str, str]:
    """Per name: EXISTS, MISSING, or why PyPI could not tell; cached answers first, the rest asked at once.

    Only definite answers (HTTP 200 or 404) are cached; an error or a timeout is asked again next time."""
    now = time.time()
    cache = _read_cache(check.cache, now, check.max_age)
    answers: dict[str, str] = {}
    to_ask: list[str] = []
    for name in dict.fromkeys(names):
        cached = cache.get(normalize_name(name))
        if cached is not None:
            answers[name] = EXISTS if cached["exists"] else MISSING
        elif len(to_ask) < check.limit:
            to_ask.append(name)
        else:
            answers[name] = f"not asked: more than {check.limit} unknown names in one draft"
    if not to_ask:
        return answers
    found: dict[str, str] = {}
    deadline = time.monotonic() + check.timeout
    # Daemon threads: a server that never answers costs this draft the time limit, never the process's exit.
    threads = [
        threading.Thread(target=_ask_one, args=(name, check, found), daemon=True, name=f"pypi-{name}")
        for name in to_ask
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    fresh = False
    for name in to_ask:
        answer = found.get(name, f"no answer within {check.timeout:g} s")
        answers[name] = answer
        if answer in (EXISTS, MISSING):
            cache[normalize_name(name)] = {"exists": answer == EXISTS, "checked": now}
            fresh = True
    if fresh:
        _write_cache(check.cache, cache)
    return answers


def _ask_one(name: str, check: OnlineCheck, found: dict[str, str]) -> None:
    """One lookup of `<base>/<name>/json`: only the status is read, never the (possibly large) body."""
    import urllib.error
    import urllib.request

    if not check.base_url.startswith(("https://", "http://")):  # file:// would read (or wait on) a local path
        found[name] = "could not ask PyPI: its address must be an http(s) URL"
        return
    url = f"{check.base_url.rstrip('/')}/{normalize_name(name)}/json"
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "draftmate"})
    try:
        with urllib.request.urlopen(request, timeout=check.timeout) as response:  # noqa: S310 - an http(s) base
            found[name] = EXISTS if response.status == 200 else f"PyPI answered HTTP {response.status}"
    except urllib.error.HTTPError as e:
        found[name] = MISSING if e.code == 404 else f"PyPI answered HTTP {e.code}"
    except urllib.error.URLError as e:
        found[name] = f"could not reach PyPI ({e.reason})"[:200]
    except Exception as e:  # a timeout, a reset, a malformed URL or answer: no answer, and the offline result stands
        found[name] = f"could not reach PyPI ({type(e).__name__})"


def _read_cache(path: Path, now: float, max_age: float) -> dict[str, dict[str, object]]:
    """The cached answers still fresh; a missing, unreadable or malformed cache is an empty one."""
    try:
        # a regular file of bounded size only: reading a FIFO or a device put there would wait or never end
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > CACHE_LIMIT:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    return {
        name: entry
        for name, entry in entries.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("exists"), bool)
        and isinstance(entry.get("checked"), int | float)
        and 0 <= now - entry["checked"] < max_age
    }


def _write_cache(path: Path, entries: dict[str, dict[str, object]]) -> None:
    """The cache, replaced atomically; a cache that cannot be written only means asking again next time."""
    from draftmate.errors import DraftmateError
    from draftmate.fileio import write_atomic

    text = json.dumps({"version": 1, "entries": dict(sorted(entries.items()))}, indent=1) + "\n"
    try:
        write_atomic(path, text, mode=0o600, overwrite=True, make_parents=True)
    except (OSError, DraftmateError):
        pass
