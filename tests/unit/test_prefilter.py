"""The prefilter only saves time: prefiltered and full scoring agree on any text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.detect import RuleScorer
from streams.detect.prefilter import spellings
from streams.detect.rules import RULES

FAST = RuleScorer()
FULL = RuleScorer(prefilter=False)
PEOPLE = {"dave": "u-dave", "davec": "u-dave", "samh": "u-sam", "sam": "u-sam"}
CUES = sorted({p for rule in RULES for p in rule.cues.phrases})
GLUE = (
    "you your you're he she him her i me we they it is are was not never don't if like a an "
    "the so such such a really just and but or of to that this your landlord government "
    "minister dave sam council haha lol thanks brilliant"
).split()
PUNCT = [
    " ",
    " ",
    " ",
    ", ",
    ". ",
    "! ",
    "? ",
    "!! ",
    "?! ",
    "; ",
    ": ",
    " – ",
    "\n",
    "-",
    "'",
    '"',
    "“",
    "”",
    "> ",
    "🙄",
    "😂",
    "...",
    "*",
    "&amp;",
    "<b>",
]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 14))):
        kind = draw(st.integers(0, 9))
        if kind <= 3:
            parts.append(draw(st.sampled_from(CUES)))
        elif kind <= 6:
            parts.append(draw(st.sampled_from(GLUE)))
        elif kind == 7:
            parts.append(draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz'-", max_size=12)))
        else:
            parts.append(
                draw(st.sampled_from(["Dave", "Sam H", "SHOUTING", "YOU", "Boris", "the MP"]))
            )
        parts.append(draw(st.sampled_from(PUNCT)))
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.capitalize()
    return text


SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(texts(), st.booleans(), st.booleans())
def test_prefiltered_and_full_scoring_agree(text: str, named: bool, outsider: bool) -> None:
    people = PEOPLE if named else {}
    assert FAST.score(text, people, outsider) == FULL.score(text, people, outsider)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_they_agree_on_arbitrary_text(text: str) -> None:
    assert FAST.score(text, PEOPLE) == FULL.score(text, PEOPLE)


def test_they_agree_where_they_used_to_differ() -> None:
    for text in (
        "I'm allowed to complain about the noise!!!",
        "JUST GOT GLASTO TICKETS!!",
        "THE BADGER CULL IS THE ONLY THING THAT WORKS FOR TB",
        "you absolute mouthbreather",
        "what a halfwit",
        "'idiot, that one",
    ):
        assert FAST.score(text, PEOPLE) == FULL.score(text, PEOPLE), text


def test_shouting_alone_is_not_heat_but_amplifies_heat() -> None:
    assert FAST.score("JUST GOT GLASTO TICKETS!!").hostility == 0.0
    calm = FAST.score("Oh please, not again.")
    loud = FAST.score("OH PLEASE, NOT AGAIN!!")
    assert loud.hostility > calm.hostility
    assert any("shouting" in str(r) for r in loud.reasons)


def test_a_hyphen_may_be_left_out_in_every_way() -> None:
    assert spellings("mouth-breather") == ["mouth-breather", "mouthbreather"]
    assert len(spellings("a-b-c")) == 4
    assert spellings("grow up") == ["grow up"]
