"""Adversarial texts through the public scorer stay under a generous time bound.

The target of issue 9 is 50 ms for any comment of up to 50,000 characters; this test bounds
every crafted text (streams/bench/adversarial.py) at 10x that. Today's scorer is quadratic in
sentence length (it re-tokenises the sentence prefix per insult match), so the test is marked
xfail until the linear-time rule scorer, being written with the rule-engine redesign in
streams/detect, lands: then it passes (XPASS) and the mark should go. It stops at the first
text over the bound, so the failing run costs a few seconds, not minutes.
"""

from __future__ import annotations

import time

import pytest

from streams.bench.adversarial import TARGET_SECONDS, texts
from streams.detect import RuleScorer, ScoreInput

BOUND_SECONDS = 10 * TARGET_SECONDS


@pytest.mark.xfail(
    reason="quadratic RuleScorer: bounded by the linear-time scorer of the rule-engine "
    "redesign (issue 9 item 3, done in streams/detect by the rules engineer)",
    strict=False,
)
def test_every_adversarial_text_scores_within_a_generous_bound() -> None:
    scorer = RuleScorer()
    participants = {"dave": "u-dave", "sam": "u-sam", "alex": "u-alex"}
    worst = (0.0, "", 0)
    for family, size, text in texts():
        began = time.perf_counter()
        scorer.score_batch([ScoreInput(text, participants)])
        took = time.perf_counter() - began
        worst = max(worst, (took, family, size))
        assert took <= BOUND_SECONDS, f"{family!r} at {size:,} chars took {took * 1000:.0f} ms"
    print(f"\nworst adversarial text: {worst[1]!r} at {worst[2]:,} chars, {worst[0] * 1000:.1f} ms")
