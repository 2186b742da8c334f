"""Insult nouns known by their shape: shitbag, birdbrain, nitwit, scaremonger, dickwad..."""

from __future__ import annotations

import re

from streams.detect import lexicons as lx
from streams.detect.context import Comment, Sentence
from streams.detect.findings import Finding
from streams.detect.rules.base import Cues
from streams.detect.rules.insults import is_insult_word, judge
from streams.detect.weights import weight

SHAPED_STRENGTH = weight("insult.shaped").of()
_SHAPE = re.compile(
    r"\b[a-z]+(?:" + "|".join(sorted(lx.INSULT_SUFFIXES, key=len, reverse=True)) + r")\b"
)
_MIN_LENGTH = 6


def _shaped(word: str) -> bool:
    return len(word) >= _MIN_LENGTH and word not in lx.NOT_INSULT_SUFFIXED


_ENDING = re.compile("(?:" + "|".join(sorted(lx.INSULT_SUFFIXES, key=len, reverse=True)) + r")\b")


def _any_shaped(c: Comment, text: str) -> bool:
    if _ENDING.search(text) is None:
        return False  # no word ends like one (a quick scan before the word-by-word one)
    return any(_shaped(m.group(0)) for m in _SHAPE.finditer(text))


class ShapedInsults:
    name = "insults"
    cues = Cues(check=_any_shaped)

    def apply(self, sentence: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in sentence.matches(_SHAPE):
            word = m.group(0)
            if _shaped(word) and not is_insult_word(word):
                judge(sentence, m, out, SHAPED_STRENGTH)
        return out
