"""What rules find (`Finding`) and how a finding explains itself (`Reason`).

A reason stays structured (rule, the words it fired on, where they are, a template) until an
alert is built; only then is it rendered to text, with the resolved target filled in. The
commenter's own words are never searched and replaced: they are inserted last, in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, NamedTuple

TargetKind = Literal["second", "third", "named", "none", "bare"]
"""Whom an attack is aimed at: the person addressed, someone talked about in the third person,
a participant named in the text, nobody, or (bare) a lone insult, resolved when combining."""

Elsewhere = Literal["outsider", "self", "quoted", "reported", "negated", "banter"]
"""Positive evidence that some heat aims elsewhere than at a participant."""
ELSEWHERE: tuple[Elsewhere, ...] = ("outsider", "self", "quoted", "reported", "negated", "banter")

TARGET = "{target}"
"""How an unresolved target is shown (Reason.describe() without a target)."""

_FIELD = re.compile(r"\{\{|\}\}|\{(\w+)\}")
_BRACES = str.maketrans({"{": "{{", "}": "}}"})


class Reason(NamedTuple):
    """Why a tier scored a comment as it did.

    `template` is written by the rule, e.g. "insult '{span}' addressed to {target}"; `{span}`
    is the text the rule fired on, `{target}` the participant it is aimed at (filled when the
    alert is built), other `{name}`s come from `fields`. `start`/`end` are offsets into the
    comment text (None for reasons about the whole comment). (A named tuple: cheap to make
    and to decode from a stored state.)
    """

    rule: str
    template: str
    span: str = ""
    start: int | None = None
    end: int | None = None
    fields: tuple[tuple[str, str], ...] = ()
    tier: str = "rules"

    def describe(self, target: str = TARGET) -> str:
        """The reason as text, with `target` for {target} (by default the placeholder)."""
        values = dict(self.fields)
        values["span"] = self.span
        values["target"] = target

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name is None:
                return m.group(0)[0]  # '{{' or '}}': a brace of the text
            return values.get(name, m.group(0))

        return _FIELD.sub(fill, self.template)

    def compact(self) -> Reason:
        """The same reason with everything but {target} filled in (the filled-in words' own
        braces escaped), and no span text: what the thread state keeps. The span is still
        there as offsets into the comment."""
        if not self.span and not self.fields:
            return self
        values = {k: v.translate(_BRACES) for k, v in self.fields}
        values["span"] = self.span.translate(_BRACES)

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name is None or name == "target":
                return m.group(0)
            return values.get(name, m.group(0))

        template = _FIELD.sub(fill, self.template)
        return Reason(self.rule, template, "", self.start, self.end, (), self.tier)

    def __str__(self) -> str:
        return self.describe()

    def render(self, target: str | None) -> str:
        """'rules: insult 'muppet' addressed to u-42': which tier fired, and why."""
        return f"{self.tier}: {self.describe(target or 'someone')}"

    @classmethod
    def text(cls, text: str, tier: str = "rules") -> Reason:
        """A reason that is already text (e.g. decoded from an older state)."""
        return cls(rule="", template="{text}", fields=(("text", text),), tier=tier)


def render(reasons: Iterable[Reason | str], target: str | None) -> list[str]:
    """Reasons as text for an alert; plain strings (from other scorers) pass through."""
    return [r if isinstance(r, str) else r.render(target) for r in reasons]


class Finding(NamedTuple):
    """One rule firing on one span: an attack on someone, or heat."""

    rule: str
    """The rule family (module under streams/detect/rules)."""
    weight_key: str
    """The entry of the weights table (streams/detect/weights.py) the weight comes from."""
    weight: float
    attack: bool
    """An attack on a participant (else heat)."""
    target: TargetKind = "none"
    named: str | None = None
    """Author id when target == 'named'."""
    outsider: bool = False
    """Heat aimed at people outside the conversation."""
    start: int = 0
    end: int = 0
    """Offsets into the comment text."""
    reason: Reason | None = None
    """None for silent findings (heat that explains nothing on its own)."""
    evidence: Elsewhere | None = None
    """Why the finding was discounted: the heat aims elsewhere."""
