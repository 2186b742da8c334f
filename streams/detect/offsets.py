"""Offsets through text preparation: which part of the original comment a span came from.

Preparation derives new texts from the comment (HTML removed, quotes replaced by a marker,
lower-cased, informal spellings normalised). Each step records an `OffsetMap` from its output
back to its input: copied runs map one to one, a replaced run maps to the whole run it
replaced. `Chain` composes the steps, so a rule's span in the prepared text becomes offsets
into the comment as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable


class OffsetMap:
    """Pieces of a derived text: (derived start, source start, source end, copied)."""

    __slots__ = ("_pieces", "_starts")

    def __init__(self, pieces: list[tuple[int, int, int, bool]]) -> None:
        self._pieces = pieces
        self._starts = [p[0] for p in pieces]

    def source(self, start: int, end: int) -> tuple[int, int]:
        """The source offsets of derived text [start, end)."""
        if not self._pieces:
            return start, end
        i = max(0, bisect_right(self._starts, start) - 1)
        d, a, b, copied = self._pieces[i]
        s = min(a + (start - d), b) if copied else a
        if end <= start:
            return s, s
        j = max(0, bisect_right(self._starts, end - 1) - 1)
        d, a, b, copied = self._pieces[j]
        e = min(a + (end - d), b) if copied else b
        return s, max(s, e)


class Edit:
    """Builds a derived text from a source, piece by piece, with its OffsetMap."""

    __slots__ = ("_len", "_out", "_pieces", "src")

    def __init__(self, src: str) -> None:
        self.src = src
        self._out: list[str] = []
        self._pieces: list[tuple[int, int, int, bool]] = []
        self._len = 0

    def copy(self, a: int, b: int) -> None:
        if a >= b:
            return
        pieces = self._pieces
        if pieces and pieces[-1][3] and pieces[-1][2] == a:
            d, a0, _, _ = pieces[-1]
            pieces[-1] = (d, a0, b, True)
        else:
            pieces.append((self._len, a, b, True))
        self._out.append(self.src[a:b])
        self._len += b - a

    def replace(self, a: int, b: int, text: str) -> None:
        self._pieces.append((self._len, a, b, False))
        self._out.append(text)
        self._len += len(text)

    def done(self) -> tuple[str, OffsetMap]:
        return "".join(self._out), OffsetMap(self._pieces)


def sub(
    pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str], text: str
) -> tuple[str, OffsetMap | None]:
    """pattern.sub(repl, text), with the map back to `text` (None when nothing matched)."""
    edit: Edit | None = None
    last = 0
    for m in pattern.finditer(text):
        if edit is None:
            edit = Edit(text)
        edit.copy(last, m.start())
        edit.replace(m.start(), m.end(), repl if isinstance(repl, str) else repl(m))
        last = m.end()
    if edit is None:
        return text, None
    edit.copy(last, len(text))
    return edit.done()


def replace(text: str, spans: list[tuple[int, int]], repl: str) -> tuple[str, OffsetMap | None]:
    """`text` with each of the (sorted, disjoint) spans replaced by `repl`, with its map."""
    if not spans:
        return text, None
    edit = Edit(text)
    last = 0
    for a, b in spans:
        edit.copy(last, a)
        edit.replace(a, b, repl)
        last = b
    edit.copy(last, len(text))
    return edit.done()


class Chain:
    """Maps applied one after another: offsets in the last text -> offsets in the first."""

    __slots__ = ("maps",)

    def __init__(self, maps: tuple[OffsetMap, ...] = ()) -> None:
        self.maps = maps

    def then(self, m: OffsetMap | None) -> Chain:
        return self if m is None else Chain((*self.maps, m))

    def source(self, start: int, end: int) -> tuple[int, int]:
        for m in reversed(self.maps):
            start, end = m.source(start, end)
        return start, end


IDENTITY = Chain()


def lower(text: str) -> tuple[str, OffsetMap | None]:
    """text.lower() with its map (None unless some character lower-cases to several)."""
    low = text.lower()
    if len(low) == len(text):
        return low, None
    pieces: list[tuple[int, int, int, bool]] = []
    d = 0
    for i, ch in enumerate(text):
        n = len(ch.lower())
        if n == 1 and pieces and pieces[-1][3] and pieces[-1][2] == i:
            pieces[-1] = (pieces[-1][0], pieces[-1][1], i + 1, True)
        else:
            pieces.append((d, i, i + 1, n == 1))
        d += n
    return low, OffsetMap(pieces)
