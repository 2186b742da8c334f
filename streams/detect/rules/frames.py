"""Sentence frames that demean a person whatever the words: 'the brains of a houseplant',
'you wouldn't know X if it bit you', 'says the man who...', 'did you work that out by
yourself?'. Each frame says whom it targets: the person addressed or someone in the third
person. Patterns run on lower-cased text with normalised apostrophes."""

from __future__ import annotations

import re

from streams.detect.context import Comment, Sentence
from streams.detect.findings import Finding, TargetKind
from streams.detect.negation import negated
from streams.detect.rules.base import Cues, hit
from streams.detect.trie import trie_pattern
from streams.detect.weights import weight

NAME = "frames"
W_AIMED = weight("frames.aimed")

_SUBJ2 = r"(?:you|you've|you have|you've got|you have got|ya|u)"
_SUBJ3 = r"(?:he|she|he's|she's|he has|she has|he's got|she's got|him|her|his|hers)"

# (pattern, weight, kind, description); see GATES for the cheap substring test of each
_FRAME_SPECS: tuple[tuple[str, float, str, str], ...] = (
    # "you've got the observational skills of a house brick", "the memory of a goldfish"
    (
        rf"\b{_SUBJ2}\b[^.!?]{{0,20}}\bthe\s+(?:[a-z'\-]+\s+){{1,3}}of\s+an?\s+[a-z]",
        0.8,
        "second",
        "likened to an object",
    ),
    (
        rf"\b{_SUBJ3}\b[^.!?]{{0,20}}\bthe\s+(?:[a-z'\-]+\s+){{1,3}}of\s+an?\s+[a-z]",
        0.75,
        "third",
        "likened to an object",
    ),
    (
        r"\b(?:memory|brains?|intellect|iq|judgement|judgment|wit|charm|personality|"
        r"attention span|moral compass|manners|skills|sense|curiosity|self-awareness)\s+of\s+an?\s+"
        r"(?:[a-z'\-]+\s+){0,2}(?:goldfish|brick|turnip|potato|houseplant|plant|rock|stone|"
        r"sponge|teaspoon|spoon|walnut|pea|gnat|toddler|child|plank|lettuce|cabbage|doorknob|"
        r"doorstop|trolley|teapot|squirrel|hamster|sheep|slug|amoeba|fence ?post|lamp ?post|"
        r"dishcloth|tea towel|parsnip|carrot|sprout|wet [a-z]+|[a-z]+ brick)\b",
        0.75,
        "second",
        "likened to an object",
    ),
    # "you wouldn't know a fact if it bit you", "couldn't run a bath"
    (
        rf"\b{_SUBJ2}\s+(?:wouldn't|would not|couldn't|could not|can't|cannot)\s+"
        r"(?:know|recognise|recognize|spot|see|find|tell|run|organise|organize|pick|read|"
        r"understand|grasp|follow)\b[^.!?]{0,60}\bif\s+(?:it|they|one|he|she)\b",
        0.75,
        "second",
        "mocked as incapable",
    ),
    (
        r"\b(?:he|she|[a-z]+)\s+(?:wouldn't|would not|couldn't|could not)\s+"
        r"(?:know|recognise|recognize|spot|see|find|tell|run|organise|organize|pick)\b"
        r"[^.!?]{0,60}\bif\s+(?:it|they|one)\b",
        0.7,
        "third",
        "mocked as incapable",
    ),
    (
        rf"\b{_SUBJ2}\s+(?:couldn't|could not|can't|cannot)\s+(?:run|organise|organize|manage)"
        r"\s+an?\s+[a-z\-]+(?:\s+[a-z\-]+)?(?:,?\s+(?:never mind|let alone|in a))",
        0.75,
        "second",
        "mocked as incapable",
    ),
    (r"\bcouldn'?t organi[sz]e a piss[- ]up\b", 0.75, "second", "mocked as incapable"),
    # patronising questions
    (
        r"\b(?:did|do)\s+you\s+(?:come up with|think of|work|figure|think|write|make)\b[^.!?]{0,30}"
        r"\b(?:all\s+)?by\s+(?:your\s*self|yourself)\b",
        0.75,
        "second",
        "patronising",
    ),
    (
        r"\b(?:must|it must)\s+(?:be|have been|make)\s+(?:so\s+|very\s+|really\s+)?"
        r"(?:exhausting|tiring|hard|difficult|nice|lovely|lonely|simple|easy)\s+"
        r"(?:for you|being you|being this|being that|being such|being so|being as|to be you|to be this|having so little)",
        0.6,
        "second",
        "mock sympathy",
    ),
    (
        r"\b(?:genuinely |really |honestly |i )?(?:worry about you|feel sorry for you|pity you|"
        r"pity whoever|feel for whoever|pity anyone who has to)\b",
        0.6,
        "second",
        "mock pity",
    ),
    (
        r"\bsays the (?:man|woman|person|guy|bloke|lad|lady|one|fella|bloke|chap) (?:who|whose)\b",
        0.6,
        "second",
        "ad hominem",
    ),
    (
        r"\bfrom (?:the|a) (?:man|woman|person|guy|bloke|lady|fella|chap) (?:who|whose)\b",
        0.45,
        "second",
        "ad hominem",
    ),
    (
        r"\b(?:people|parents|men|women|types|folk) like you (?:are|is)\b",
        0.6,
        "second",
        "lumped with a despised group",
    ),
    (
        r"\bnever had an? (?:[a-z]+ ){0,2}(?:thought|idea|opinion) in (?:your|his|her) (?:life|head)",
        0.75,
        "second",
        "mocked as thoughtless",
    ),
    (r"\bthink for yourself\b", 0.5, "second", "patronising"),
    (
        r"\b(?:don't|do not) (?:you )?worry your (?:pretty |little |tiny )*(?:little )?head\b",
        0.8,
        "second",
        "patronising",
    ),
    (
        r"\bleave (?:it|this|that|the [a-z]+) to (?:the )?(?:people|those|adults|grown-?ups|"
        r"experts|professionals|folk|others) who\b",
        0.55,
        "second",
        "dismissed",
    ),
    (
        r"(?:^|[.!?]\s*|,\s*)(?:you\s+)?stick to (?:the |your |what you )[a-z]",
        0.45,
        "second",
        "dismissed",
    ),
    (r"\b(?:out of your depth|beyond you|over your head)\b", 0.5, "second", "belittled"),
    (
        r"\bschool (?:clearly |really |obviously )?(?:let you down|failed you)\b",
        0.75,
        "second",
        "belittled",
    ),
    (
        r"\b(?:poor|bless (?:him|her|you|them|his|her))\s*(?:lamb|love|thing|dear|soul)?\b",
        0.35,
        "second",
        "mock pity",
    ),
    (r"\bpoor (?:lamb|love|little thing|dear)\b", 0.5, "second", "mock pity"),
    (
        r"\b(?:no offence|no offense)\s*(?:x|xx|lol|mate|hun)?\s*$",
        0.3,
        "second",
        "'no offence'",
    ),
    (r"\blog off\b", 0.55, "second", "dismissive command"),
    (
        r"\b(?:put the pint down|put down the pint|put the bottle down|put the crack pipe down)\b",
        0.6,
        "second",
        "dismissive command",
    ),
    (
        r"\b(?:you're|you are|ur|u r) (?:a |an )?(?:walking|living|absolute|complete|total|utter|"
        r"proper|right|massive|fucking|bloody|effing|f\*+ing|sodding|godawful|pure) "
        r"(?:[a-z\-]+ ){0,2}(?:liability|disaster|embarrassment|menace|joke|nightmare|disgrace|"
        r"waste|mess|headache|pain|nuisance|cliche|cliché|parody|caricature|stereotype)\b",
        0.8,
        "second",
        "called a liability",
    ),
    (
        r"\b(?:he's|she's|he is|she is) (?:a |an )?(?:walking|living|absolute|complete|total|"
        r"utter|proper|right|massive|fucking|bloody) (?:[a-z\-]+ ){0,2}(?:liability|disaster|"
        r"embarrassment|menace|joke|nightmare|disgrace|waste|mess|parody|caricature)\b",
        0.75,
        "third",
        "called a liability",
    ),
    (
        r"\b(?:resident|this forum's|this thread's|the site's|our resident|local|village) "
        r"(?:[a-z\-]+ ){0,2}(?:idiot|expert|genius|philosopher|know-all|bore|crank|troll|"
        r"moaner|whinger|clown|comedian|conspiracy theorist|oracle)\b",
        0.6,
        "third",
        "mocking title",
    ),
    # "you're a complete ass", "ya absolute rocket", "you're a walking pump-and-dump"
    (
        r"\b(?:you're|you are|you|ya)\s+(?:[a-z]+ly\s+)?(?:a\s+|an\s+|such\s+an?\s+)?(?:complete|absolute|"
        r"total|utter|walking|proper|massive|bloody|fucking|f\*+ing|effing|sodding|"
        r"thundering|raging|prize|first-class|world-class|certified|grade-a)\s+"
        r"(?!legend|genius|star|hero|beauty|gem|angel|diamond|saint|treasure|champ|"
        r"champion|king|queen|boss|machine|wizard|natural|pro\b|delight|joy|credit|"
        r"sweetheart|darling|love|babe|mate|brilliant|great|good|amazing)[a-z][a-z\-]+",
        0.7,
        "second",
        "called an intensified name",
    ),
    (
        r"\b(?:you've got|you have|you've|you got|he's got|she's got)\s+(?:about\s+)?"
        r"(?:as much|the same)\s+[a-z ]{1,30}\s+as\s+an?\s+[a-z]",
        0.75,
        "second",
        "likened to an object",
    ),
    (
        r"\b(?:you've got|you have|you've|he's got|she's got)\s+an?\s+(?:head|face|brain|"
        r"voice|personality)\s+like\s+an?\s+[a-z]",
        0.75,
        "second",
        "likened to an object",
    ),
    (
        r"\b(?:you|someone like you|someone as [a-z]+ as you|people like you|some people)\s+"
        r"(?:[a-z]+ly\s+)?(?:shouldn't|should not|mustn't)\s+be\s+(?:let|allowed|trusted)\s+"
        r"(?:near|with|to)\b",
        0.7,
        "second",
        "called unfit",
    ),
    (
        r"\b(?:come back|get back to (?:us|me))\s+when\s+you(?:'ve| have)?\b",
        0.6,
        "second",
        "dismissed",
    ),
    (
        r"\b(?:nobody|no one|noone)\s+(?:here\s+|on here\s+)?(?:takes?|will ever take|"
        r"values?|cares? about|listens? to)\s+(?:you|your|the opinion of)\b",
        0.7,
        "second",
        "dismissed",
    ),
    (
        r"\b(?:want|have|deserve)\s+a\s+gold\s+star\b|\b(?:clever|good)\s+(?:boy|girl|lad)\b",
        0.6,
        "second",
        "patronising",
    ),
    (
        r"\b(?:let me|i'll|i will)\s+(?:slow down|go slowly|speak slowly|type slowly)\b",
        0.7,
        "second",
        "patronising",
    ),
    (
        r"\b(?:little|tiny|small)\s+(?:brain|mind|head)\s+of\s+yours\b|\byour\s+(?:brain|"
        r"mind)\s+(?:stopped|gave up|left|died|froze|never)",
        0.75,
        "second",
        "belittled",
    ),
    (
        r"\b(?:mind your own|keep your nose out|nobody asked for your)\b",
        0.55,
        "second",
        "dismissive command",
    ),
    (
        r"\b(?:ok|okay|alright|sure|yes|right)(?:\s*+,)?\s++(?:grandad|granddad|grandpa|grandma|"
        r"granny|boomer|gramps|nan|sweetie|sweetheart|snowflake|kid|kiddo|junior)\b",
        0.6,
        "second",
        "belittling name",
    ),
)

# Substrings every match of the frame at the same index must contain: a cheap test that
# lets most comments skip the regular expressions.
_GATES: tuple[tuple[str, ...], ...] = (  # "a|b": either substring will do
    ("you", " of a"),
    (" of a",),
    (" of a",),
    ("you", "if ", "n't|not"),
    ("ould", "if "),
    ("couldn't|could not|can't|cannot", "never mind|let alone|in a"),
    ("piss",),
    ("self",),
    ("must",),
    ("worry about you|sorry for you|pity",),
    ("says the",),
    ("from ", " who"),
    ("like you",),
    ("never had",),
    ("think for",),
    ("worry your",),
    ("leave ", " who"),
    ("stick to",),
    ("depth|beyond you|over your head",),
    ("school",),
    ("bless",),
    ("poor ",),
    ("offen",),
    ("log off",),
    ("put ", "down"),
    (
        "you're|you are|ur |u r ",
        "walking|living|absolute|complete|total|utter|proper|right|"
        "massive|fuck|bloody|effing|f*|sodding|godawful|pure",
    ),
    (
        "he's|she's|he is|she is",
        "walking|living|absolute|complete|total|utter|proper|right|massive|fuck|bloody",
    ),
    ("resident|forum's|thread's|site's|local |village",),
    (
        "complete|absolute|total|utter|walking|proper|massive|bloody|fucking|f*|effing|"
        "sodding|thundering|raging|prize|first-class|world-class|certified|grade-a",
    ),
    ("as much|the same", " as a"),
    (" like a",),
    ("shouldn't|should not|mustn't",),
    ("come back|get back", "when you"),
    ("nobody|no one|noone",),
    ("gold star|clever boy|good boy|clever girl|good girl|good lad|clever lad",),
    ("slow",),
    ("of yours|your brain|your mind",),
    ("mind your own|keep your nose|nobody asked",),
    (
        "grandad|granddad|grandpa|grandma|granny|boomer|gramps|nan|sweetie|sweetheart|snowflake|kid|junior",
    ),
)
_GATE_ALTS = tuple(tuple(tuple(g.split("|")) for g in gate) for gate in _GATES)
FRAMES: tuple[tuple[re.Pattern[str], float, str, str, tuple[tuple[str, ...], ...]], ...] = tuple(
    (re.compile(p), w, kind, desc, gate)
    for (p, w, kind, desc), gate in zip(_FRAME_SPECS, _GATE_ALTS, strict=True)
)


_ALL_ALTS: tuple[str, ...] = tuple(sorted({alt for gate in _GATE_ALTS for g in gate for alt in g}))
_GATE_SETS = tuple(tuple(frozenset(g) for g in gate) for gate in _GATE_ALTS)
_UNGATED = tuple(i for i, gate in enumerate(_GATE_SETS) if not gate)


_ALT_RE = re.compile(trie_pattern(_ALL_ALTS, exact=True))


def _gate_masks() -> tuple[dict[str, int], tuple[tuple[int, int], ...]]:
    """Each gate (a set of alternatives) gets a bit; a frame is open when all its bits are."""
    alt_mask: dict[str, int] = dict.fromkeys(_ALL_ALTS, 0)
    frame_masks = []
    bit = 0
    for i, gate in enumerate(_GATE_SETS):
        mask = 0
        for alts in gate:
            for alt in alts:
                alt_mask[alt] |= 1 << bit
            mask |= 1 << bit
            bit += 1
        frame_masks.append((i, mask))
    # an alternative found also reveals every shorter alternative inside it ("you're" -> "you")
    revealed = {a: 0 for a in _ALL_ALTS}
    for a in _ALL_ALTS:
        for b in _ALL_ALTS:
            if b in a:
                revealed[a] |= alt_mask[b]
    return revealed, tuple(frame_masks)


_ALT_MASK, _FRAME_MASKS = _gate_masks()


def open_frames(low: str) -> tuple[int, ...]:
    """Indexes of the frames whose every gate has a substring in the text (cheap)."""
    present = 0
    for m in _ALT_RE.finditer(low):
        present |= _ALT_MASK[m.group(0)]
    if not present:
        return _UNGATED
    frames = _OPEN_BY_PRESENT.get(present)
    if frames is None:
        frames = tuple(i for i, mask in _FRAME_MASKS if mask & present == mask)
        if len(_OPEN_BY_PRESENT) < 4096:  # (bounded: a few hundred sets occur in practice)
            _OPEN_BY_PRESENT[present] = frames
    return frames


_OPEN_BY_PRESENT: dict[int, tuple[int, ...]] = {}
"""Gates present (a bit set) -> the frames they open: the same few sets come again and again."""


def frame_matches(low: str, frames: tuple[int, ...]) -> list[tuple[re.Match[str], float, str, str]]:
    """The frames among `frames` that match, each with its weight, target kind, description."""
    out: list[tuple[re.Match[str], float, str, str]] = []
    for i in frames:
        pattern, weight, kind, desc, _ = FRAMES[i]
        m = pattern.search(low)
        if m is not None:
            out.append((m, weight, kind, desc))
    return out


def any_frame(low: str, frames: tuple[int, ...]) -> bool:
    return any(FRAMES[i][0].search(low) is not None for i in frames)


def _open(c: Comment) -> tuple[int, ...]:
    frames = c.memo.get(NAME)
    if frames is None:
        frames = c.memo[NAME] = open_frames(c.low)
    return frames  # type: ignore[return-value]


def _any(c: Comment, text: str) -> bool:
    return any_frame(text, _open(c))


class Frames:
    name = NAME
    cues = Cues(check=_any)

    def apply(self, s: Sentence) -> list[Finding]:
        out: list[Finding] = []
        for fm, w, aimed, desc in frame_matches(s.text, _open(s.comment)):
            lw = s.left(fm.start(), 3)
            if s.disclaimed(fm.start()) or negated(lw.tokens, clause=lw.clause):
                continue
            kind: TargetKind = "third" if aimed == "third" else "second"
            h = hit(s, NAME, fm, w, fm.group(0).strip()[:50])
            out.append(h.attack(W_AIMED, kind, f"{desc}: '{{span}}'"))
        return out
