"""The app by the name tools and tests import it from (`from draftmate.cli.commands import app`); see cli/app.py."""

from draftmate.cli.app import app, main

__all__ = ["app", "main"]
