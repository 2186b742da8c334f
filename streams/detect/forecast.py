"""Early warning: how likely a two-person exchange is to turn into personal attacks, from its
trajectory so far. Pure, deterministic, bounded (reads only the dyad's remembered turns).

The signals are the ones the research on derailing conversations names (Zhang et al. 2018,
"Conversations Gone Awry"; Chang & Danescu-Niculescu-Mizil 2019): rising heat, sarcasm and
insinuation, direct questioning and second-person openings, no hedging, fast alternation,
quoting each other, and the learned tiers' scores turn by turn. A logistic combination with
fixed, documented weights keeps every warning explainable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from streams.detect.capitals import mostly_capitals
from streams.detect.state import CommentRec
from streams.detect.trie import trie_pattern

# per-comment cues, stored on CommentRec.cues as a bit mask
OPENS_2P = 1
QUESTION = 2
HEDGE = 4
SARCASM = 8
QUOTES = 16
EXCLAIM = 32
CAPS = 64

_OPENS_2P = re.compile(r"^\W*(?:@\S+\s+|\w+[,:–—-]\s+)?(?:you|your|you're|youre|u|ur)\b", re.I)
_HEDGES = (
    "i think|i guess|i suppose|maybe|perhaps|probably|possibly|it seems|i'm not sure|"
    "i may be wrong|in my view|in my opinion|imo|imho|fair point|i see your point|to be fair|"
    "i agree|good point|sorry|apologies"
).split("|")
# as a trie, behind a look-ahead for the hedges' first letters ("you.re right": any apostrophe)
_HEDGE = re.compile(
    rf"\b(?=[{''.join(sorted({h[0] for h in _HEDGES}))}y])(?:{trie_pattern(_HEDGES, exact=True)}"
    r"|you.re right)\b",
    re.I,
)


def cues(own: str, reasons: Sequence[object], quoted: bool) -> int:
    """The cue bits of one comment's own words (linear time, bounded input)."""
    text = own[:2000]
    bits = 0
    if _OPENS_2P.search(text[:80]):
        bits |= OPENS_2P
    if "?" in text:
        bits |= QUESTION
    if _HEDGE.search(text):
        bits |= HEDGE
    if any("sarcasm" in str(r) for r in reasons):
        bits |= SARCASM
    if quoted:
        bits |= QUOTES
    if "!" in text:
        bits |= EXCLAIM
    if mostly_capitals(text[:400], 12):
        bits |= CAPS
    return bits


@dataclass(frozen=True, slots=True)
class Forecast:
    probability: float
    why: str


# Weights of the forecast (log-odds). Chosen by hand on the tuning threads and the spent
# blind threads, then frozen; the fresh blind threads measure them (docs/DETECTION.md).
W_BIAS = -4.2
W_TURNS = 0.35  # per alternation, up to 6
W_HEAT = 3.0  # mean heat of the last two turns
W_RISE = 2.5  # heat of the last two turns above the first two
W_SARCASM = 0.7  # per turn with sarcasm or insinuation, up to 3
W_OPENS_2P = 0.45  # per turn of the last four opening with "you"
W_QUESTION = 0.25  # per turn of the last four asking
W_UNHEDGED = 0.35  # per turn of the last four without any hedge
W_QUOTES = 0.4  # they quote each other
W_FAST = 0.5  # the last turns came within 10 minutes of each other


def forecast(turns: Sequence[CommentRec], min_turns: int = 2) -> Forecast | None:
    """The derailment forecast of a dyad's exchange (turns in arrival order), or None when
    it is too short to say anything (fewer than `min_turns` turns or only one speaker)."""
    t = _trajectory(turns, min_turns)
    if t is None:
        return None
    p, first2, last2, sarcastic, opens, recent, unhedged, quotes, fast = t
    parts = [f"{len(turns)} turns" + (" in quick succession" if fast else "")]
    parts.append(f"heat {first2:.2f} -> {last2:.2f}")
    if sarcastic:
        parts.append(f"sarcasm/insinuation in {sarcastic}")
    if opens:
        parts.append(f"{opens} of the last {recent} open with 'you'")
    if unhedged == recent:
        parts.append("no hedging")
    if quotes:
        parts.append("quoting each other")
    return Forecast(p, ", ".join(parts))


def warning_probability(turns: Sequence[CommentRec], min_turns: int = 2) -> float:
    """forecast(turns, min_turns).probability (0.0 when None), without the explanation."""
    t = _trajectory(turns, min_turns)
    return 0.0 if t is None else t[0]


def _trajectory(
    turns: Sequence[CommentRec], min_turns: int
) -> tuple[float, float, float, int, int, int, int, bool, bool] | None:
    """(probability, first2, last2, sarcastic, opens, len(recent), unhedged, quotes, fast)."""
    if len(turns) < min_turns or len({t.author_id for t in turns}) < 2:
        return None
    alternations = sum(1 for a, b in pairwise(turns) if a.author_id != b.author_id)
    heat = [max(t.peer_heat, t.fast or 0.0) for t in turns]
    last2 = sum(heat[-2:]) / 2
    first2 = sum(heat[:2]) / 2
    recent = turns[-4:]
    sarcastic = sum(1 for t in turns if t.cues & SARCASM)
    opens = sum(1 for t in recent if t.cues & OPENS_2P)
    questions = sum(1 for t in recent if t.cues & QUESTION)
    unhedged = sum(1 for t in recent if not t.cues & HEDGE)
    quotes = any(t.cues & QUOTES for t in turns)
    gaps = [b.ts - a.ts for a, b in pairwise(turns[-3:])]
    fast = bool(gaps) and max(gaps) <= 600
    z = (
        W_BIAS
        + W_TURNS * min(alternations, 6)
        + W_HEAT * last2
        + W_RISE * max(0.0, last2 - first2)
        + W_SARCASM * min(sarcastic, 3)
        + W_OPENS_2P * opens
        + W_QUESTION * questions
        + W_UNHEDGED * unhedged
        + W_QUOTES * quotes
        + W_FAST * fast
    )
    p = 1.0 / (1.0 + math.exp(-z))
    return round(p, 3), first2, last2, sarcastic, opens, len(recent), unhedged, quotes, fast
