"""Word statistics for a text file."""

import string
import textwrap
import unicodedata
from collections import Counter


def normalize(text):
    folded = unicodedata.normalize("NFKC", text).casefold()
    table = str.maketrans("", "", string.punctuation)
    return folded.translate(table)


def top_words(text, count=10):
    words = normalize(text).split()
    frequencies = Counter(words)
    return frequencies.most_common(count)


def report(text, width=60):
    words = normalize(text).split()
    unique = len(set(words))
    ratio = unique / len(words) if words else 0.0
    body = f"{len(words)} words, {unique} distinct, type-token ratio {ratio:.2f}"
    return textwrap.fill(body, width=width)
