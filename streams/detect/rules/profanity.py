"""Swear words: heat, unless praise follows ('bloody brilliant', 'fucking great goal')."""

from __future__ import annotations

import re

from streams.detect import lexicons as lx
from streams.detect.context import Sentence
from streams.detect.findings import Finding
from streams.detect.rules.base import Cues, Hit, hit
from streams.detect.weights import weight

NAME = "profanity"
W_HEAT = weight("profanity.heat")
W_FRIENDLY = weight("profanity.friendly")
_RE = re.compile(r"\b(?:" + "|".join(sorted(lx.PROFANITY, key=len, reverse=True)) + r")\b")


class Profanity:
    name = NAME
    cues = Cues(phrases=lx.PROFANITY)

    def apply(self, s: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in s.matches(_RE):
            h = hit(s, NAME, m)
            after = s.right(h.end, 30, 2)
            if any(t in lx.POSITIVE for t in after):
                span = f"{m.group(0)} {after[0]}"
                end = s.text.find(after[0], h.end)
                if end >= 0:
                    h = Hit(s, NAME, h.start, end + len(after[0]), span)
                out.append(
                    h.heat(W_FRIENDLY, "friendly profanity '{span}'", evidence="banter", span=span)
                )
            else:
                out.append(
                    h.heat(W_HEAT, "profanity '{span}'", outsider=s.comment.outsider_context)
                )
        return out
