"""Use cases, one module per command family; they call down into the layers below."""
