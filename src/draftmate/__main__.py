"""Run the CLI as `python -m draftmate`."""

from draftmate.cli import main

main()
