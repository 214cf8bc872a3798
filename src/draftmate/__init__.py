"""draftmate: LLM-assisted drafting with uncertainty notes, human review and provenance."""

__version__ = "0.1.0"

__all__ = ["__version__"]
