"""What rules read: the comment (`Comment`) and one sentence of it at a time (`Sentence`).

Each sentence is tokenised once, with offsets; a rule asks for the tokens before a position
(`left`), never re-tokenising the prefix, so scoring stays linear in the sentence length
however many cues it has. Offsets of a rule's span are translated back to the comment text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice

from streams.detect.negation import first_disclaimer_end
from streams.detect.offsets import IDENTITY, Chain
from streams.detect.tokens import TOKEN, split, tokens

MAX_FINDINGS = 100
"""Findings per comment: rules stop looking once a comment has this many (its scores are
saturated long before); the reasons say so."""
LEFT_WINDOW = 32
"""Tokens before a cue a rule may look at (the rest is summarised: counts, 'you' seen)."""
_LONG_TOKEN = 100
"""A word cut by a cue position is read by at most its last this many characters."""
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|u|ya)\b")
_COMMA = re.compile(",")


@dataclass(slots=True)
class Comment:
    """The comment as the rules see it: lower-cased, normalised own words and what is known
    about the conversation."""

    low: str
    words: set[str]
    """Its words (tokens.comment_words)."""
    runs: set[str]
    """Its alphanumeric runs (tokens.comment_words), for the prefilter."""
    participants: Mapping[str, str]
    origin: Chain
    """Offsets in `low` -> offsets in the comment text."""
    own: str = ""
    """The replier's own words as written (before lower-casing)."""
    own_origin: Chain = IDENTITY
    """Offsets in `own` -> offsets in the comment text."""
    outsider_context: bool = False
    """Heat in this comment is read as aimed at outsiders (talk of them, no participant named)."""
    third_outsider: bool = False
    """'he'/'she' in this comment most likely means someone outside the conversation."""
    friendly: bool = False
    """The comment is pleased for someone: mild vocative insults are banter."""
    memo: dict[str, object] = field(default_factory=dict)
    """Per-comment values rules compute once (e.g. which frames' gates are open)."""
    found: int = 0
    """Findings so far."""
    limit: int = MAX_FINDINGS

    @property
    def room(self) -> int:
        """How many more findings the comment may have."""
        return max(0, self.limit - self.found)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in `low` -> offsets in the comment text."""
        return self.origin.source(start, end)

    def own_span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in `own` -> offsets in the comment text."""
        return self.own_origin.source(start, end)


@dataclass(frozen=True, slots=True)
class Left:
    """The tokens before a position: the last LEFT_WINDOW of them, and how many there are."""

    tokens: list[str]
    before: int
    """Tokens before the window."""
    sentence: Sentence
    clause: int = 0
    """Index in `tokens` of the first token after the last comma (0: none in the window)."""

    @property
    def count(self) -> int:
        return self.before + len(self.tokens)

    def you_through(self, i: int) -> bool:
        """Is 'you' among the tokens up to and including window index i?"""
        return self.sentence.you_before(self.before) or "you" in self.tokens[: i + 1]


class Sentence:
    """One sentence of the comment, tokenised once."""

    __slots__ = (
        "_commas",
        "_disclaimer",
        "_first",
        "_raw",
        "_second",
        "_toks",
        "_you",
        "comment",
        "offset",
        "text",
    )

    def __init__(self, text: str, offset: int, comment: Comment) -> None:
        self.text = text
        self.offset = offset
        self.comment = comment
        self._raw: list[tuple[int, int]] | None = None
        self._toks: list[str] = []
        self._first: list[int] = []
        self._you: list[int] = []
        self._disclaimer: int | None = None
        self._commas: list[int] | None = None
        self._second: bool | None = None

    def _tokenise(self) -> list[tuple[int, int]]:
        raw: list[tuple[int, int]] = []
        toks = self._toks
        first = self._first
        you = self._you
        n_you = 0
        for m in TOKEN.finditer(self.text):
            raw.append(m.span())
            first.append(len(toks))
            for t in split(m.group(0)):
                you.append(n_you)
                toks.append(t)
                if t == "you":
                    n_you += 1
        first.append(len(toks))
        you.append(n_you)
        self._raw = raw
        return raw

    @property
    def words(self) -> int:
        """How many tokens the sentence has."""
        if self._raw is None:
            self._tokenise()
        return len(self._toks)

    def left(self, pos: int, window: int = LEFT_WINDOW) -> Left:
        """The tokens of text[:pos] (as `tokens(text[:pos])` gives them), windowed."""
        raw = self._raw if self._raw is not None else self._tokenise()
        k = bisect_right(raw, (pos, pos)) - 1  # last raw token starting before pos
        cut: list[str] = []
        if k >= 0 and raw[k][1] > pos:
            # a word cut by the position: read its part before pos
            a = max(raw[k][0], pos - _LONG_TOKEN)
            cut = tokens(self.text[a:pos])
            full = self._first[k]
        else:
            full = self._first[k + 1]
        take = max(0, window - len(cut))
        start = max(0, full - take)
        window_toks = self._toks[start:full] + cut
        if len(window_toks) > window:
            window_toks = window_toks[-window:]
        before = full + len(cut) - len(window_toks)
        return Left(window_toks, before, self, self._clause(pos, before))

    def _clause(self, pos: int, before: int) -> int:
        """Window index of the first token after the last comma before pos."""
        if self._commas is None:
            self._commas = [m.start() for m in _COMMA.finditer(self.text)]
        c = bisect_right(self._commas, pos - 1) - 1
        if c < 0:
            return 0
        raw = self._raw or []
        first_after = self._first[bisect_right(raw, (self._commas[c], pos + 1))]
        return max(0, first_after - before)

    def you_before(self, n: int) -> bool:
        """Is 'you' among the first n tokens of the sentence?"""
        if self._raw is None:
            self._tokenise()
        n = min(n, len(self._you) - 1)
        return n > 0 and self._you[n] > 0

    def matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """The pattern's matches in the sentence, as many as the comment has room for."""
        return islice(pattern.finditer(self.text), self.comment.room)

    def right(self, pos: int, chars: int, n: int) -> list[str]:
        """The first n tokens of the `chars` characters from pos."""
        return tokens(self.text[pos : pos + chars])[:n]

    def disclaimed(self, pos: int) -> bool:
        """Does a disclaimer ("I'm not saying", "nobody called you") come before pos?"""
        if self._disclaimer is None:
            self._disclaimer = first_disclaimer_end(self.text)
        return pos >= self._disclaimer

    @property
    def second_person(self) -> bool:
        if self._second is None:
            self._second = _SECOND_PERSON.search(self.text) is not None
        return self._second

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Sentence offsets -> offsets in the comment text."""
        return self.comment.span(self.offset + start, self.offset + end)
