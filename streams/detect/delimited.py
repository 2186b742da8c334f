"""Delimited spans ("…", <…>) found in linear time.

A pattern like `“[^”\\n]{1,600}”` is cheap for one opening quote but costs up to 600 steps
for each: a comment of 50,000 unclosed quotes takes 30 million. `Delimited` finds exactly the
matches such an alternation of patterns finds (leftmost first, non-overlapping), but rules
out every opening that shares the same first stop character at once, so each character is
looked at a bounded number of times.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Alt:
    """`opener [^stops]{lo,hi} closer after`, where the closer is one of the stop characters."""

    opener: re.Pattern[str]
    """Where a span may open (may carry a lookbehind)."""
    stops: re.Pattern[str]
    """A character that ends the inside: a closer, or one that forbids the span (newline)."""
    closers: str
    lo: int
    hi: int
    after: Callable[[str, int], bool] | None = None
    """A test of the text after the closer (a lookahead), given the text and the position."""
    run: re.Pattern[str] | None = None
    """For an opener that is also a closer ('"'): a run of them, only the last of which can
    open a span (the others close at once, with nothing inside)."""


class Delimited:
    """The matches of `pattern` = `alt_1|alt_2|...` (alternatives that open on different
    characters). Texts up to `short` characters are searched with the pattern itself (it is
    cheap there and faster to start), longer ones by the linear scan."""

    def __init__(self, pattern: re.Pattern[str], *alts: Alt, short: int = 600) -> None:
        self.pattern = pattern
        self.alts = alts
        self.short = short

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each match, left to right."""
        if len(text) <= self.short:
            return [m.span() for m in self.pattern.finditer(text)]
        return list(self.scan(text))

    def scan(self, text: str) -> Iterator[tuple[int, int]]:
        """The linear scan (the same matches as the pattern)."""
        n = len(text)
        nxt: list[int | None] = [self._open(a, text, 0) for a in self.alts]
        while True:
            best = None
            for k, p in enumerate(nxt):
                if p is not None and (best is None or p < nxt[best]):  # type: ignore[operator]
                    best = k
            if best is None:
                return
            alt = self.alts[best]
            p = nxt[best]
            assert p is not None
            m = alt.stops.search(text, p + 1)
            q = m.start() if m is not None else n
            inside = q - p - 1
            closed = q < n and text[q] in alt.closers and alt.lo <= inside <= alt.hi
            if closed and (alt.after is None or alt.after(text, q + 1)):
                yield p, q + 1
                nxt = [
                    self._open(a, text, q + 1) if (x is not None and x <= q) else x
                    for a, x in zip(self.alts, nxt, strict=True)
                ]
                continue
            if q >= n:
                nxt[best] = None  # no stop after p: no later opening of this kind closes
            elif inside > alt.hi and text[q] in alt.closers:
                nxt[best] = self._open(alt, text, max(p + 1, q - 1 - alt.hi))
            elif inside < alt.lo and alt.run is not None and (r := alt.run.match(text, q)):
                nxt[best] = self._open(alt, text, max(p + 1, r.end() - 1))
            else:
                # every opening before q has the same first stop q, and fails as this one did
                nxt[best] = self._open(alt, text, max(p + 1, q))

    @staticmethod
    def _open(alt: Alt, text: str, pos: int) -> int | None:
        m = alt.opener.search(text, pos)
        return m.start() if m is not None else None

    def sub(self, repl: str, text: str) -> tuple[str, list[tuple[int, int]]]:
        """(text with each match replaced by `repl`, the spans replaced)."""
        spans = self.spans(text)
        if not spans:
            return text, spans
        out: list[str] = []
        last = 0
        for a, b in spans:
            out.append(text[last:a])
            out.append(repl)
            last = b
        out.append(text[last:])
        return "".join(out), spans
