"""Adversarial texts through the public scorer stay under a generous time bound.

The target of issue 9 is 50 ms for any comment of up to 50,000 characters; this test bounds
every crafted text (bench/adversarial.py) at 10x that, in CPU time of this process (wall time
on a shared, loaded machine measured the neighbours: one run saw 605 ms for a 28 ms text). (It was marked xfail while the
scorer was quadratic in sentence length; the rule-engine redesign made scoring linear, see
tests/unit/test_scoring_cost.py.) It stops at the first text over the bound, so a failing
run costs a few seconds, not minutes.
"""

from __future__ import annotations

import time

from bench.adversarial import TARGET_SECONDS, texts
from streams.detect import RuleScorer, ScoreInput

BOUND_SECONDS = 10 * TARGET_SECONDS


def test_every_adversarial_text_scores_within_a_generous_bound() -> None:
    scorer = RuleScorer()
    participants = {"dave": "u-dave", "sam": "u-sam", "alex": "u-alex"}
    worst = (0.0, "", 0)
    for family, size, text in texts():
        began = time.process_time()
        scorer.score_batch([ScoreInput(text, participants)])
        took = time.process_time() - began
        worst = max(worst, (took, family, size))
        assert took <= BOUND_SECONDS, f"{family!r} at {size:,} chars took {took * 1000:.0f} ms"
    print(f"\nworst adversarial text: {worst[1]!r} at {worst[2]:,} chars, {worst[0] * 1000:.1f} ms")
