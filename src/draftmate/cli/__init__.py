"""The command line: typer commands, rendering with rich, the interactive review loop."""
