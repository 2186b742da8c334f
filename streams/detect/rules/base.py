"""The `Rule` protocol, the cues a rule declares for the prefilter, and finding builders."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from streams.detect.context import Comment, Sentence
from streams.detect.findings import Elsewhere, Finding, Reason, TargetKind
from streams.detect.trie import trie_pattern
from streams.detect.weights import Weight


@dataclass(frozen=True, slots=True)
class Cues:
    """What must be in a comment for a rule to fire at all (the prefilter's index is built
    from these). A rule may fire only if every word of one of `phrases` is in the comment,
    or one of `symbols` is a substring of it, or `check` says so."""

    phrases: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    check: Callable[[Comment, str], bool] | None = None
    """(comment, text) -> may the rule fire in `text` (the comment's or one sentence's)?"""


class Rule(Protocol):
    name: str
    cues: Cues

    def apply(self, sentence: Sentence) -> list[Finding]: ...


def pattern(
    phrases: tuple[str, ...] | list[str], left: str = r"\b", right: str = r"\b"
) -> re.Pattern[str]:
    """One regex for a lexicon's phrases (a space matches spaces or hyphens, a hyphen is
    optional), between `left` and `right` boundaries."""
    return re.compile(left + "(?:" + trie_pattern(phrases) + ")" + right)


class Hit:
    """A cue found at sentence offsets [start, end): builds the findings for it.

    `span` is the text the reasons quote; `strength` the lexicon weight of the cue (a
    finding weighs `weight.of(strength)`).
    """

    __slots__ = ("end", "rule", "s", "span", "start", "strength")

    def __init__(
        self, s: Sentence, rule: str, start: int, end: int, span: str, strength: float = 1.0
    ) -> None:
        self.s = s
        self.rule = rule
        self.start = start
        self.end = end
        self.span = span
        self.strength = strength

    def attack(
        self,
        w: Weight,
        kind: TargetKind,
        template: str,
        named: str | None = None,
        fields: tuple[tuple[str, str], ...] = (),
    ) -> Finding:
        """An attack on a participant."""
        a, b = self.s.span(self.start, self.end)
        reason = Reason(self.rule, template, self.span, a, b, fields)
        weight = w.of(self.strength)
        return Finding(self.rule, w.key, weight, True, kind, named, False, a, b, reason)

    def heat(
        self,
        w: Weight,
        template: str | None = None,
        outsider: bool = False,
        evidence: Elsewhere | None = None,
        fields: tuple[tuple[str, str], ...] = (),
        span: str | None = None,
    ) -> Finding:
        """Heat; silent (no reason) without a template. Heat at outsiders is evidence that
        the comment's heat aims elsewhere."""
        a, b = self.s.span(self.start, self.end)
        text = self.span if span is None else span
        reason = Reason(self.rule, template, text, a, b, fields) if template is not None else None
        if outsider and evidence is None:
            evidence = "outsider"
        weight = w.of(self.strength)
        return Finding(
            self.rule, w.key, weight, False, "none", None, outsider, a, b, reason, evidence
        )


def hit(
    s: Sentence, rule: str, m: re.Match[str], strength: float = 1.0, span: str | None = None
) -> Hit:
    """The Hit of match `m` (its text is the span unless `span` is given)."""
    return Hit(s, rule, m.start(), m.end(), m.group(0) if span is None else span, strength)
