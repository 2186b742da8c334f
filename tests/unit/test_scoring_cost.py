"""Bounded scoring cost (issue 9): crafted hostile texts score fast, time grows linearly
with length, and no regular expression of the core backtracks catastrophically.

Times are CPU seconds of this process (best of a few runs), so that other work on a shared
machine does not make the bounds flaky; the bounds are generous (the target is 50 ms).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bench.adversarial import PARTICIPANTS, crafted, step_fn
from bench.regex_audit import audit
from streams.detect import DetectConfig, RuleScorer

BOUND = 1.0


def _best(fn: Callable[[], object], repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


@pytest.mark.parametrize(("name", "text"), list(crafted(50_000)), ids=lambda v: v[:30])
def test_every_crafted_50k_text_scores_within_the_bound(name: str, text: str) -> None:
    scorer = RuleScorer()
    assert _best(lambda: scorer.score(text, PARTICIPANTS), 1) < BOUND or (
        _best(lambda: scorer.score(text, PARTICIPANTS), 2) < BOUND
    ), name
    step = step_fn(text, DetectConfig())
    assert _best(step, 1) < BOUND or _best(step, 2) < BOUND, name


def _grows_linearly(make: Callable[[int], str], n: int) -> tuple[bool, float]:
    scorer = RuleScorer(max_chars=None)  # no length budget: measure the algorithm
    small, large = make(n), make(2 * n)
    ratio = 0.0
    for _ in range(3):  # a noisy machine gets three tries
        t1 = _best(lambda: scorer.score(small, PARTICIPANTS), 5)
        t2 = _best(lambda: scorer.score(large, PARTICIPANTS), 5)
        ratio = t2 / max(t1, 1e-4)
        if ratio <= 3.0:
            return True, ratio
    return False, ratio


SHAPES = {
    "dense insults": lambda n: ("you idiot moron " * n)[:n],
    "one long sentence": lambda n: ("the figures for the bypass look fine to me and " * n)[:n],
    "insult adjectives": lambda n: ("stupid thick dense clueless " * n)[:n],
    "sentences": lambda n: ("Fair point, you idiot. " * n)[:n],
    "quotes": lambda n: ("“a “b ‘c «d „e " * n)[:n],
    "names": lambda n: ("Dave is an idiot, Sam is a moron. " * n)[:n],
    "imperatives": lambda n: ("grow up and shut up and " * n)[:n],
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_scoring_time_grows_linearly_with_length(shape: str) -> None:
    ok, ratio = _grows_linearly(SHAPES[shape], 16_000)
    assert ok, f"{shape}: twice the text took {ratio:.1f}x the time"


def test_no_pattern_backtracks_on_long_runs() -> None:
    rows = audit(4_000, prefixes=("", "you", "ok", "on", "1", "dave c"), suffixes=("", "1"))
    slow = [(round(w * 1e3, 1), where, what) for w, where, what, _ in rows if w > 0.025]
    assert not slow, slow
