"""Masked and leetspeak swear words and insults, read as the words they hide: "d*ckhead",
"a$$hole", "sh!t", "id10t", "f***ing". Same length in and out, so offsets are unchanged.

A token is a candidate only when it mixes letters with mask characters (`* $ @ ! # 0 1 3 4 5 7`
inside or at the end of a word) and keeps at least two letters; it is read as the one word of
the same length in the swear and insult lexicons whose letters agree with it wherever the token
has a letter (and with the usual leet digit or symbol where it has one); a swear word first,
as people mask those ("tw*t" is "twat", not "twit"). No match, or two insults and no swear
word, leaves it as written. Pure, linear in the text.
"""

from __future__ import annotations

import re
from functools import cache

from streams.detect import lexicons as lx

LEET_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}
"""Digits that stand for letters ('id10t'): the one table the rules, the fast tier and name
matching share."""
LEET_SYMBOLS = {"$": "s", "@": "a"}
_LEET = {**LEET_DIGITS, **LEET_SYMBOLS, "!": "i"}
_WILD = "*#"
_MASKED = re.compile(r"(?<![\w*$@!#])[a-z][a-z*$@!#0-9]*[*$@!#0-9][a-z*$@!#0-9]*")
_HAS_MASK = re.compile(r"[*$@!#]|[a-z][0-9]|[0-9][a-z]")


@cache
def _words_by_length() -> dict[int, tuple[str, ...]]:
    words = {w for w in lx.PROFANITY if w.isalpha()}
    words |= {p for p in lx.INSULTS if p.isalpha()}
    out: dict[int, list[str]] = {}
    for w in sorted(words):
        out.setdefault(len(w), []).append(w)
    return {n: tuple(ws) for n, ws in out.items()}


def _agrees(token: str, word: str) -> bool:
    for t, w in zip(token, word, strict=True):
        if t.isalpha():
            if t != w:
                return False
        elif t in _WILD:
            continue
        elif _LEET.get(t) != w and not (t == "1" and w == "l"):
            return False
    return True


@cache
def reading(token: str) -> str | None:
    """The one lexicon word `token` masks, if exactly one fits."""
    if sum(c.isalpha() for c in token) < 2 or not _HAS_MASK.search(token):
        return None
    if token.rstrip("!").isalpha():
        return None  # "shit!!" is punctuation, not a mask
    fits = [w for w in _words_by_length().get(len(token), ()) if _agrees(token, w)]
    swears = [w for w in fits if w in lx.PROFANITY]
    if swears:
        return swears[0]  # people mask swear words; "f**k" is "feck" or worse, both swearing
    return fits[0] if len(fits) == 1 else None


def _read(m: re.Match[str]) -> str:
    token = m.group(0)
    word = reading(token)
    return word if word is not None else token


def unmask(low: str) -> str:
    """`low` (lower-cased) with every masked word it can read replaced, same length."""
    if not any(c in low for c in "*$@!#0134579"):
        return low
    return _MASKED.sub(_read, low)
