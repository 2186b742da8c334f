"""The rule scorer's vocabulary, loaded once from the data files in this folder.

Weighted lexicons (`*.tsv`: phrase, weight 0-1) and word sets (`*.txt`: one per line). The
loader (`loader.py`) rejects a file that lists a phrase twice or gives it two weights.
"""

from __future__ import annotations

from streams.detect.lexicons.loader import HERE, Lexicon, load_weighted, load_words


def _weighted(name: str, kinds: frozenset[str] = frozenset()) -> Lexicon:
    return load_weighted(HERE / f"{name}.tsv", kinds)


def _words(name: str) -> frozenset[str]:
    return frozenset(load_words(HERE / f"{name}.txt"))


INSULTS = _weighted("insults", frozenset({"noun", "adj"}))
"""Insult words and phrases; kind 'noun' ("you're a ___", "you ___") or 'adj' ("so ___")."""
CONTEMPT = _weighted("contempt")
IMPERATIVES = _weighted("imperatives")
CONDESCENSION = _weighted("condescension")
THIRD_PERSON = _weighted("third_person")
SARCASM = _weighted("sarcasm")
PROFANITY = load_words(HERE / "profanity.txt")

MODIFIERS = _words("modifiers")
COPULAS = _words("copulas")
SECOND = _words("second_person")
SELF = _words("first_person")
PLURAL_OTHER = _words("plural_others")
NEGATORS = _words("negators")
CALL_VERBS = _words("call_verbs")
POSITIVE = _words("positive")
OUTSIDERS = _words("outsiders")
FRIENDLY_VOCATIVES = _words("friendly_vocatives")
FRIENDLY_CUES = _words("friendly_cues")
FRIENDLY_IMPERATIVES = _words("friendly_imperatives")
FRIENDLY_EMOJI = load_words(HERE / "friendly_emoji.txt")
PEOPLE_NOUNS = _words("people_nouns")
FORUM_TALK = _words("forum_talk")
INSULT_SUFFIXES = load_words(HERE / "insult_suffixes.txt")
NOT_INSULT_SUFFIXED = _words("not_insult_suffixed")
COMMON_CAPITALS = _words("common_capitals")
NAME_ORDINARY = _words("name_ordinary")
