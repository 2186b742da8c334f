"""Commands aimed at the reader: 'grow up', 'crawl back under your rock', 'Dave, get a grip'."""

from __future__ import annotations

from streams.detect import lexicons as lx
from streams.detect.context import Sentence
from streams.detect.findings import Finding
from streams.detect.negation import negated
from streams.detect.rules.base import Cues, hit, pattern
from streams.detect.tokens import key
from streams.detect.weights import weight

NAME = "imperatives"
W_AIMED = weight("imperative.aimed")
W_DEFAULT = weight("imperative.default").of()
W_AFTER_NAME = weight("imperative.after_name")
W_NEGATED = weight("imperative.negated")
W_BANTER = weight("imperative.banter")

# words that may stand before a command without changing whom it addresses
_NEUTRAL_BEFORE = frozenset(
    "just please oh so now seriously honestly mate pal then and simply kindly dear go maybe "
    "perhaps why really well right look listen ok okay sir lol frankly buddy son love darling "
    "guys folks yeah yes no hey ah ahh again, but".split()
)
# words after which the phrase is not a command to the reader ('I need to grow up')
_BLOCK_BEFORE = frozenset(
    "to i we they he she will would could might must did didn't need needs have has had can "
    "cannot can't should shall 'll 'd never let lets let's it that this kids children people "
    "who which when until before after as if won't wouldn't don't doesn't".split()
)


class Imperatives:
    name = NAME
    cues = Cues(phrases=lx.IMPERATIVES.phrases)

    def __init__(self) -> None:
        self._re = pattern(lx.IMPERATIVES.phrases)

    def apply(self, s: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in s.matches(self._re):
            phrase = key(m.group(0))
            w = lx.IMPERATIVES.weight(m.group(0))
            h = hit(s, NAME, m, W_DEFAULT if w is None else w)
            lw = s.left(h.start, 4)
            before = lw.tokens
            if s.disclaimed(h.start) or negated(before, cue=phrase, clause=lw.clause):
                out.append(h.heat(W_NEGATED, "negated '{span}'", evidence="negated", span=phrase))
            elif s.comment.friendly and phrase in lx.FRIENDLY_IMPERATIVES:
                out.append(
                    h.heat(W_BANTER, "friendly banter '{span}'", evidence="banter", span=phrase)
                )
            elif "you" in before or not before or all(t in _NEUTRAL_BEFORE for t in before[-3:]):
                out.append(h.attack(W_AIMED, "second", "imperative '{span}' at {target}"))
            elif before[-1] not in _BLOCK_BEFORE and lw.count <= 2:
                # after a name or an interjection: "Dave, grow up"
                out.append(h.attack(W_AFTER_NAME, "second", "imperative '{span}' at {target}"))
        return out
