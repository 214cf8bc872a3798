"""Run the CLI as `python -m draftmate`."""

from draftmate.cli.entry import main

main()
