"""Is a text mostly capitals? (shouting: a cue of the forecast and a feature of the fast tier)"""

from __future__ import annotations

import string

_LETTERS = string.ascii_letters.encode()
_UPPER = string.ascii_uppercase.encode()


def mostly_capitals(text: str, min_letters: int, share: float = 0.6) -> bool:
    """At least `min_letters` letters (str.isalpha) and more than `share` of them upper case
    (str.isupper). ASCII text is counted in C, other text letter by letter."""
    if text.isascii():
        raw = text.encode()
        letters = len(raw) - len(raw.translate(None, _LETTERS))
        if letters < min_letters:
            return False
        return len(raw) - len(raw.translate(None, _UPPER)) > share * letters
    chars = [c for c in text if c.isalpha()]
    return len(chars) >= min_letters and sum(c.isupper() for c in chars) > share * len(chars)
