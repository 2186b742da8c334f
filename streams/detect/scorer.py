"""Per-comment scoring: how strongly a comment attacks a participant, how hot it is, and why.

`Scorer` is the interface (batch in, scores out) so model-based scorers can plug in later;
`RuleScorer` is the fast built-in one. It reads only the replier's own words (quotes and
copied headers are removed first), finds who each insult is predicated of (you / he, she /
a named participant / me / an outsider), and discounts negation, reported speech,
self-deprecation and friendly profanity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from streams.detect import lexicons as lx
from streams.detect.frames import any_frame, frame_matches, normalise, open_frames
from streams.detect.lexicons.loader import key as _lexkey
from streams.detect.text import Prepared, leading_name, named_participants, prepare
from streams.detect.trie import trie_pattern

TargetKind = Literal["second", "third", "named", "none", "bare"]
TARGET_PLACEHOLDER = "{target}"


@dataclass(frozen=True, slots=True)
class ScoreInput:
    text: str
    participants: Mapping[str, str] = field(default_factory=dict)
    """Normalised name key -> author id, for the thread's other participants."""
    context_outsider: bool = False
    """The comment being answered talks about outsiders: a bare 'What a clown.' is about them."""


@dataclass(frozen=True, slots=True)
class Score:
    attack: float
    """0-1: how strongly the comment attacks a participant of the conversation."""
    hostility: float
    """0-1: general heat, outsiders included."""
    target: TargetKind
    """Whom the strongest attack is aimed at: the person addressed, someone talked about
    in the third person, a participant named in the text, or nobody."""
    named_target: str | None
    """Author id when target == 'named'."""
    reasons: tuple[str, ...]
    """Rules and spans that fired; '{target}' stands for the resolved target."""
    outsider: bool = False
    """The comment talks about people outside the conversation (politicians, companies...)."""
    peer_heat: float = 0.0
    """0-1: the part of the hostility aimed at participants (outsiders left out)."""


ZERO = Score(0.0, 0.0, "none", None, ())
_ZERO_OUTSIDER = Score(0.0, 0.0, "none", None, (), True)
_THIRD_PRONOUN = re.compile(r"\b(?:he|she|him|her|he's|she's)\b")
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|u|ya)\b")


class Scorer(Protocol):
    def score_batch(self, items: Sequence[ScoreInput]) -> list[Score]: ...


# ---------------------------------------------------------------------------------------
# compiled patterns


def _alt(phrases: Iterable[str]) -> str:
    return trie_pattern(phrases)


def _key(phrase: str) -> str:
    return re.sub(r"[\s-]+", " ", phrase)


_INSULT_STRENGTH: dict[str, float] = lx.INSULTS.weights()
_NOUN_KEYS = {_lexkey(e.phrase) for e in lx.INSULTS.entries if e.kind == "noun"}

_INSULT_RE = re.compile(r"\b(?:" + _alt(lx.INSULTS.phrases) + r")(?:e?s)?\b")
_IMPERATIVE_RE = re.compile(r"\b(?:" + _alt(lx.IMPERATIVES) + r")\b")
_CONDESCEND_RE = re.compile(r"(?<![\w])(?:" + _alt(lx.CONDESCENSION) + r")(?![\w])")
_THIRD_RE = re.compile(r"\b(?:" + _alt(lx.THIRD_PERSON) + r")\b")
_SARCASM_RE = re.compile(r"(?<![\w])(?:" + _alt(lx.SARCASM) + r")(?![\w])")
_PROFANITY_RE = re.compile(
    r"\b(?:" + "|".join(sorted(lx.PROFANITY, key=len, reverse=True)) + r")\b"
)
_ABSTRACT = lx.CONTEMPT.weights()
_ABSTRACT_RE = re.compile(
    r"\byour\s+(?:(?:usual|typical|own|sheer|utter|total|complete|breathtaking|staggering|"
    r"wilful|willful|constant|endless|childish|pathetic|little|latest|daily|weekly)\s+){0,2}"
    r"(?P<w>" + _alt(lx.CONTEMPT.phrases) + r")\b"
)
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|;\s*|\s+[–—]\s+|:\s+")
_TOKEN = re.compile(r"[a-z0-9@][a-z0-9'\-*]*")
_CONTRACTION = re.compile(r"^(.+?)('s|'re|'m|'ve|'d|'ll)$")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_PROPER = re.compile(r"(?<=[a-z,;]\s)([A-Z][a-z]{2,})")

_KEY_TOKEN = re.compile(r"[a-z0-9']+")
# Common words: never chosen as the key of a phrase when a rarer word is there.
_STOP = frozenset(
    "you your you're yourself the a an is are have has no not don't can't what that this with "
    "for of to it and be he she his her him i i'm me my so do did does even just out up off on "
    "in at as like about from who why how too think something last useful say says said more "
    "been good question know time make get go see people way thing things really want well one "
    "would could should much many never ever every still back long little right new old first "
    "same other only also very any all some here there when where which while before after again "
    "down over under into thanks nice try read reading look put take give keep let seem seems "
    "tell told talk talking words word point life help because though true sure real doing done "
    "made going gone come came trying whole rest always nothing anything everyone someone anyone "
    "nobody day days year man woman work place part post comment mind head brain brains we they "
    "them our their was were will if or but then than now can cannot".split()
)


def _phrase_tokens(text: str) -> set[str]:
    """Tokens of a phrase or a text, with contractions also by their first part."""
    toks = set(_KEY_TOKEN.findall(text.replace("-", " ")))
    toks.update(t.split("'", 1)[0] for t in list(toks) if "'" in t)
    toks.discard("")
    return toks


def _keyword(req: frozenset[str]) -> str:
    rare = [t for t in req if t not in _STOP] or list(req)
    return max(sorted(rare), key=len)


def _build_index() -> dict[str, list[frozenset[str]]]:
    index: dict[str, list[frozenset[str]]] = {}
    groups = (
        lx.INSULTS.phrases,
        lx.IMPERATIVES,
        lx.CONDESCENSION,
        lx.THIRD_PERSON,
        lx.SARCASM,
        lx.PROFANITY,
        lx.CONTEMPT,
    )
    for group in groups:
        for phrase in group:
            req = frozenset(_phrase_tokens(phrase))
            if req:
                index.setdefault(_keyword(req), []).append(req)
    return index


_PHRASE_INDEX = _build_index()
_PHRASE_KEYS = frozenset(_PHRASE_INDEX)
_SYMBOL_CUES = tuple(p for p in lx.SARCASM if not _KEY_TOKEN.search(p))


def _text_tokens(low: str) -> set[str]:
    toks = _phrase_tokens(low)
    toks.update(
        [t[:-1] for t in toks if t.endswith("s")] + [t[:-2] for t in toks if t.endswith("es")]
    )
    return toks


def _has_cue(low: str, toks: set[str], frames: tuple[int, ...]) -> bool:
    """Cheap prefilter: is every word of some phrase in the text (or a suffixed insult)?"""
    for kw in toks & _PHRASE_KEYS:
        for req in _PHRASE_INDEX[kw]:
            if req <= toks:
                return True
    for m in _MORPH_RE.finditer(low):
        if m.group(0) not in lx.NOT_INSULT_SUFFIXED and len(m.group(0)) >= 6:
            return True
    if any_frame(low, frames):
        return True
    return any(c in low for c in _SYMBOL_CUES)


_MIND_NOUNS = frozenset(
    [
        "brain",
        "brains",
        "mind",
        "head",
        "thought",
        "thoughts",
        "thinking",
        "process",
        "processes",
        "logic",
        "reasoning",
        "comprehension",
        "reading",
        "grasp",
        "understanding",
        "intellect",
        "intelligence",
        "iq",
        "attitude",
        "behaviour",
        "behavior",
        "ego",
        "personality",
        "manners",
        "character",
    ]
)
_THINGS = frozenset(["it", "this", "that", "which", "what", "there", "here"])
_MOD = lx.MODIFIERS | {"kind", "sort", "of", "what", "such", "total", "typical", "sheer"}
_NEUTRAL_BEFORE_IMPERATIVE = frozenset(
    [
        "just",
        "please",
        "oh",
        "so",
        "now",
        "seriously",
        "honestly",
        "mate",
        "pal",
        "then",
        "and",
        "simply",
        "kindly",
        "dear",
        "go",
        "maybe",
        "perhaps",
        "why",
        "really",
        "well",
        "right",
        "look",
        "listen",
        "ok",
        "okay",
        "sir",
        "lol",
        "frankly",
        "buddy",
        "son",
        "love",
        "darling",
        "guys",
        "folks",
        "yeah",
        "yes",
        "no",
        "hey",
        "ah",
        "ahh",
        "again,",
        "but",
    ]
)
_BLOCK_BEFORE_IMPERATIVE = frozenset(
    [
        "to",
        "i",
        "we",
        "they",
        "he",
        "she",
        "will",
        "would",
        "could",
        "might",
        "must",
        "did",
        "didn't",
        "need",
        "needs",
        "have",
        "has",
        "had",
        "can",
        "cannot",
        "can't",
        "should",
        "shall",
        "'ll",
        "'d",
        "never",
        "let",
        "lets",
        "let's",
        "it",
        "that",
        "this",
        "kids",
        "children",
        "people",
        "who",
        "which",
        "when",
        "until",
        "before",
        "after",
        "as",
        "if",
        "won't",
        "wouldn't",
        "don't",
        "doesn't",
    ]
)
_NONASSERT = re.compile(
    r"\b(?:not|never|n't|nobody|no one|noone)\b[^.!?]{0,25}\b(?:saying|calling|suggesting|"
    r"implying|claiming|said|called|think|thinks|thought|believe|believes|meant|mean|accusing)\b"
)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        m = _CONTRACTION.match(tok)
        if m and not tok.endswith("n't"):
            out.append(m.group(1))
            out.append(m.group(2))
        else:
            out.append(tok)
    return out


@dataclass(slots=True)
class _Acc:
    attacks: list[tuple[float, TargetKind, str | None, str]] = field(default_factory=list)
    heat: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outsider_heat: list[float] = field(default_factory=list)
    friendly: bool = False
    """The comment is pleased for someone: mild vocative insults are banter."""
    frames: tuple[int, ...] = ()
    """Demeaning frames whose gates are open for this comment."""
    third_outsider: bool = False
    """'he'/'she' in this comment most likely means someone outside the conversation."""

    def attack(self, w: float, kind: TargetKind, named: str | None, reason: str) -> None:
        self.attacks.append((w, kind, named, reason))

    def hot(self, w: float, reason: str | None = None, outsider: bool = False) -> None:
        """Heat; `outsider` when it is aimed at people outside the conversation."""
        (self.outsider_heat if outsider else self.heat).append(w)
        if reason and len(self.notes) < 6:
            self.notes.append(reason)


def _noisy_or(ws: Sequence[float]) -> float:
    p = 1.0
    for w in ws:
        p *= 1.0 - min(max(w, 0.0), 0.99)
    return 1.0 - p


_YOU_ARE_END = re.compile(r"(?:\s+[a-z\-]+){0,2}\s+you(?:'re|\s+are|\s+were)\s*(?:[.!?,;]|$)")
_MORPH_RE = re.compile(
    r"\b[a-z]+(?:" + "|".join(sorted(lx.INSULT_SUFFIXES, key=len, reverse=True)) + r")\b"
)
_NEG_COPULAS = frozenset(("isn't", "aren't", "wasn't", "weren't", "ain't"))
_ARTICLES = frozenset(("a", "an", "such", "the"))
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


def _adjectival(tok: str) -> bool:
    """Could be an adjective in a noun phrase ('holier-than-thou', 'crabby', 'old')."""
    return tok.replace("-", "").isalpha() and tok not in _NOT_ADJ


def _skip_modifiers(left: list[str], noun: bool) -> int:
    """Index of the first token left of an insult that is not a modifier ('such a complete')."""
    i = len(left) - 1
    # "a known crank", "the most crashing bore": adjectives back to the article
    for k in range(i, max(-1, i - 4), -1):
        if left[k] in _ARTICLES:
            if all(_adjectival(tok) for tok in left[k + 1 :]):
                i = k - 1
            break
    while i >= 0:
        tok = left[i]
        if (
            tok in _MOD
            or tok in _INSULT_STRENGTH
            or (tok.endswith("ly") and len(tok) > 4 and tok not in _NOT_ADVERB)
            or (not noun and tok in ("this", "that", "too", "so"))
        ):
            i -= 1
            continue
        break
    return i


def _negated(tokens: Sequence[str]) -> bool:
    return any(t in lx.NEGATORS or t.endswith("n't") for t in tokens)


class RuleScorer:
    """Fast, explainable rules. Deterministic; no I/O; ~tens of microseconds per comment."""

    def score_batch(self, items: Sequence[ScoreInput]) -> list[Score]:
        return [self.score(it.text, it.participants, it.context_outsider) for it in items]

    def score(
        self,
        text: str,
        participants: Mapping[str, str] | None = None,
        context_outsider: bool = False,
    ) -> Score:
        prepared = prepare(text)
        return self.score_prepared(prepared, participants or {}, context_outsider)

    def score_prepared(
        self, prepared: Prepared, participants: Mapping[str, str], context_outsider: bool = False
    ) -> Score:
        own = prepared.own
        low = normalise(own.lower().replace("’", "'").replace("‘", "'"))
        toks = _text_tokens(low)
        own_outsider = self._outsider_context(own, toks, participants)
        frames = open_frames(low)
        if not _has_cue(low, toks, frames):
            return _ZERO_OUTSIDER if own_outsider else ZERO
        acc = _Acc(
            frames=frames,
            friendly=not lx.FRIENDLY_CUES.isdisjoint(toks)
            or any(e in low for e in lx.FRIENDLY_EMOJI),
        )
        named: list[str] = []
        if participants:
            lookup = dict(participants)
            lead = leading_name(own, lookup)
            named = [a for a in named_participants(own, lookup) if a != lead]
            addressing = lead is not None or named_participants(own, lookup, include_vocative=True)
            if addressing and not lx.FORUM_TALK.isdisjoint(toks):
                context_outsider = False  # talking to a participant about the conversation
        second = bool(_SECOND_PERSON.search(low))
        outsider_context = (own_outsider or (context_outsider and not second)) and not named
        outsider_words = not lx.OUTSIDERS.isdisjoint(toks)
        acc.third_outsider = (outsider_words or context_outsider) and not named
        for sent in _SENT_SPLIT.split(low):
            if sent.strip():
                self._sentence(sent, acc, participants, outsider_context)
        self._comment_level(own, low, acc)
        return self._combine(acc, named, second, own_outsider, low)

    # -- per sentence ------------------------------------------------------------------

    def _sentence(
        self,
        sent: str,
        acc: _Acc,
        participants: Mapping[str, str],
        outsider_context: bool,
    ) -> None:
        for m in _INSULT_RE.finditer(sent):
            nonassert = bool(_NONASSERT.search(sent, 0, m.start()))
            self._insult(sent, m, acc, participants, outsider_context, nonassert)
        for m in _MORPH_RE.finditer(sent):
            shaped = m.group(0)
            if shaped in lx.NOT_INSULT_SUFFIXED or shaped in _INSULT_STRENGTH or len(shaped) < 6:
                continue
            nonassert = bool(_NONASSERT.search(sent, 0, m.start()))
            self._insult(sent, m, acc, participants, outsider_context, nonassert, 0.85)
        for m in _ABSTRACT_RE.finditer(sent):
            w = lx.CONTEMPT.weight(m.group("w")) or 0.0
            if _negated(_tokens(sent[: m.start()])[-4:]) or _NONASSERT.search(sent, 0, m.start()):
                acc.hot(0.1)
                continue
            acc.attack(
                w, "second", None, f"contempt '{m.group(0).strip()}' aimed at {TARGET_PLACEHOLDER}"
            )
        for m in _IMPERATIVE_RE.finditer(sent):
            self._imperative(sent, m, acc)
        for m in _CONDESCEND_RE.finditer(sent):
            phrase = _key(m.group(0))
            w = lx.CONDESCENSION.weight(m.group(0)) or 0.6
            before = _tokens(sent[: m.start()])
            if _NONASSERT.search(sent, 0, m.start()) or (
                phrase.startswith("you") and _negated(before[-3:])
            ):
                acc.hot(0.15, f"negated: '{sent.strip()[:60]}'")
                continue
            if before and before[-1] in ("i", "we", "me", "they") and not phrase.startswith("you"):
                acc.hot(0.1)
                continue
            if acc.third_outsider and not _SECOND_PERSON.search(sent):
                acc.hot(w * 0.6, f"'{m.group(0).strip()}' about an outsider", outsider=True)
                continue
            kind: TargetKind = (
                "third" if re.search(r"\b(?:he|she|his|her|him)\b", phrase) else "second"
            )
            acc.attack(
                w, kind, None, f"condescension '{m.group(0).strip()}' aimed at {TARGET_PLACEHOLDER}"
            )
        for m in _THIRD_RE.finditer(sent):
            if _negated(_tokens(sent[: m.start()])[-3:]) and "don't" not in m.group(0):
                continue
            w = lx.THIRD_PERSON.weight(m.group(0)) or 0.0
            if acc.third_outsider and "troll" not in m.group(0) and "feed" not in m.group(0):
                acc.hot(w * 0.6, f"hostility '{m.group(0)}' at an outsider", outsider=True)
                continue
            acc.attack(w, "third", None, f"'{m.group(0)}' said about {TARGET_PLACEHOLDER}")
        for fm, weight, aimed, desc in frame_matches(sent, acc.frames):
            before = _tokens(sent[: fm.start()])
            if _NONASSERT.search(sent, 0, fm.start()) or _negated(before[-2:]):
                continue
            frame_kind: TargetKind = "third" if aimed == "third" else "second"
            acc.attack(weight, frame_kind, None, f"{desc}: '{fm.group(0).strip()[:50]}'")
        for m in _SARCASM_RE.finditer(sent):
            w = lx.SARCASM.weight(m.group(0)) or 0.3
            acc.hot(w, f"sarcasm/insinuation '{m.group(0).strip()}'")
        for m in _PROFANITY_RE.finditer(sent):
            after = _tokens(sent[m.end() : m.end() + 30])[:2]
            if any(t in lx.POSITIVE for t in after):
                acc.hot(
                    0.05, f"friendly profanity '{m.group(0)} {after[0] if after else ''}'".strip()
                )
            else:
                acc.hot(0.3, f"profanity '{m.group(0)}'", outsider=outsider_context)

    def _insult(
        self,
        sent: str,
        m: re.Match[str],
        acc: _Acc,
        participants: Mapping[str, str],
        outsider_context: bool,
        nonassert: bool,
        shaped: float | None = None,
    ) -> None:
        word = m.group(0)
        base = _key(word)
        entry = lx.INSULTS.entry(word) if shaped is None else None
        strength = entry.weight if entry is not None else shaped
        stem = base
        noun_entry = entry is not None and entry.kind == "noun"
        if strength is None:
            for suffix in ("es", "s"):
                if base.endswith(suffix) and _key(base[: -len(suffix)]) in _INSULT_STRENGTH:
                    stem = _key(base[: -len(suffix)])
                    strength = _INSULT_STRENGTH[stem]
                    break
        if strength is None:
            return
        noun = noun_entry or stem in _NOUN_KEYS or shaped is not None
        left = _tokens(sent[: m.start()])
        right = _tokens(sent[m.end() : m.end() + 40])[:4]
        # "spoken like the clueless dinosaur you are"
        if "you" in right[:3] and not nonassert and _YOU_ARE_END.match(sent, m.end()):
            acc.attack(
                0.85 * strength,
                "second",
                None,
                f"'the {word} you are' said to {TARGET_PLACEHOLDER}",
            )
            return
        i = _skip_modifiers(left, noun)
        if noun and i >= 1 and left[i] == "'s" and not (set(left[i + 1 :]) & _ARTICLES):
            # possessive, not a copula: "you're a developer's stooge"
            i = _skip_modifiers(left[: i - 1], noun)
        skipped = left[i + 1 :]
        between = skipped
        # a simile: "..., like a playground bully"
        simile = "like" in skipped and i >= 0 and "you" in left[: i + 1]
        if simile and not _negated(left[: i + 1]):
            acc.attack(
                0.75 * strength, "second", None, f"likened to a '{word}': {TARGET_PLACEHOLDER}"
            )
            return
        if i >= 0 and all(_adjectival(t) for t in left) and len(left) <= 2 and noun:
            i = -1  # a bare noun phrase: "Curtain-twitching busybody."
        if i < 0:
            words_in_sentence = len(_tokens(sent))
            plural = noun and (
                base != stem or (base.endswith("s") and base[:-1] in _INSULT_STRENGTH)
            )
            if words_in_sentence <= 4 and not outsider_context and not nonassert and not plural:
                acc.attack(
                    0.7 * strength,
                    "bare",
                    None,
                    f"insult '{word}' thrown at {TARGET_PLACEHOLDER}",
                )
            else:
                acc.hot(0.35 * strength + 0.1, f"insult '{word}'")
            return
        t = left[i]
        if t not in lx.SECOND and noun:
            # vocative with adjectives: "you tedious prick", "you selfish cow"
            for k in range(i - 1, max(-1, i - 3), -1):
                if left[k] in lx.SECOND and all(_adjectival(t) for t in left[k + 1 : i + 1]):
                    i, t, between = k, left[k], left[k + 1 :]
                    break
        if t in lx.SECOND:
            prev = left[i - 1] if i > 0 else ""
            if prev in lx.CALL_VERBS:
                self._called(left[: i - 1], "second", word, strength, acc, outsider_context)
                return
            before = left[max(0, i - 3) : i]
            if "if" in before:
                before = []  # "if you weren't such a fool" still calls you one
            if nonassert or _negated(between) or _negated(before):
                acc.hot(0.1, f"negated insult '{word}'")
                return
            vocative = not between or all(_adjectival(t) for t in between)
            after = _tokens(sent[m.end() : m.end() + 20])[:1]
            praised = not lx.POSITIVE.isdisjoint(between) or not lx.POSITIVE.isdisjoint(after)
            if vocative and (praised or (stem in lx.FRIENDLY_VOCATIVES and acc.friendly)):
                acc.hot(0.1, f"friendly banter '{word}'")
                return
            acc.attack(
                0.9 * strength, "second", None, f"insult '{word}' addressed to {TARGET_PLACEHOLDER}"
            )
            return
        if t in ("me", "myself", "us"):
            acc.hot(0.1, f"reported/self-directed '{word}' (not an attack)")
            return
        if t in ("him", "her") and i > 0 and left[i - 1] in lx.CALL_VERBS:
            self._called(left[: i - 1], "third", word, strength, acc, outsider_context)
            return
        if t == "your":
            if nonassert or _negated(left[max(0, i - 3) : i]):
                acc.hot(0.1)
                return
            acc.attack(
                0.6 * strength, "second", None, f"'your {word} ...' aimed at {TARGET_PLACEHOLDER}"
            )
            return
        if (
            i > 0
            and left[i - 1] in ("is", "was", "are", "were")
            and (t in ("he", "she") or t in participants)
        ):
            # inverted: "is heenan73 completely unhinged?", "is he stupid?"
            negated = nonassert or _negated(left[max(0, i - 4) : i])
            self._predicate(
                left, i, t, word, strength, negated, acc, participants, outsider_context
            )
            return
        if t in lx.COPULAS or t in _NEG_COPULAS:
            j = i
            while j >= 0 and (left[j] in lx.COPULAS or left[j] in _MOD or _negated([left[j]])):
                j -= 1
            negated = _negated(left[j + 1 : i + 1]) or nonassert
            if "if" in left[max(0, j - 2) : j]:
                negated = nonassert  # "if you weren't such a fool" still calls you one
            if j < 0:
                # "Be a man", "Being this thick must hurt"
                acc.hot(0.3 * strength, f"insult '{word}'")
                return
            subj = left[j]
            if not negated and j > 0:
                before = left[max(0, j - 3) : j]
                negated = _negated(before) and "if" not in before
            self._predicate(
                left, j, subj, word, strength, negated, acc, participants, outsider_context
            )
            return
        if t in lx.CALL_VERBS:
            acc.hot(0.2, f"label '{word}'")
            return
        if t in _THINGS:
            acc.hot(0.3 * strength + 0.05, f"'{word}' about something said")
            return
        acc.hot(
            (0.5 * strength if strength >= 0.8 else 0.25 * strength),
            f"insult '{word}'",
            outsider=t in lx.PLURAL_OTHER or t in lx.OUTSIDERS,
        )

    def _predicate(
        self,
        left: list[str],
        j: int,
        subj: str,
        word: str,
        strength: float,
        negated: bool,
        acc: _Acc,
        participants: Mapping[str, str],
        outsider_context: bool,
    ) -> None:
        """`subj` is the subject of '<subj> is/are ... <insult>'."""
        if negated:
            acc.hot(0.1, f"negated insult '{word}'")
            return
        if subj in lx.SECOND or (subj in ("lot", "guys") and "you" in left[max(0, j - 2) : j]):
            acc.attack(
                0.9 * strength, "second", None, f"insult '{word}' addressed to {TARGET_PLACEHOLDER}"
            )
            return
        if subj in lx.SELF or subj == "i":
            acc.hot(0.05, f"self-deprecation '{word}' (not an attack)")
            return
        np_start = max(0, j - 3)
        np = left[np_start : j + 1]
        if "your" in np and not lx.PEOPLE_NOUNS.isdisjoint(np[np.index("your") + 1 :]):
            # "your landlord's a greedy parasite": about someone else, not the reader
            acc.hot(0.5 * strength + 0.15, f"insult '{word}' about {' '.join(np)}", outsider=True)
            return
        if "your" in np:
            mind = any(t in _MIND_NOUNS for t in np)
            w = (0.9 if mind else 0.6) * strength
            acc.attack(
                w, "second", None, f"'your {' '.join(np[np.index('your') + 1 :])}' called '{word}'"
            )
            return
        if subj in ("he", "she") or (
            subj
            in ("guy", "bloke", "poster", "commenter", "one", "person", "chap", "fella", "troll")
            and (j > 0 and left[j - 1] in ("this", "that", "the"))
        ):
            if acc.third_outsider and not word.startswith("troll"):
                acc.hot(0.5 * strength + 0.15, f"insult '{word}' about an outsider", outsider=True)
                return
            acc.attack(
                0.85 * strength,
                "third",
                None,
                f"'{subj} is {word}' said about {TARGET_PLACEHOLDER}",
            )
            return
        key = subj
        aid = participants.get(key)
        if aid is None and j > 0:
            aid = participants.get(left[j - 1] + subj)
        if aid is not None:
            acc.attack(
                0.9 * strength,
                "named",
                aid,
                f"insult '{word}' about participant {TARGET_PLACEHOLDER}",
            )
            return
        outsider = (
            "at outsiders" if (subj in lx.OUTSIDERS or subj in lx.PLURAL_OTHER) else "at others"
        )
        acc.hot(
            0.5 * strength + 0.15,
            f"insult '{word}' {outsider} ({subj})",
            outsider=outsider == "at outsiders",
        )

    def _called(
        self,
        before: list[str],
        obj: TargetKind,
        word: str,
        strength: float,
        acc: _Acc,
        outsider_context: bool,
    ) -> None:
        """'<subject> called/would call you|him <insult>'."""
        subj = next(
            (
                t
                for t in reversed(before)
                if t
                not in (
                    "'d",
                    "would",
                    "will",
                    "'ll",
                    "just",
                    "even",
                    "must",
                    "to",
                    "have",
                    "had",
                    "could",
                )
            ),
            "",
        )
        if subj == "i" and not _negated(before[-4:]):
            if obj == "third" and outsider_context:
                acc.hot(0.5 * strength, f"insult '{word}' about an outsider", outsider=True)
                return
            acc.attack(0.85 * strength, obj, None, f"calls {TARGET_PLACEHOLDER} '{word}'")
            return
        acc.hot(0.15, f"reported speech '{word}' (not an attack)")

    def _imperative(self, sent: str, m: re.Match[str], acc: _Acc) -> None:
        phrase = _key(m.group(0))
        w = lx.IMPERATIVES.weight(m.group(0)) or 0.6
        before = _tokens(sent[: m.start()])
        near = before[-4:]
        if _NONASSERT.search(sent[: m.start()]) or (
            _negated(near) and not phrase.startswith("don't") and not phrase.startswith("stop")
        ):
            acc.hot(0.1, f"negated '{phrase}'")
            return
        if acc.friendly and phrase in lx.FRIENDLY_IMPERATIVES:
            acc.hot(0.1, f"friendly banter '{phrase}'")
            return
        if "you" in near or not before or all(t in _NEUTRAL_BEFORE_IMPERATIVE for t in before[-3:]):
            acc.attack(w, "second", None, f"imperative '{m.group(0)}' at {TARGET_PLACEHOLDER}")
            return
        if before[-1] in _BLOCK_BEFORE_IMPERATIVE:
            return
        # after a name or an interjection: "Dave, grow up"
        if len(before) <= 2:
            acc.attack(
                w * 0.9, "second", None, f"imperative '{m.group(0)}' at {TARGET_PLACEHOLDER}"
            )

    # -- whole comment -----------------------------------------------------------------

    def _outsider_context(self, own: str, toks: set[str], participants: Mapping[str, str]) -> bool:
        if not lx.OUTSIDERS.isdisjoint(toks):
            return True
        for name in _PROPER.findall(own):
            if name.lower() not in participants and name.lower() not in _COMMON_CAPS:
                return True
        return False

    def _comment_level(self, own: str, low: str, acc: _Acc) -> None:
        caps = len(_CAPS_WORD.findall(own))
        if caps >= 2:
            acc.hot(0.15, "shouting (capitals)")
        if "!!" in own or "?!" in own:
            acc.hot(0.1, "exclamations")

    def _combine(
        self, acc: _Acc, named: list[str], second: bool, outsider: bool, low: str
    ) -> Score:
        if not acc.attacks and not acc.heat and not acc.outsider_heat:
            return _ZERO_OUTSIDER if outsider else ZERO
        attack = _noisy_or([a[0] for a in acc.attacks]) if acc.attacks else 0.0
        peer = _noisy_or(acc.heat + [a[0] * 0.9 for a in acc.attacks])
        hostility = max(attack, _noisy_or([peer, *acc.outsider_heat]))
        peer_heat = max(attack, peer)
        reasons: list[str] = []
        kind: TargetKind = "none"
        named_target: str | None = None
        if acc.outsider_heat and not second:
            # "Lowlife scum. Hope every one of those bastards gets caught."
            acc.attacks = [a for a in acc.attacks if a[1] != "bare"]
            attack = _noisy_or([a[0] for a in acc.attacks]) if acc.attacks else 0.0
            peer_heat = max(attack, _noisy_or(acc.heat + [a[0] * 0.9 for a in acc.attacks]))
        if acc.attacks:
            best = max(acc.attacks, key=lambda a: a[0])
            kind, named_target = best[1], best[2]
            if kind == "bare":
                # "What a useless prat. He's made the country a laughing stock."
                kind = "third" if not second and _THIRD_PRONOUN.search(low) else "second"
            if named and kind == "third":
                # 'he' most likely means the participant named last before it
                kind, named_target = "named", named[-1]
            elif len(named) == 1 and kind == "second" and not second:
                kind, named_target = "named", named[0]
            seen: set[str] = set()
            for a in sorted(acc.attacks, key=lambda a: -a[0]):
                if a[3] not in seen:
                    reasons.append(a[3])
                    seen.add(a[3])
        for n in acc.notes:
            if n not in reasons:
                reasons.append(n)
        return Score(
            round(min(attack, 0.99), 3),
            round(min(hostility, 0.99), 3),
            kind,
            named_target,
            tuple(reasons[:6]),
            outsider,
            round(min(peer_heat, 0.99), 3),
        )



_COMMON_CAPS = lx.COMMON_CAPITALS
