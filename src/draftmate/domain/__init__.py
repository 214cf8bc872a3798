"""The words, records and rules of drafting and review: pure, no I/O."""
