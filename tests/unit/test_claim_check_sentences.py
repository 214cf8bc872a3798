"""The claim check sends the model sentences that can make a claim: never a heading or a code block."""

from __future__ import annotations

from draftmate.services.claims import checked_sentences
from draftmate.uncertainty.grounding import Passages
from draftmate.uncertainty.text_checks import Sources

DRAFT = """\
# Simplest Thing That

Adoption grew by 42% in 2025. It was measured twice.

## Details

```python
x = compute()  # not prose.
```

Setext heading
--------------

The team reported it in March.
"""
SOURCES = [("notes.md", "Adoption grew by 40% in 2025, the team reported in March.")]


def test_headings_and_code_are_not_sent_to_the_model() -> None:
    sent = [(line, sentence) for line, sentence, _ in checked_sentences(DRAFT, Passages(Sources(SOURCES)))]
    assert sent == [
        (3, "Adoption grew by 42% in 2025."),
        (3, "It was measured twice."),
        (14, "The team reported it in March."),
    ]
