"""Forum talk about a participant in the third person: 'he's a troll, ignore him'."""

from __future__ import annotations

from streams.detect import lexicons as lx
from streams.detect.context import Sentence
from streams.detect.findings import Finding
from streams.detect.negation import negated
from streams.detect.rules.base import Cues, hit, pattern
from streams.detect.tokens import key
from streams.detect.weights import weight

NAME = "third_person"
W_AIMED = weight("third.aimed")
W_OUTSIDER = weight("third.outsider")


class ThirdPerson:
    name = NAME
    cues = Cues(phrases=lx.THIRD_PERSON.phrases)

    def __init__(self) -> None:
        self._re = pattern(lx.THIRD_PERSON.phrases)

    def apply(self, s: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in s.matches(self._re):
            phrase = m.group(0)
            w = lx.THIRD_PERSON.weight(phrase)
            lw = s.left(m.start(), 3)
            if w is None or negated(lw.tokens, cue=key(phrase), clause=lw.clause):
                continue
            h = hit(s, NAME, m, w)
            if s.comment.third_outsider and "troll" not in phrase and "feed" not in phrase:
                out.append(h.heat(W_OUTSIDER, "hostility '{span}' at an outsider", outsider=True))
            else:
                out.append(h.attack(W_AIMED, "third", "'{span}' said about {target}"))
        return out
