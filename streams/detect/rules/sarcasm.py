"""Sarcasm, insinuation and dismissal: heat without an attack ('nice deflection', '🙄')."""

from __future__ import annotations

from streams.detect import lexicons as lx
from streams.detect.context import Sentence
from streams.detect.findings import Finding
from streams.detect.rules.base import Cues, hit, pattern
from streams.detect.tokens import words
from streams.detect.weights import weight

NAME = "sarcasm"
W_HEAT = weight("sarcasm.heat")
W_DEFAULT = weight("sarcasm.default").of()


class Sarcasm:
    name = NAME
    cues = Cues(
        phrases=tuple(p for p in lx.SARCASM.phrases if words(p)),
        symbols=tuple(p for p in lx.SARCASM.phrases if not words(p)),
    )

    def __init__(self) -> None:
        self._re = pattern(lx.SARCASM.phrases, r"(?<![\w])", r"(?![\w])")

    def apply(self, s: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in s.matches(self._re):
            w = lx.SARCASM.weight(m.group(0))
            h = hit(s, NAME, m, W_DEFAULT if w is None else w, m.group(0).strip())
            out.append(h.heat(W_HEAT, "sarcasm/insinuation '{span}'"))
        return out
