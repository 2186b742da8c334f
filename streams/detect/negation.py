"""The one negation policy, and disclaimers ("I'm not saying you're...").

`negated(left, anchor)`: `left` are the sentence's tokens before a cue, `anchor` the index
in `left` of what the cue is said of (the subject: 'you', 'he', 'your'; by default the cue
itself). A negator counts from WINDOW tokens before the anchor up to the cue:

    I don't think | you are an | idiot     ("don't" is within the window before 'you')
    you are not a | idiot                  (between the subject and the cue)

but not across a comma ("not with you, you're a leech": the negation was of another
clause), not after a conditional ('if you weren't such a fool' still calls you one), and never
for a cue that is itself a negative command ("don't feed the troll", "stop whining").

Whether a rule's cue can be negated at all is the rule's business (a put-down like "I don't
have crayons" contains its own negation); how negation is read is decided only here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from streams.detect.lexicons import NEGATORS

WINDOW = 3
"""Tokens before the anchor in which a negator negates the cue."""
_CONDITIONALS = frozenset({"if"})
_NEGATIVE_COMMANDS = ("don't", "do not", "stop", "never")


def is_negator(token: str) -> bool:
    return token in NEGATORS or token.endswith("n't")


def negated(left: Sequence[str], anchor: int | None = None, cue: str = "", clause: int = 0) -> bool:
    """Is the cue after `left` negated? `clause`: the index in `left` of the first token after
    the last comma (a negator before it is in another clause). See the module docstring."""
    if cue.startswith(_NEGATIVE_COMMANDS):
        return False
    start = max(0, clause, (len(left) if anchor is None else anchor) - WINDOW)
    for k in range(start, len(left)):
        tok = left[k]
        if tok in _CONDITIONALS:
            return False  # a negator after 'if' does not deny the cue
        if is_negator(tok):
            return True
    return False


DISCLAIMER = re.compile(
    r"\b(?:not|never|n't|nobody|no one|noone)\b[^.!?]{0,25}\b(?:saying|calling|suggesting|"
    r"implying|claiming|said|called|think|thinks|thought|believe|believes|meant|mean|accusing)\b"
)
"""'I'm not saying', 'nobody called you', 'never thought': what follows is not asserted."""


def first_disclaimer_end(sentence: str) -> int:
    """The smallest position p such that sentence[:p] contains a disclaimer (len + 1 if none).

    Whether a cue at p is disclaimed is then `p >= first_disclaimer_end(sentence)`: a few
    searches per sentence, however many cues it has (not one search of the prefix per cue).
    """
    if DISCLAIMER.search(sentence) is None:
        return len(sentence) + 1
    lo, hi = 0, len(sentence)  # invariant: a match within [0, hi), none within [0, lo)
    while lo < hi:
        mid = (lo + hi) // 2
        if DISCLAIMER.search(sentence, 0, mid) is None:
            lo = mid + 1
        else:
            hi = mid
    return lo


# "No, you're not being dramatic", "nah ur not bad", "Nobody here thinks you're a bad mum",
# "no one is calling you a liar": reassurance, whatever the predicate (which need not be in
# any lexicon). Bounded gaps, so the search stays linear.
_REASSURANCE = re.compile(
    r"^\W*(?:no|nah|nope)\b[\s,.!]+(?:you(?:'re|’re| are)|ur)\b[^.?!]{0,40}?\bnot\b"
    r"|\b(?:nobody|no one|no-one)\b[^.?!]{0,30}\b(?:thinks?|says?|said|saying|calling|called)\b"
    r"[^.?!]{0,25}\byou",
    re.IGNORECASE,
)
REASSURANCE_CAP = 0.3
"""The most the encoder tier may say about a reassuring negation. Sentence embeddings do not
see negation: the encoder gave "No, you're not bad" 0.76 and "no, you're not being dramatic at
all" 0.97. Leave-one-split-out on 31 splits: negation pairs right 240 -> 255 of 273, no attack
lost (recall 0.877 both), precision 0.943 -> 0.947 (docs/DETECTION.md)."""


def reassures(own: str) -> bool:
    """The reply reassures someone by denying something of them (see _REASSURANCE)."""
    return _REASSURANCE.search(own[:2000]) is not None
