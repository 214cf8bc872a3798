"""Settings and where draftmate keeps its files."""
