"""Informal spellings, so that the rules see "you're", "he's" and friends."""

from __future__ import annotations

import re

from streams.detect.offsets import Chain, sub
from streams.detect.unmask import unmask

_INFORMAL = re.compile(
    r"\b(u r|youre|hes|shes|im|ive|youve|dont|cant|wont|doesnt|isnt|thats|couldnt|wouldnt|"
    r"shouldnt|didnt|wasnt|arent|werent|youll|youd|theyre|yer)\b"
)
_UR_IS = re.compile(
    r"\bur\b(?=\s+(?:a|an|so|such|literally|just|really|the|not|being|always|clearly|"
    r"obviously|actually|totally|completely|honestly|probably|definitely)\b)"
)
_UR = re.compile(r"\bur\b")
_NORMALISED = {
    "u r": "you are",
    "youre": "you're",
    "hes": "he's",
    "shes": "she's",
    "im": "i'm",
    "ive": "i've",
    "youve": "you've",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "thats": "that's",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "didnt": "didn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "werent": "weren't",
    "youll": "you'll",
    "youd": "you'd",
    "theyre": "they're",
    "yer": "your",
}


def normalise(low: str, chain: Chain | None = None) -> tuple[str, Chain]:
    """'ur literally a fossil' -> "you're literally a fossil"; 'ur kids' -> 'your kids';
    'you d*ckhead' -> 'you dickhead' (unmask.py).

    Returns the text and `chain` extended with the map back to `low`.
    """
    chain = chain or Chain()
    low = unmask(low)  # "d*ckhead" -> "dickhead": same length, so the chain is unchanged
    if "ur" in low and _UR.search(low):  # (_UR_IS only matches where _UR does)
        low, m = sub(_UR_IS, "you're", low)
        chain = chain.then(m)
        low, m = sub(_UR, "your", low)
        chain = chain.then(m)
    if _INFORMAL.search(low):
        low, m = sub(_INFORMAL, lambda m: _NORMALISED[m.group(1)], low)
        chain = chain.then(m)
    return low, chain
