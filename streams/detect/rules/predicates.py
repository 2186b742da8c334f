"""'<subject> is ... <insult>' and '<someone> called you <insult>': the subject decides.

you / you lot -> the person addressed; I, we -> self-deprecation; your landlord -> someone of
the reader's; your logic -> the reader; he, she, this guy -> someone in the third person
(or an outsider, when the comment is about outsiders); a participant's name -> them;
anyone else -> others or outsiders.
"""

from __future__ import annotations

from streams.detect import lexicons as lx
from streams.detect.findings import Finding, TargetKind
from streams.detect.negation import negated
from streams.detect.rules.base import Hit
from streams.detect.weights import weight

NAME = "insults"
W_NEGATED = weight("insult.negated")
W_ADDRESSED = weight("insult.addressed")
W_SELF = weight("predicate.self")
W_YOUR_PEOPLE = weight("predicate.your_people")
W_YOUR_MIND = weight("predicate.your_mind")
W_YOUR_THING = weight("predicate.your_thing")
W_THIRD = weight("predicate.third")
W_THIRD_OUTSIDER = weight("predicate.third_outsider")
W_NAMED = weight("predicate.named")
W_OTHERS = weight("predicate.others")
W_CALLED = weight("called.by_me")
W_CALLED_OUTSIDER = weight("called.outsider")
W_REPORTED = weight("called.reported")
W_THING = weight("insult.about_a_thing")
THINGS = frozenset(["it", "this", "that", "which", "what", "there", "here"])

MIND_NOUNS = frozenset(
    "brain brains mind head thought thoughts thinking process processes logic reasoning "
    "comprehension reading grasp understanding intellect intelligence iq attitude behaviour "
    "behavior ego personality manners character".split()
)
_THIRD_NOUNS = frozenset(
    ("guy", "bloke", "poster", "commenter", "one", "person", "chap", "fella", "troll")
)
_AUX = frozenset(
    ("'d", "would", "will", "'ll", "just", "even", "must", "to", "have", "had", "could")
)


def predicate(h: Hit, left: list[str], j: int, subj: str, is_negated: bool) -> Finding:
    """`subj` (left[j]) is the subject of '<subj> is/are ... <insult>'."""
    c = h.s.comment
    if is_negated:
        return h.heat(W_NEGATED, "negated insult '{span}'", evidence="negated")
    if subj in lx.SECOND or (subj in ("lot", "guys") and "you" in left[max(0, j - 2) : j]):
        return h.attack(W_ADDRESSED, "second", "insult '{span}' addressed to {target}")
    if subj in lx.SELF or subj == "i":
        return h.heat(W_SELF, "self-deprecation '{span}' (not an attack)", evidence="self")
    np = left[max(0, j - 3) : j + 1]
    if "your" in np and not lx.PEOPLE_NOUNS.isdisjoint(np[np.index("your") + 1 :]):
        # "your landlord's a greedy parasite": about someone else, not the reader
        about = (("about", " ".join(np)),)
        return h.heat(W_YOUR_PEOPLE, "insult '{span}' about {about}", outsider=True, fields=about)
    if "your" in np:
        w = W_YOUR_MIND if any(t in MIND_NOUNS for t in np) else W_YOUR_THING
        thing = (("thing", " ".join(np[np.index("your") + 1 :])),)
        return h.attack(w, "second", "'your {thing}' called '{span}'", fields=thing)
    if subj in ("he", "she") or (
        subj in _THIRD_NOUNS and j > 0 and left[j - 1] in ("this", "that", "the")
    ):
        if c.third_outsider and not h.span.startswith("troll"):
            return h.heat(W_THIRD_OUTSIDER, "insult '{span}' about an outsider", outsider=True)
        template = "'{subject} is {span}' said about {target}"
        return h.attack(W_THIRD, "third", template, fields=(("subject", subj),))
    if subj in THINGS:
        # "which is ridiculous", "that's idiotic": about something said, not about someone
        return h.heat(W_THING, "'{span}' about something said")
    aid = c.participants.get(subj)
    if aid is None and j > 0:
        aid = c.participants.get(left[j - 1] + subj)
    if aid is not None:
        return h.attack(W_NAMED, "named", "insult '{span}' about participant {target}", named=aid)
    outsider = subj in lx.OUTSIDERS or subj in lx.PLURAL_OTHER
    where = "at outsiders" if outsider else "at others"
    template = f"insult '{{span}}' {where} ({{subject}})"
    return h.heat(W_OTHERS, template, outsider=outsider, fields=(("subject", subj),))


def called(h: Hit, before: list[str], obj: TargetKind, clause: int = 0) -> Finding:
    """'<subject> called/would call you|him <insult>': `before` are the tokens before the verb
    (`clause`: where the clause starts in them)."""
    subj = next((t for t in reversed(before) if t not in _AUX), "")
    if subj == "i" and not negated(before, clause=clause):
        if obj == "third" and h.s.comment.outsider_context:
            return h.heat(W_CALLED_OUTSIDER, "insult '{span}' about an outsider", outsider=True)
        return h.attack(W_CALLED, obj, "calls {target} '{span}'")
    return h.heat(W_REPORTED, "reported speech '{span}' (not an attack)", evidence="reported")
