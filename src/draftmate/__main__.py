"""Run the CLI as `python -m draftmate`."""

from draftmate.entry import main

main()
