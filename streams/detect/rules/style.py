"""Comment style: shouting and exclamations. They add heat only to a comment in which some
rule found heat: capitals and '!!' alone are as often joy as anger ('JUST GOT TICKETS!!')."""

from __future__ import annotations

import re

from streams.detect.context import Comment
from streams.detect.findings import Finding, Reason
from streams.detect.weights import weight

NAME = "style"
W_CAPITALS = weight("style.capitals")
W_EXCLAMATIONS = weight("style.exclamations")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_EXCLAIM = re.compile(r"!!|\?!")


def _finding(c: Comment, w_key: str, w: float, span: tuple[int, int], text: str) -> Finding:
    a, b = c.own_span(*span)
    return Finding(NAME, w_key, w, False, start=a, end=b, reason=Reason(NAME, text, start=a, end=b))


class Style:
    """Amplifiers: applied to the whole comment after the sentence rules."""

    name = NAME

    def apply(self, c: Comment, findings: list[Finding]) -> list[Finding]:
        if not findings:
            return []
        out: list[Finding] = []
        caps = _CAPS_WORD.finditer(c.own)
        first = next(caps, None)
        if first is not None and next(caps, None) is not None:
            out.append(
                _finding(c, W_CAPITALS.key, W_CAPITALS.of(), first.span(), "shouting (capitals)")
            )
        bang = _EXCLAIM.search(c.own)
        if bang is not None:
            out.append(
                _finding(c, W_EXCLAMATIONS.key, W_EXCLAMATIONS.of(), bang.span(), "exclamations")
            )
        return out
