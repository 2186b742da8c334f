"""Findings -> one Score: attacks and heat add up as a noisy-or; the strongest attack decides
whom the comment is aimed at; reasons are the attacks' (strongest first), then the heat's."""

from __future__ import annotations

import re
from collections.abc import Sequence

from streams.detect.findings import ELSEWHERE, Finding, Reason, TargetKind
from streams.detect.weights import weight

_AS_HEAT = weight("combine.attack_as_heat")
CAP = weight("combine.cap").of()
MAX_REASONS = 6
_MAX_NOTES = 6
_THIRD_PRONOUN = re.compile(r"\b(?:he|she|him|her|he's|she's)\b")


def noisy_or(ws: Sequence[float]) -> float:
    p = 1.0
    for w in ws:
        p *= 1.0 - min(max(w, 0.0), CAP)
    return 1.0 - p


class Combined:
    """The parts of a Score that come from findings."""

    __slots__ = (
        "attack",
        "elsewhere",
        "hostility",
        "kind",
        "named",
        "peer_heat",
        "reasons",
        "spans",
    )

    def __init__(self) -> None:
        self.attack = 0.0
        self.hostility = 0.0
        self.peer_heat = 0.0
        self.kind: TargetKind = "none"
        self.named: str | None = None
        self.reasons: list[Reason] = []
        self.elsewhere: tuple[str, ...] = ()
        self.spans: tuple[tuple[int, int], ...] = ()


def combine(findings: list[Finding], named: list[str], second: bool, low: str) -> Combined:
    """`named`: participants named in the comment; `second`: it says 'you' somewhere."""
    out = Combined()
    if not findings:
        return out
    attacks = [f for f in findings if f.attack]
    heat = [f.weight for f in findings if not f.attack and not f.outsider]
    outsider_heat = [f.weight for f in findings if not f.attack and f.outsider]
    notes = [f.reason for f in findings if not f.attack and f.reason is not None][:_MAX_NOTES]
    attack = noisy_or([a.weight for a in attacks]) if attacks else 0.0
    peer = noisy_or(heat + [_AS_HEAT.of(a.weight) for a in attacks])
    hostility = max(attack, noisy_or([peer, *outsider_heat]))
    peer_heat = max(attack, peer)
    if outsider_heat and not second:
        # "Lowlife scum. Hope every one of those bastards gets caught."
        attacks = [a for a in attacks if a.target != "bare"]
        attack = noisy_or([a.weight for a in attacks]) if attacks else 0.0
        peer_heat = max(attack, noisy_or(heat + [_AS_HEAT.of(a.weight) for a in attacks]))
    seen: set[str] = set()
    reasons: list[Reason] = []
    if attacks:
        best = max(attacks, key=lambda a: a.weight)
        kind, named_target = best.target, best.named
        if kind == "bare":
            # "What a useless prat. He's made the country a laughing stock."
            kind = "third" if not second and _THIRD_PRONOUN.search(low) else "second"
        if named and kind == "third":
            # 'he' most likely means the participant named last before it
            kind, named_target = "named", named[-1]
        elif len(named) == 1 and kind == "second" and not second:
            kind, named_target = "named", named[0]
        out.kind, out.named = kind, named_target
        for a in sorted(attacks, key=lambda a: -a.weight):
            assert a.reason is not None
            text = a.reason.describe()
            if text not in seen:
                reasons.append(a.reason)
                seen.add(text)
    for n in notes:
        text = n.describe()
        if text not in seen:
            reasons.append(n)
            seen.add(text)
    out.attack = round(min(attack, CAP), 3)
    out.hostility = round(min(hostility, CAP), 3)
    out.peer_heat = round(min(peer_heat, CAP), 3)
    out.reasons = reasons[:MAX_REASONS]
    found = {f.evidence for f in findings}
    out.elsewhere = tuple(e for e in ELSEWHERE if e in found)
    out.spans = tuple((f.start, f.end) for f in findings)
    return out
