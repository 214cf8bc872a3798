"""What is known about PyPI without asking it: the best-known projects, and import names that differ from theirs.

Both lists are data files beside this module (pypi_names.txt, import_names.txt), read once, on first use.
"""

from __future__ import annotations

import re
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
