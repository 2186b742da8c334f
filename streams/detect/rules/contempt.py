"""Contempt for what someone is or does: 'your usual drivel', 'your sheer stupidity'."""

from __future__ import annotations

import re

from streams.detect import lexicons as lx
from streams.detect.context import Sentence
from streams.detect.findings import Finding
from streams.detect.negation import negated
from streams.detect.rules.base import Cues, hit
from streams.detect.trie import trie_pattern
from streams.detect.weights import weight

NAME = "contempt"
W_AIMED = weight("contempt.aimed")
W_NEGATED = weight("contempt.negated")
_RE = re.compile(
    r"\byour\s+(?:(?:usual|typical|own|sheer|utter|total|complete|breathtaking|staggering|"
    r"wilful|willful|constant|endless|childish|pathetic|little|latest|daily|weekly)\s+){0,2}"
    r"(?P<w>" + trie_pattern(lx.CONTEMPT.phrases) + r")\b"
)


class Contempt:
    name = NAME
    cues = Cues(phrases=lx.CONTEMPT.phrases)

    def apply(self, s: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in s.matches(_RE):
            w = lx.CONTEMPT.weight(m.group("w"))
            if w is None:
                continue
            h = hit(s, NAME, m, w, m.group(0).strip())
            lw = s.left(h.start, 4)
            if negated(lw.tokens, clause=lw.clause) or s.disclaimed(h.start):
                out.append(h.heat(W_NEGATED, evidence="negated"))
            else:
                out.append(h.attack(W_AIMED, "second", "contempt '{span}' aimed at {target}"))
        return out
