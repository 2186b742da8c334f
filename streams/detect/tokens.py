"""Tokens of lower-cased text: words with contractions split ("you're" -> "you", "'re")."""

from __future__ import annotations

import re

TOKEN = re.compile(r"[a-z0-9@][a-z0-9'\-*]*")
_CONTRACTIONS = ("'s", "'re", "'m", "'ve", "'d", "'ll")
_WORD = re.compile(r"[a-z0-9']+")
_ALNUM = re.compile(r"[a-z0-9]+")
_SPACES = re.compile(r"[\s-]+")


def split(tok: str) -> tuple[str, ...]:
    """'you're' -> ('you', "'re"); "don't" stays whole."""
    if "'" in tok and not tok.endswith("n't"):
        for c in _CONTRACTIONS:
            if tok.endswith(c) and len(tok) > len(c):
                return tok[: -len(c)], c
    return (tok,)


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for tok in TOKEN.findall(text):
        out.extend(split(tok))
    return out


def key(phrase: str) -> str:
    """Spaces and hyphens as one space."""
    return _SPACES.sub(" ", phrase)


def words(text: str) -> set[str]:
    """Words of a text or phrase, with contractions also by their first part."""
    toks = set(_WORD.findall(text.replace("-", " ")))
    toks.update(t.split("'", 1)[0] for t in list(toks) if "'" in t)
    toks.discard("")
    return toks


def _unplural(toks: set[str]) -> list[str]:
    plural = [t for t in toks if t[-1:] == "s"]
    return [t[:-1] for t in plural] + [t[:-2] for t in plural if t[-2:] == "es"]


def comment_words(low: str) -> tuple[set[str], set[str]]:
    """(words, runs) of a comment, in one pass. words: as `words()`, and each ending in -s/-es
    also without it. runs: its alphanumeric runs (words split at apostrophes too), likewise."""
    toks = set(_WORD.findall(low.replace("-", " ") if "-" in low else low))
    if "'" not in low:  # (an apostrophe is always inside some word)
        toks.update(_unplural(toks))
        return toks, toks
    apostrophes = [t for t in toks if "'" in t]
    out = toks | {t.split("'", 1)[0] for t in apostrophes}
    out.discard("")
    out.update(_unplural(out))
    parts = {p for t in apostrophes for p in t.split("'") if p}
    runs = out | parts
    runs.update(_unplural(parts))
    return out, runs


def alnum_runs(text: str) -> set[str]:
    return set(_ALNUM.findall(text))
