"""The provenance of exported work: the record, the file formats, and reading an export back."""
