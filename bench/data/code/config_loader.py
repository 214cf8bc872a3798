"""Load settings from a JSON file with environment overrides."""

import json
import os
import pathlib

DEFAULTS = {"host": "localhost", "port": 8080, "debug": False}


def read_file(path):
    file_path = pathlib.Path(path)
    if not file_path.exists():
        return {}
    text = file_path.read_text(encoding="utf-8")
    return json.loads(text)


def from_env(prefix="APP_"):
    found = {}
    for key, value in os.environ.items():
        if key.startswith(prefix):
            name = key[len(prefix) :].lower()
            found[name] = value
    return found


def load(path):
    settings = dict(DEFAULTS)
    settings.update(read_file(path))
    settings.update(from_env())
    settings["port"] = int(settings["port"])
    return settings
