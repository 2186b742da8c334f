"""The prefilter: most civil comments have no cue of any rule and are sent out in
microseconds. Its index is built from the rules' own cues, so it can only let through more
than the rules need, never less (a property test checks that prefiltered and full scoring
agree).

A phrase is indexed by the alphanumeric runs of each way it can be written (a hyphen may be
left out: "mouth-breather" also needs {"mouthbreather"}), under its rarest word; a comment
passes when all runs of some phrase are among its own (with -s/-es also stripped), when one
of the symbol cues is in it, or when a rule's own check says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from streams.detect.context import Comment
from streams.detect.rules.base import Rule
from streams.detect.tokens import alnum_runs

# Common words: never chosen as the key of a phrase when a rarer word is there.
_STOP = frozenset(
    "you your you're yourself the a an is are have has no not don't can't what that this with "
    "for of to it and be he she his her him i i'm me my so do did does even just out up off on "
    "in at as like about from who why how too think something last useful say says said more "
    "been good question know time make get go see people way thing things really want well one "
    "would could should much many never ever every still back long little right new old first "
    "same other only also very any all some here there when where which while before after again "
    "down over under into thanks nice try read reading look put take give keep let seem seems "
    "tell told talk talking words word point life help because though true sure real doing done "
    "made going gone come came trying whole rest always nothing anything everyone someone anyone "
    "nobody day days year man woman work place part post comment mind head brain brains we they "
    "them our their was were will if or but then than now can cannot t s don".split()
)
_MAX_HYPHENS = 4


def spellings(phrase: str) -> list[str]:
    """The phrase with each hyphen kept or left out ('mouth-breather', 'mouthbreather')."""
    parts = phrase.split("-")
    if len(parts) == 1 or len(parts) > _MAX_HYPHENS + 1:
        return [phrase]
    out = []
    for joins in itertools.product(("-", ""), repeat=len(parts) - 1):
        out.append(parts[0] + "".join(j + p for j, p in zip(joins, parts[1:], strict=True)))
    return out


def _keyword(req: frozenset[str]) -> str:
    rare = [t for t in req if t not in _STOP] or list(req)
    return max(sorted(rare), key=len)


def text_runs(low: str) -> set[str]:
    """A comment's alphanumeric runs, and each ending in -s/-es also without it."""
    runs = alnum_runs(low)
    runs.update(
        [r[:-1] for r in runs if r.endswith("s")] + [r[:-2] for r in runs if r.endswith("es")]
    )
    return runs


class Prefilter:
    def __init__(self, rules: Iterable[Rule]) -> None:
        index: dict[str, list[frozenset[str]]] = {}
        symbols: list[str] = []
        checks: list[Callable[[Comment, str], bool]] = []
        for rule in rules:
            for phrase in rule.cues.phrases:
                for spelling in spellings(phrase):
                    req = frozenset(alnum_runs(spelling))
                    if req:
                        index.setdefault(_keyword(req), []).append(req)
                    else:
                        symbols.append(phrase)
            symbols.extend(rule.cues.symbols)
            if rule.cues.check is not None:
                checks.append(rule.cues.check)
        self._index = index
        self._keys = frozenset(index)
        self._symbols = tuple(dict.fromkeys(symbols))
        self._checks: tuple[Callable[[Comment, str], bool], ...] = tuple(checks)

    def words(self, low: str) -> bool:
        """Does the text have the words (or symbols) of some phrase cue?"""
        runs = text_runs(low)
        for kw in runs & self._keys:
            for req in self._index[kw]:
                if req <= runs:
                    return True
        return any(sym in low for sym in self._symbols)

    def passes(self, c: Comment, text: str | None = None) -> bool:
        """May some rule fire in this comment (or in `text`, one of its sentences)?"""
        text = c.low if text is None else text
        return self.words(text) or any(check(c, text) for check in self._checks)
