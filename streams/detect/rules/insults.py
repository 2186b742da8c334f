"""Insult words: for each one, of whom is it said?

'you idiot', "you're a complete idiot", 'are you thick?', 'the clueless dinosaur you are',
'like a playground bully' (said to you); 'What a clown.' (thrown at whoever is answered);
'he's a troll', 'Dave is an idiot' (see predicates.py); 'called me a troll' (reported);
'I was stupid' (self-deprecation); 'the minister is a clown' (an outsider).
"""

from __future__ import annotations

import re

from streams.detect import lexicons as lx
from streams.detect.context import Left, Sentence
from streams.detect.findings import Elsewhere, Finding
from streams.detect.lexicons.loader import compact
from streams.detect.negation import is_negator, negated
from streams.detect.rules import predicates
from streams.detect.rules.base import Cues, Hit, hit, pattern
from streams.detect.tokens import key
from streams.detect.weights import weight

NAME = "insults"
W_ADDRESSED = weight("insult.addressed")
W_YOU_ARE = weight("insult.the_x_you_are")
W_SIMILE = weight("insult.simile")
W_BARE = weight("insult.bare")
W_BARE_HEAT = weight("insult.bare_heat")
W_YOUR = weight("insult.your_x")
W_BE_A = weight("insult.be_a")
W_LABEL = weight("insult.label")
W_THING = weight("insult.about_a_thing")
W_STRONG = weight("insult.strong")
W_MILD = weight("insult.mild")
STRONG_FROM = weight("insult.strong_from").of()
W_NEGATED = weight("insult.negated")
W_BANTER = weight("insult.banter")
W_SELF = weight("insult.self")

_FORMS = frozenset(key(e.phrase) for e in lx.INSULTS.entries) | frozenset(
    compact(e.phrase) for e in lx.INSULTS.entries
)
_THINGS = frozenset(["it", "this", "that", "which", "what", "there", "here"])
MOD = lx.MODIFIERS | {"kind", "sort", "of", "what", "such", "total", "typical", "sheer"}
_NEG_COPULAS = frozenset(("isn't", "aren't", "wasn't", "weren't", "ain't"))
ARTICLES = frozenset(("a", "an", "such", "the"))
_NOT_ADJ = frozenset(
    "is are was were be been being am of to in on at for with who which that and or but i you "
    "he she it we they me him her them my your his their our not has have had do does did will "
    "would can could should think know said called 're 's 'm 've 'd 'll no than from by about "
    "like as if so when what".split()
)
_NOT_ADVERB = frozenset(
    "only family reply july italy fly ally belly holy early daily weekly likely friendly lonely "
    "elderly costly jolly rally tally apply supply rely lovely ugly".split()
)
_YOU_ARE_END = re.compile(
    r"(?<!\s)(?:\s++[a-z\-]++){0,2}\s++you(?:'re|\s++are|\s++were)\s*+(?:[.!?,;]|$)"
)
_INVERTING = ("is", "was", "are", "were")


def is_insult_word(tok: str) -> bool:
    """Is this single token one of the insults ('idiot', 'halfwit', 'two-faced')?"""
    return tok in _FORMS or ("-" in tok and tok.replace("-", "") in _FORMS)


def adjectival(tok: str) -> bool:
    """Could be an adjective in a noun phrase ('holier-than-thou', 'crabby', 'old')."""
    return tok.replace("-", "").isalpha() and tok not in _NOT_ADJ


def skip_modifiers(left: list[str], noun: bool) -> int:
    """Index of the first token left of an insult that is not a modifier ('such a complete')."""
    i = len(left) - 1
    # "a known crank", "the most crashing bore": adjectives back to the article
    for k in range(i, max(-1, i - 4), -1):
        if left[k] in ARTICLES:
            if all(adjectival(tok) for tok in left[k + 1 :]):
                i = k - 1
            break
    while i >= 0:
        tok = left[i]
        if (
            tok in MOD
            or is_insult_word(tok)
            or (tok.endswith("ly") and len(tok) > 4 and tok not in _NOT_ADVERB)
            or (not noun and tok in ("this", "that", "too", "so"))
        ):
            i -= 1
            continue
        break
    return i


def _strength(word: str, shaped: float | None) -> tuple[float, str, bool, bool] | None:
    """(strength, stem, noun, plural) of a matched insult, or None."""
    base = key(word)
    if shaped is not None:
        return shaped, base, True, base.endswith("s") and lx.INSULTS.entry(base[:-1]) is not None
    entry = lx.INSULTS.entry(word)
    stem = base
    if entry is None:
        for suffix in ("es", "s"):
            if base.endswith(suffix):
                entry = lx.INSULTS.entry(base[: -len(suffix)])
                if entry is not None:
                    stem = key(base[: -len(suffix)])
                    break
    if entry is None:
        return None
    noun = entry.kind == "noun"
    plural = noun and (
        base != stem or (base.endswith("s") and lx.INSULTS.entry(base[:-1]) is not None)
    )
    return entry.weight, stem, noun, plural


def judge(s: Sentence, m: re.Match[str], out: list[Finding], shaped: float | None = None) -> None:
    """The finding for the insult `m` in sentence `s`, by whom it is said of."""
    found = _strength(m.group(0), shaped)
    if found is None:
        return
    strength, stem, noun, plural = found
    c = s.comment
    h = hit(s, NAME, m, strength)
    disclaimed = s.disclaimed(h.start)
    lw = s.left(h.start)
    left = lw.tokens
    right = s.right(h.end, 40, 4)
    # "spoken like the clueless dinosaur you are"
    if "you" in right[:3] and not disclaimed and _YOU_ARE_END.match(s.text, h.end):
        out.append(h.attack(W_YOU_ARE, "second", "'the {span} you are' said to {target}"))
        return
    i = skip_modifiers(left, noun)
    if noun and i >= 1 and left[i] == "'s" and not (set(left[i + 1 :]) & ARTICLES):
        # possessive, not a copula: "you're a developer's stooge"
        i = skip_modifiers(left[: i - 1], noun)
    between = left[i + 1 :]
    # a simile: "..., like a playground bully"
    if "like" in between and i >= 0 and lw.you_through(i):
        upto = left[: i + 1]
        you_at = max((k for k, t in enumerate(upto) if t == "you"), default=0)
        if not negated(upto, you_at, clause=lw.clause):
            out.append(h.attack(W_SIMILE, "second", "likened to a '{span}': {target}"))
            return
    if i >= 0 and noun and lw.count <= 2 and all(adjectival(t) for t in left):
        i = -1  # a bare noun phrase: "Curtain-twitching busybody."
    if i < 0:
        if s.words <= 4 and not c.outsider_context and not disclaimed and not plural:
            out.append(h.attack(W_BARE, "bare", "insult '{span}' thrown at {target}"))
        else:
            out.append(h.heat(W_BARE_HEAT, "insult '{span}'"))
        return
    t = left[i]
    if t not in lx.SECOND and noun:
        # vocative with adjectives: "you tedious prick", "you selfish cow"
        for k in range(i - 1, max(-1, i - 3), -1):
            if left[k] in lx.SECOND and all(adjectival(t) for t in left[k + 1 : i + 1]):
                i, t, between = k, left[k], left[k + 1 :]
                break
    if t in lx.SECOND:
        out.append(_addressed(h, lw, i, between, stem, disclaimed))
    elif t in ("me", "myself", "us"):
        evidence: Elsewhere = "reported" if i > 0 and left[i - 1] in lx.CALL_VERBS else "self"
        template = "reported/self-directed '{span}' (not an attack)"
        out.append(h.heat(W_SELF, template, evidence=evidence))
    elif t in ("him", "her") and i > 0 and left[i - 1] in lx.CALL_VERBS:
        out.append(predicates.called(h, left[: i - 1], "third", lw.clause))
    elif t == "your":
        if disclaimed or negated(left, i, clause=lw.clause):
            out.append(h.heat(W_NEGATED, evidence="negated"))
        else:
            out.append(h.attack(W_YOUR, "second", "'your {span} ...' aimed at {target}"))
    elif i > 0 and left[i - 1] in _INVERTING and (t in ("he", "she") or t in c.participants):
        # inverted: "is heenan73 completely unhinged?", "is he stupid?"
        neg = disclaimed or negated(left, i - 1, clause=lw.clause)
        out.append(predicates.predicate(h, left, i, t, neg))
    elif t in lx.COPULAS or t in _NEG_COPULAS:
        j = i
        while j >= 0 and (left[j] in lx.COPULAS or left[j] in MOD or is_negator(left[j])):
            j -= 1
        if j < 0:
            # "Be a man", "Being this thick must hurt"
            out.append(h.heat(W_BE_A, "insult '{span}'"))
        else:
            neg = disclaimed or negated(left, j, clause=lw.clause)
            out.append(predicates.predicate(h, left, j, left[j], neg))
    elif t in lx.CALL_VERBS:
        out.append(h.heat(W_LABEL, "label '{span}'"))
    elif t in _THINGS:
        out.append(h.heat(W_THING, "'{span}' about something said"))
    else:
        w = W_STRONG if strength >= STRONG_FROM else W_MILD
        outsider = t in lx.PLURAL_OTHER or t in lx.OUTSIDERS
        out.append(h.heat(w, "insult '{span}'", outsider=outsider))


def _addressed(
    h: Hit, lw: Left, i: int, between: list[str], stem: str, disclaimed: bool
) -> Finding:
    """The insult follows 'you' (and adjectives): 'you idiot', 'you absolute muppet'."""
    left = lw.tokens
    prev = left[i - 1] if i > 0 else ""
    if prev in lx.CALL_VERBS:
        return predicates.called(h, left[: i - 1], "second", lw.clause)
    if disclaimed or negated(left, i, clause=lw.clause):
        return h.heat(W_NEGATED, "negated insult '{span}'", evidence="negated")
    vocative = not between or all(adjectival(t) for t in between)
    after = h.s.right(h.end, 20, 1)
    praised = not lx.POSITIVE.isdisjoint(between) or not lx.POSITIVE.isdisjoint(after)
    if vocative and (praised or (stem in lx.FRIENDLY_VOCATIVES and h.s.comment.friendly)):
        return h.heat(W_BANTER, "friendly banter '{span}'", evidence="banter")
    return h.attack(W_ADDRESSED, "second", "insult '{span}' addressed to {target}")


class Insults:
    """Insult words and phrases of the lexicon (insults.tsv), with -s/-es plurals."""

    name = NAME
    cues = Cues(phrases=lx.INSULTS.phrases)

    def __init__(self) -> None:
        self._re = pattern(lx.INSULTS.phrases, right=r"(?:e?s)?\b")

    def apply(self, sentence: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for m in sentence.matches(self._re):
            judge(sentence, m, out)
        return out
