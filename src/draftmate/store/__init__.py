"""The store: drafts, versions, notes, reviews and the hash-chained audit log."""
