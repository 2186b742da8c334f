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
from collections.abc import Callable, Sequence

from streams.detect.context import Comment
from streams.detect.rules.base import Rule
from streams.detect.tokens import alnum_runs, comment_words

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


class Prefilter:
    """Which rules may fire in a comment (or a sentence), from the rules' own cues."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        index: dict[str, dict[tuple[frozenset[str], int], None]] = {}
        symbols: dict[tuple[str, int], None] = {}
        checks: list[tuple[Callable[[Comment, str], bool], int]] = []
        for i, rule in enumerate(self.rules):
            for phrase in rule.cues.phrases:
                for spelling in spellings(phrase):
                    req = frozenset(alnum_runs(spelling))
                    if req:
                        index.setdefault(_keyword(req), {})[req, i] = None
                    else:
                        symbols[phrase, i] = None
            for sym in rule.cues.symbols:
                symbols[sym, i] = None
            if rule.cues.check is not None:
                checks.append((rule.cues.check, i))
        self._index = {kw: tuple(reqs) for kw, reqs in index.items()}
        self._keys = frozenset(index)
        self._symbols = tuple(symbols)
        self._checks = tuple(checks)
        self._chosen: dict[int, tuple[Rule, ...]] = {}

    def _words(self, low: str, runs: set[str], active: int) -> int:
        for kw in runs & self._keys:
            for req, i in self._index[kw]:
                if not active >> i & 1 and req <= runs:
                    active |= 1 << i
        for sym, i in self._symbols:
            if not active >> i & 1 and sym in low:
                active |= 1 << i
        return active

    def words(self, low: str, runs: set[str] | None = None) -> bool:
        """Does the text have the words (or symbols) of some rule's phrase cue? `runs`: its
        alphanumeric runs, with -s/-es also stripped (tokens.comment_words)."""
        return bool(self._words(low, comment_words(low)[1] if runs is None else runs, 0))

    def rules_for(self, c: Comment, text: str | None = None) -> tuple[Rule, ...]:
        """The rules (in order) whose cues are in the comment (or in `text`, one of its
        sentences); only these can fire there."""
        low = c.low if text is None else text
        runs = c.runs if text is None else comment_words(text)[1]
        active = self._words(low, runs, 0)
        for check, i in self._checks:
            if not active >> i & 1 and check(c, low):
                active |= 1 << i
        chosen = self._chosen.get(active)
        if chosen is None:
            chosen = tuple(r for i, r in enumerate(self.rules) if active >> i & 1)
            self._chosen[active] = chosen
        return chosen
