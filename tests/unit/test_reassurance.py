"""Reassuring negations: the encoder tier (which reads embeddings, blind to negation) may not
call them attacks; the fast tier and the rules still read them as they do."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from streams.detect.negation import REASSURANCE_CAP, reassures
from streams.encoder.head import DIM, EncoderHead
from streams.encoder.scorer import EncoderScorer


@pytest.mark.parametrize(
    "text",
    [
        "No, you're not bad. Matchmaking put you against a five-stack.",
        "no, you're not being dramatic at all, anyone would be upset",
        "nah ur not stupid, the form is",
        "Nobody here thinks you're a bad mum.",
        "No one is calling you a liar, we just want the source.",
    ],
)
def test_reassurance_is_recognised(text: str) -> None:
    assert reassures(text)


@pytest.mark.parametrize(
    "text",
    [
        "nobody asked you",
        "You're not competent to edit this article.",
        "no. you are a liar and everyone can see it",  # no denial at all
        "Not you again.",
        "No. Just no. You're embarrassing yourself.",
    ],
)
def test_attacks_and_dismissals_are_not_reassurance(text: str) -> None:
    assert not reassures(text)


class _Constant:
    """An embedder whose every embedding is the same unit vector."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        v = np.zeros((len(texts), DIM), dtype=np.float32)
        v[:, 0] = 1.0
        return v


def test_encoder_opinion_is_capped_on_reassurance_only() -> None:
    head = EncoderHead(weights=[4.0] + [0.0] * (DIM - 1), bias=0.0)  # p = sigmoid(4) ~ 0.98
    scorer = EncoderScorer(head, _Constant())
    sure, capped = scorer.score_batch(["you are a liar", "No, you're not a liar, I misread"])
    assert sure > 0.95
    assert capped == REASSURANCE_CAP
