"""Embedder + head: the encoder tier's probability for comments the fast tier is unsure of."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from streams.detect.learned.features import Signals
from streams.detect.negation import REASSURANCE_CAP, reassures
from streams.encoder.embed import Embedder
from streams.encoder.head import EncoderHead

DEFAULT_HEAD = "encoder.fwm"


class Embeds(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class EncoderScorer:
    def __init__(self, head: EncoderHead, embedder: Embeds | None = None) -> None:
        self.head = head
        self.embedder: Embeds = embedder or Embedder()
        self.model_id = str(head.meta.get("data_sha256", ""))[:12]

    def score_batch(self, texts: Sequence[str]) -> list[float]:
        """Probabilities (3 decimals) for the replier's own words of each comment; at most
        REASSURANCE_CAP for a reassuring negation, which embeddings cannot read."""
        if not texts:
            return []
        probs = self.head.predict(self.embedder.embed(texts))
        return [
            round(min(float(p), REASSURANCE_CAP) if reassures(t) else float(p), 3)
            for t, p in zip(texts, probs, strict=True)
        ]

    def __call__(self, own: str, signals: Signals) -> float:
        del signals  # the encoder reads text only
        return self.score_batch([own])[0]


def default_head_path() -> Path:
    return Path(str(resources.files("streams.encoder") / DEFAULT_HEAD))


@cache
def load_encoder(head_path: Path | None = None) -> EncoderScorer:
    """The encoder with the given head (default: the shipped one), loaded once."""
    return EncoderScorer(EncoderHead.load(head_path or default_head_path()))
