"""What fired, where: highlight spans in a comment, and rule names, derived from reasons.

Alerts (v1) carry reasons such as `imperative 'grow up' at steveh` but no character offsets:
the quoted words are looked up in the comment text (case-insensitive, any apostrophe, any
run of spaces between words, whole words only). An alert that does carry offsets
(`comments[].spans` as `[start, end]` pairs) is used as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

# A quoted fragment: opens after start/space/bracket, closes before end/space/punctuation, so
# "'can't read'" is one fragment.
QUOTED = re.compile(r"(?:^|(?<=[\s(\[]))'(.+?)'(?=$|[\s),.;:\]!?])")
_CUT = re.compile(r"\s+(?:aimed at|at|about|towards|to)\s.*$")
_APOS = "['\u2019\u2018`]"

Span = tuple[int, int]


def quoted_words(reasons: Iterable[str]) -> list[str]:
    out: list[str] = []
    for reason in reasons:
        for match in QUOTED.finditer(reason):
            phrase = match.group(1).strip()
            if phrase and phrase not in out:
                out.append(phrase)
    return out


def _pattern(phrase: str) -> re.Pattern[str] | None:
    words = [w for w in re.split(r"\s+", phrase.strip()) if w]
    if not words:
        return None
    parts = [_APOS.join(re.escape(piece) for piece in re.split(_APOS, w)) for w in words]
    return re.compile(r"(?<!\w)" + r"\W{1,3}".join(parts) + r"(?!\w)", re.IGNORECASE)


def find_spans(text: str, phrases: Iterable[str]) -> list[Span]:
    """Merged, sorted (start, end) spans of every occurrence of every phrase."""
    found: list[Span] = []
    for phrase in phrases:
        pattern = _pattern(phrase)
        if pattern is None:
            continue
        found.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
    return merge(found)


def merge(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def carried_spans(comment: dict[str, Any], text_length: int) -> list[Span] | None:
    """Offsets the alert itself carries for a comment, if any (validated, clipped)."""
    raw = comment.get("spans")
    if not isinstance(raw, list):
        return None
    spans: list[Span] = []
    for item in raw:
        pair = (item.get("start"), item.get("end")) if isinstance(item, dict) else item
        if (
            isinstance(pair, list | tuple) and len(pair) == 2
            and all(isinstance(v, int) for v in pair) and 0 <= pair[0] < pair[1]
        ):
            spans.append((pair[0], min(pair[1], text_length)))
    return merge(spans)


def segments(text: str, spans: Sequence[Span]) -> list[tuple[str, bool]]:
    """The text cut into (piece, highlighted) parts, for a template to escape and wrap."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            out.append((text[pos:start], False))
        if end > start:
            out.append((text[start:end], True))
        pos = max(pos, end)
    if pos < len(text):
        out.append((text[pos:], False))
    return out


_TIER_REASON = re.compile(r"^([a-z][a-z /-]*?)\s+\d+(?:\.\d+)?\b")


def rule_name(reason: str) -> str:
    """`imperative 'grow up' at steveh` → `imperative`; `'x' called 'y'` → `'…' called '…'`;
    a learned tier's `fast model 0.77: 'to', …` → `fast model`."""
    tier = _TIER_REASON.match(reason)
    if tier:
        return tier.group(1)
    name = QUOTED.sub("'…'", reason).strip()
    if name.startswith("'…'"):
        return re.sub(r"\s+(?:at|aimed at)\s+\S+$", "", name)  # keep the frame, drop a target
    name = _CUT.sub("", name).strip()
    return re.sub(r"\s*'…'$", "", name).strip() or name


def rule_names(reasons: Iterable[str]) -> list[str]:
    out: list[str] = []
    for reason in reasons:
        name = rule_name(reason)
        if name and name not in out:
            out.append(name)
    return out
