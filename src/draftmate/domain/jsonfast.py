"""json's own C encoder and scanner, built once: for the many small JSON values read and written in bulk."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def compact_encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys), built once.

    json.dumps builds a JSONEncoder per call, and that builds json's C encoder per call; this builds the same C
    encoder with the same settings once and writes the same text (tests/cli/test_export.py checks it).
    """
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)  # json's C encoder, when its speedups are there
    if make is None:
        return json.JSONEncoder(sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False).encode
    # the arguments JSONEncoder.iterencode passes it: (markers, default, encoder, indent, key_separator,
    # item_separator, sort_keys, skipkeys, allow_nan); no circular-reference markers: the values are rows and
    # records without cycles, and a marker left by a failed call would outlive it
    default = json.JSONEncoder().default  # what json.dumps raises for a value JSON cannot hold
    chunks = make(None, default, encoder.encode_basestring, None, ":", ",", sort_keys, False, True)
    return lambda value: "".join(chunks(value, 0))


_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # json's scanner, set in __init__


def loads(text: Any) -> Any:
    """json.loads(text) via json's C scanner called directly; anything it does not take whole (whitespace,
    trailing data, bytes) goes to json.loads, so the result and the errors are json.loads's."""
    try:
        value, end = _scan(text, 0)
    except (StopIteration, TypeError, ValueError):
        return json.loads(text)
    return value if end == len(text) else json.loads(text)
