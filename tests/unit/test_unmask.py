"""Masked swear words and insults are read as the words they hide, by the rules and the fast
tier alike; ordinary text with symbols and digits is left alone."""

from __future__ import annotations

import pytest

from streams.detect import RuleScorer
from streams.detect.learned.features import Signals, feature_names
from streams.detect.unmask import unmask


@pytest.mark.parametrize(
    ("masked", "read"),
    [
        ("you pedantic d*ckhead", "you pedantic dickhead"),
        ("what an a$$hole", "what an asshole"),
        ("f***ing idiot", "fucking idiot"),
        ("total m0r0n", "total moron"),
        ("id10t", "idiot"),
        ("st*pid", "stupid"),
        ("tw*t", "twat"),  # a swear word before the milder insult of the same shape ("twit")
    ],
)
def test_masked_words_are_read(masked: str, read: str) -> None:
    assert unmask(masked) == read
    assert len(unmask(masked)) == len(masked)  # offsets stay valid


@pytest.mark.parametrize(
    "plain",
    ["version 3.10 is out", "my 5 year old", "email bob@example.com", "gr8 m8", "shit!!",
     "hello!!", "@dave you", "a** kicked", "w*rd"],
)
def test_other_text_is_left_alone(plain: str) -> None:
    assert unmask(plain) == plain


def test_the_rules_see_a_masked_insult_aimed_at_you() -> None:
    plain = RuleScorer().score("remove it and i'll just put it back, you pedantic dickhead")
    masked = RuleScorer().score("remove it and i'll just put it back, you pedantic d*ckhead")
    assert masked.attack == plain.attack >= 0.5
    assert masked.target == "second"


def test_the_fast_tier_sees_the_same_words() -> None:
    s = Signals(0.0, 0.0, 0.0, "none", False, True, False, False, 0.0, 0.0)
    assert feature_names("you d*ckhead", s) == feature_names("you dickhead", s)
