"""Per-comment scoring: how strongly a comment attacks a participant, how hot it is, and why.

`Scorer` is the interface (batch in, scores out) so model-based scorers can plug in;
`RuleScorer` is the fast built-in one. It reads only the replier's own words (quotes and
copied headers are removed first, and at most a budget of characters), sends comments with no
cue of any rule out at once (the prefilter), and otherwise applies every rule family
(streams/detect/rules) to every sentence and combines their findings (combine.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from streams.detect import lexicons as lx
from streams.detect.combine import MAX_REASONS, combine
from streams.detect.context import MAX_FINDINGS, Comment, Sentence
from streams.detect.findings import TARGET, Finding, Reason, TargetKind
from streams.detect.lookup import Lookup
from streams.detect.offsets import lower
from streams.detect.prefilter import Prefilter
from streams.detect.rules import RULES, STYLE, Rule
from streams.detect.spelling import normalise
from streams.detect.text import Prepared, leading_name, named_participants, prepare
from streams.detect.tokens import comment_words

__all__ = ["TARGET_PLACEHOLDER", "RuleScorer", "Score", "ScoreInput", "Scorer", "TargetKind"]

TARGET_PLACEHOLDER = TARGET
DEFAULT_MAX_CHARS = 20_000
"""Characters of a comment the rule scorer reads when not told otherwise (DetectConfig)."""


@dataclass(frozen=True, slots=True)
class ScoreInput:
    text: str
    participants: Mapping[str, str] = field(default_factory=dict)
    """Normalised name key -> author id, for the thread's other participants."""
    context_outsider: bool = False
    """The comment being answered talks about outsiders: a bare 'What a clown.' is about them."""
    max_chars: int | None = None
    """Read at most this many characters (None: the scorer's own budget)."""


@dataclass(frozen=True, slots=True)
class Score:
    attack: float
    """0-1: how strongly the comment attacks a participant of the conversation."""
    hostility: float
    """0-1: general heat, outsiders included."""
    target: TargetKind
    """Whom the strongest attack is aimed at: the person addressed, someone talked about
    in the third person, a participant named in the text, or nobody."""
    named_target: str | None
    """Author id when target == 'named'."""
    reasons: tuple[Reason, ...]
    """Rules and spans that fired, structured; rendered (with the target) for alerts."""
    outsider: bool = False
    """The comment talks about people outside the conversation (politicians, companies...)."""
    peer_heat: float = 0.0
    """0-1: the part of the hostility aimed at participants (outsiders left out)."""
    elsewhere: tuple[str, ...] = ()
    """Positive evidence that some of the heat aims elsewhere than at a participant, from
    {"outsider", "self", "quoted", "reported", "negated", "banter"}: heat found aimed at
    outsiders, self-deprecation, hostile words inside quotes, reported speech, negated or
    disclaimed insults, friendly banter. The scores above already account for it."""
    spans: tuple[tuple[int, int], ...] = ()
    """(start, end) offsets into the comment text of every finding, in rule order."""


ZERO = Score(0.0, 0.0, "none", None, ())
_ZERO_OUTSIDER = Score(0.0, 0.0, "none", None, (), True)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|u|ya)\b")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|;\s*|(?<!\s)\s+[–—]\s+|:\s+")
_PROPER = re.compile(r"(?<=[a-z,;]\s)([A-Z][a-z]{2,})")
_PREFILTER = Prefilter(RULES)
_FEW_SENTENCES = 8


class Scorer(Protocol):
    def score_batch(self, items: Sequence[ScoreInput]) -> list[Score]: ...


class RuleScorer:
    """Fast, explainable rules. Deterministic; no I/O; ~tens of microseconds per comment.

    `max_chars`: the length budget (only the first max_chars characters are read; the reasons
    say so). `prefilter=False` applies every rule to every comment (for tests: the result
    must be the same).
    """

    def __init__(self, max_chars: int | None = DEFAULT_MAX_CHARS, prefilter: bool = True) -> None:
        self.max_chars = max_chars
        self.prefilter = prefilter

    def score_batch(self, items: Sequence[ScoreInput]) -> list[Score]:
        return [
            self.score(it.text, it.participants, it.context_outsider, it.max_chars) for it in items
        ]

    def score(
        self,
        text: str,
        participants: Mapping[str, str] | None = None,
        context_outsider: bool = False,
        max_chars: int | None = None,
    ) -> Score:
        prepared = prepare(text, self.max_chars if max_chars is None else max_chars)
        return self.score_prepared(prepared, participants or {}, context_outsider)

    def score_prepared(
        self, prepared: Prepared, participants: Mapping[str, str], context_outsider: bool = False
    ) -> Score:
        own = prepared.own
        low, m = lower(own)
        low = low.replace("’", "'").replace("‘", "'")
        low, origin = normalise(low, prepared.origin.then(m))
        words, runs = comment_words(low)
        own_outsider = _outsider_context(own, words, participants)
        c = Comment(low, words, runs, participants, origin, own=own, own_origin=prepared.origin)
        rules = _PREFILTER.rules_for(c) if self.prefilter else RULES
        if not rules:
            return _plain(prepared, own_outsider)
        c.friendly = not lx.FRIENDLY_CUES.isdisjoint(words) or any(
            e in low for e in lx.FRIENDLY_EMOJI
        )
        named: list[str] = []
        if participants:
            lookup = participants if isinstance(participants, Lookup) else dict(participants)
            lead = leading_name(own, lookup)
            named = [a for a in named_participants(own, lookup) if a != lead]
            addressing = lead is not None or named_participants(own, lookup, include_vocative=True)
            if addressing and not lx.FORUM_TALK.isdisjoint(words):
                context_outsider = False  # talking to a participant about the conversation
        second = bool(_SECOND_PERSON.search(low))
        c.outsider_context = (own_outsider or (context_outsider and not second)) and not named
        c.third_outsider = (not lx.OUTSIDERS.isdisjoint(words) or context_outsider) and not named
        findings: list[Finding] = []
        prev = n = 0
        for n, sep in enumerate(_SENT_SPLIT.finditer(low), 1):
            self._sentence(low[prev : sep.start()], prev, c, rules, findings, n > _FEW_SENTENCES)
            prev = sep.end()
            if not c.room:
                break
        else:
            self._sentence(low[prev:], prev, c, rules, findings, n >= _FEW_SENTENCES)
        capped = not c.room
        findings.extend(STYLE.apply(c, findings))
        parts = combine(findings, named, second, low)
        elsewhere = parts.elsewhere
        if prepared.quoted and "quoted" not in elsewhere and _quoted_cues(prepared):
            elsewhere = (*elsewhere, "quoted")
        reasons = _with_budget(parts.reasons, prepared, capped)
        if not findings and not reasons and not elsewhere:
            return _ZERO_OUTSIDER if own_outsider else ZERO
        return Score(
            parts.attack,
            parts.hostility,
            parts.kind,
            parts.named,
            tuple(reasons),
            own_outsider,
            parts.peer_heat,
            elsewhere,
            parts.spans,
        )

    def _sentence(
        self,
        text: str,
        offset: int,
        c: Comment,
        rules: tuple[Rule, ...],
        out: list[Finding],
        check: bool,
    ) -> None:
        """Apply the rules to one sentence (after the first few sentences, only those whose
        cues are in it: a long comment of civil sentences costs little)."""
        if not text.strip():
            return
        if check and self.prefilter:
            rules = _PREFILTER.rules_for(c, text)
        s = Sentence(text, offset, c)
        for rule in rules:
            found = rule.apply(s)
            out.extend(found)
            c.found += len(found)
            if not c.room:
                return


def _plain(prepared: Prepared, outsider: bool) -> Score:
    """The score of a comment with no cue of any rule."""
    reasons = _with_budget([], prepared)
    quoted = bool(prepared.quoted) and _quoted_cues(prepared)
    if not reasons and not quoted:
        return _ZERO_OUTSIDER if outsider else ZERO
    return Score(
        0.0, 0.0, "none", None, tuple(reasons), outsider, 0.0, ("quoted",) if quoted else ()
    )


def _quoted_cues(prepared: Prepared) -> bool:
    """Are there hostile words in the quoted material (set aside, not judged)?"""
    low, _ = normalise(" ¶ ".join(prepared.quoted).lower().replace("’", "'"))
    return _PREFILTER.words(low)


def _with_budget(reasons: list[Reason], prepared: Prepared, capped: bool = False) -> list[Reason]:
    """The reasons, saying so when the length budget cut the comment or the rules stopped
    looking after MAX_FINDINGS findings."""
    notes = []
    if prepared.truncated:
        fields = (("scored", f"{prepared.scored:,}"), ("length", f"{prepared.length:,}"))
        notes.append(
            Reason("budget", "scored only the first {scored} of {length} characters", fields=fields)
        )
    if capped:
        notes.append(
            Reason(
                "budget", "stopped looking after {n} findings", fields=(("n", str(MAX_FINDINGS)),)
            )
        )
    if not notes:
        return reasons
    return [*reasons[: MAX_REASONS - len(notes)], *notes]


def _outsider_context(own: str, words: set[str], participants: Mapping[str, str]) -> bool:
    """The comment talks about people outside the conversation."""
    if not lx.OUTSIDERS.isdisjoint(words):
        return True
    for name in _PROPER.findall(own):
        if name.lower() not in participants and name.lower() not in lx.COMMON_CAPITALS:
            return True
    return False
