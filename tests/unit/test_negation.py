"""The one negation policy and the disclaimer search; the one weights table."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.detect import RuleScorer
from streams.detect.negation import DISCLAIMER, WINDOW, first_disclaimer_end, negated
from streams.detect.tokens import tokens
from streams.detect.weights import TABLE

S = RuleScorer()


def test_a_negator_counts_within_the_window_before_the_subject_and_up_to_the_cue() -> None:
    left = tokens("i don't think you are a")  # ... idiot
    assert negated(left, anchor=left.index("you"))
    assert not negated(left, anchor=len(left))  # counted from the cue: 'don't' is too far
    assert negated(tokens("you are not a"), anchor=0)
    assert not negated(tokens("never mind, " + "x " * WINDOW + "you are a"), anchor=WINDOW + 2)


def test_a_conditional_does_not_deny_and_negative_commands_are_not_negated() -> None:
    assert not negated(tokens("if you weren't such a"), anchor=1)
    assert not negated(tokens("no, i don't care,"), cue="stop whining")
    assert negated(tokens("i don't"), cue="grow up")


def test_the_policy_as_the_scorer_applies_it() -> None:
    assert S.score("I don't think you are an idiot.").attack < 0.5
    assert S.score("If you weren't such a fool you'd see it.").attack >= 0.5
    assert S.score("Nobody here thinks you're a liar.").attack < 0.5
    assert S.score("Don't feed the troll.").attack >= 0.5


def _naive_end(sentence: str) -> int:
    for p in range(len(sentence) + 1):
        if DISCLAIMER.search(sentence, 0, p):
            return p
    return len(sentence) + 1


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "not",
                "never",
                "saying",
                "said",
                "you",
                "x",
                "n't",
                "calling",
                "no one",
                ".",
                " ",
                "thought",
                "nobody",
                "!",
            ]
        ),
        max_size=14,
    )
)
def test_the_first_disclaimer_end_is_the_smallest_prefix_with_one(words: list[str]) -> None:
    sentence = " ".join(words)
    assert first_disclaimer_end(sentence) == _naive_end(sentence)


RULES_DIR = Path(__file__).resolve().parents[2] / "streams" / "detect"


def test_every_weight_in_the_table_is_used_and_no_rule_has_literal_weights() -> None:
    source = "\n".join(p.read_text() for p in RULES_DIR.rglob("*.py") if p.name != "weights.py")
    used = set(re.findall(r'weight\("([a-z_.]+)"\)', source))
    assert used == set(TABLE), (set(TABLE) - used, used - set(TABLE))
    for path in (RULES_DIR / "rules").glob("*.py"):
        if path.name == "frames.py":
            continue  # each frame pattern carries its own weight, in its table
        text = path.read_text()
        literal = re.findall(r"(?<![\w.\"'])0\.\d+", text)
        assert not literal, (path.name, literal)


def test_negation_does_not_reach_across_a_comma() -> None:
    assert S.score("not with you, you're a f***ing leech who never buys a round").attack >= 0.5
    assert S.score("Nobody asked you, you cheap idiot.").attack >= 0.5
    assert S.score("Don't ask me, I'm a total dinosaur with technology.").attack < 0.5
    assert S.score("I don't think you are an idiot, to be fair.").attack < 0.5
