"""Condescension and contempt without a classic insult: crayons, 'hissy fit', 'sweetie'."""

from __future__ import annotations

import re

from streams.detect import lexicons as lx
from streams.detect.context import Sentence
from streams.detect.findings import Finding, TargetKind
from streams.detect.negation import negated
from streams.detect.rules.base import Cues, hit, pattern
from streams.detect.tokens import key
from streams.detect.weights import weight

NAME = "condescension"
W_AIMED = weight("condescension.aimed")
W_DEFAULT = weight("condescension.default").of()
W_NEGATED = weight("condescension.negated")
W_BY_SPEAKER = weight("condescension.by_speaker")
W_OUTSIDER = weight("condescension.outsider")
_THIRD = re.compile(r"\b(?:he|she|his|her|him)\b")
_SPEAKERS = ("i", "we", "me", "they")


class Condescension:
    name = NAME
    cues = Cues(phrases=lx.CONDESCENSION.phrases)

    def __init__(self) -> None:
        self._re = pattern(lx.CONDESCENSION.phrases, r"(?<![\w])", r"(?![\w])")

    def apply(self, s: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in s.matches(self._re):
            phrase = key(m.group(0))
            w = lx.CONDESCENSION.weight(m.group(0))
            h = hit(s, NAME, m, W_DEFAULT if w is None else w, m.group(0).strip())
            lw = s.left(h.start, 3)
            before = lw.tokens
            # a put-down may contain its own negation ("I don't have crayons"): only a
            # remark about 'you' is negated by what comes before it
            negative = phrase.startswith("you") and negated(before, cue=phrase, clause=lw.clause)
            if s.disclaimed(h.start) or negative:
                sentence = s.text.strip()[:60]
                out.append(
                    h.heat(W_NEGATED, "negated: '{span}'", evidence="negated", span=sentence)
                )
            elif before and before[-1] in _SPEAKERS and not phrase.startswith("you"):
                out.append(h.heat(W_BY_SPEAKER, evidence="self"))
            elif s.comment.third_outsider and not s.second_person:
                out.append(h.heat(W_OUTSIDER, "'{span}' about an outsider", outsider=True))
            else:
                kind: TargetKind = "third" if _THIRD.search(phrase) else "second"
                out.append(h.attack(W_AIMED, kind, "condescension '{span}' aimed at {target}"))
        return out
