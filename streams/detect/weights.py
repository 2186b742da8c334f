"""The one table of rule weights. A rule's finding weighs `scale * strength + base`, where
strength is the lexicon weight of the words that fired (1 when the rule has none).

Every weight a rule uses is named here; rules bind them at import (`weight("...")`), so a
missing name fails at once. Lexicon weights (how insulting each word is) live in the lexicon
data files; this table says how much a word counts in each construction.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Weight:
    key: str
    scale: float = 0.0
    base: float = 0.0
    note: str = ""

    def of(self, strength: float = 1.0) -> float:
        return self.scale * strength + self.base if self.scale else self.base


def _w(key: str, scale: float = 0.0, base: float = 0.0, note: str = "") -> Weight:
    return Weight(key, scale, base, note)


TABLE: dict[str, Weight] = {
    w.key: w
    for w in (
        # insults: who is an insult word said of?
        _w("insult.addressed", 0.9, note="'you idiot', 'you're so stupid', 'are you thick?'"),
        _w("insult.the_x_you_are", 0.85, note="'spoken like the clueless dinosaur you are'"),
        _w("insult.simile", 0.75, note="'..., like a playground bully'"),
        _w("insult.bare", 0.7, note="a short exclamation: 'What a clown.'"),
        _w("insult.bare_heat", 0.35, 0.1, note="a lone insult in a longer sentence"),
        _w("insult.your_x", 0.6, note="'your idiotic ...'"),
        _w("insult.be_a", 0.3, note="no subject: 'Be a man', 'Being this thick must hurt'"),
        _w("insult.label", base=0.2, note="after a labelling verb without a subject"),
        _w("insult.about_a_thing", 0.3, 0.05, note="'that's stupid': about something said"),
        _w("insult.strong", 0.5, note="a strong insult (strength >= 0.8) of nobody in particular"),
        _w("insult.mild", 0.25, note="a milder one"),
        _w("insult.strong_from", base=0.8, note="strength from which insult.strong applies"),
        _w(
            "insult.shaped", base=0.85, note="strength of an insult known by its shape (-bag, -wit)"
        ),
        _w("insult.negated", base=0.1, note="negated or disclaimed: 'I'm not saying you're...'"),
        _w("insult.banter", base=0.1, note="friendly banter: 'you jammy git!'"),
        _w("insult.self", base=0.1, note="reported or self-directed: 'called me a troll'"),
        # predicates: '<subject> is ... <insult>'
        _w("predicate.self", base=0.05, note="self-deprecation: 'I was stupid'"),
        _w("predicate.your_people", 0.5, 0.15, note="'your landlord's a parasite'"),
        _w("predicate.your_mind", 0.9, note="'your logic is idiotic'"),
        _w("predicate.your_thing", 0.6, note="'your idea is idiotic'"),
        _w("predicate.third", 0.85, note="'he's an idiot'"),
        _w("predicate.third_outsider", 0.5, 0.15, note="'he' most likely means an outsider"),
        _w("predicate.named", 0.9, note="'Dave is an idiot', Dave a participant"),
        _w("predicate.others", 0.5, 0.15, note="'the minister is an idiot'"),
        # 'I'd call you a liar'
        _w("called.by_me", 0.85, note="'I'd call you a liar'"),
        _w("called.outsider", 0.5, note="'I'd call him a liar', about an outsider"),
        _w("called.reported", base=0.15, note="'she called me a liar'"),
        # 'your sheer stupidity'
        _w("contempt.aimed", 1.0, note="the lexicon weight (contempt.tsv)"),
        _w("contempt.negated", base=0.1),
        # imperatives
        _w("imperative.aimed", 1.0, note="the lexicon weight (imperatives.tsv)"),
        _w("imperative.default", base=0.6, note="an imperative missing from the lexicon"),
        _w("imperative.after_name", 0.9, note="after a name or interjection: 'Dave, grow up'"),
        _w("imperative.negated", base=0.1),
        _w("imperative.banter", base=0.1, note="'shut up you cheeky sod haha'"),
        # condescension
        _w("condescension.aimed", 1.0, note="the lexicon weight (condescension.tsv)"),
        _w("condescension.default", base=0.6),
        _w("condescension.negated", base=0.15),
        _w("condescension.by_speaker", base=0.1, note="'I need crayons'"),
        _w("condescension.outsider", 0.6, note="about an outsider"),
        # third-person forum talk
        _w("third.aimed", 1.0, note="the lexicon weight (third_person.tsv)"),
        _w("third.outsider", 0.6, note="'ignore him' about an outsider"),
        # demeaning frames
        _w("frames.aimed", 1.0, note="the frame's own weight (rules/frames.py)"),
        # sarcasm and profanity
        _w("sarcasm.heat", 1.0, note="the lexicon weight (sarcasm.tsv)"),
        _w("sarcasm.default", base=0.3),
        _w("profanity.heat", base=0.3),
        _w("profanity.friendly", base=0.05, note="'bloody brilliant'"),
        # comment style, counted only when some rule found heat
        _w("style.capitals", base=0.15, note="two or more words in capitals"),
        _w("style.exclamations", base=0.1, note="'!!' or '?!'"),
        # combining findings
        _w("combine.attack_as_heat", 0.9, note="an attack also counts as heat, times this"),
        _w("combine.cap", base=0.99, note="no finding and no score above this"),
    )
}


def weight(key: str) -> Weight:
    """A named weight; raises KeyError for a name that is not in the table."""
    return TABLE[key]
