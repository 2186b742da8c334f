"""The encoder tier's head: logistic regression on the sentence embedding of the replier's own
words, in the shared model file format (kind `embedding-linear`). It sees text only: the
core blends its probability with the fast tier's, which already weighs the rules' signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from streams.detect.learned.fileformat import ModelError, pack, unpack
from streams.encoder.embed import DIM

KIND = "embedding-linear"
HEAD_VERSION = 2


@dataclass(slots=True)
class EncoderHead:
    weights: list[float]
    bias: float
    meta: dict[str, Any] = field(default_factory=dict)
    calibration: tuple[float, float] = (1.0, 0.0)
    """(a, b) fitted on leave-one-split-out predictions, as for the fast tier."""

    def margins(self, embeddings: np.ndarray) -> np.ndarray:
        w = np.asarray(self.weights, dtype=np.float64)
        return np.asarray(embeddings.astype(np.float64) @ w + self.bias)

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for rows of embeddings."""
        a, b = self.calibration
        z = a * self.margins(embeddings) + b
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def to_bytes(self) -> bytes:
        header = {
            **self.meta,
            "kind": KIND,
            "head_version": HEAD_VERSION,
            "dim": DIM,
            "bias": repr(round(self.bias, 6)),
            "calibration": [repr(round(self.calibration[0], 6)), repr(round(self.calibration[1], 6))],
        }
        return pack(header, self.weights)

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "encoder head") -> EncoderHead:
        header, weights = unpack(data, KIND, source)
        if header.get("head_version") != HEAD_VERSION or len(weights) != DIM:
            raise ModelError(f"{source}: another head version: run `make model`")
        meta = {
            k: v
            for k, v in header.items()
            if k not in ("kind", "head_version", "dim", "bias", "calibration")
        }
        a, b = header.get("calibration", ["1.0", "0.0"])
        return cls(weights, float(header["bias"]), meta, (float(a), float(b)))

    @classmethod
    def load(cls, path: Path) -> EncoderHead:
        try:
            return cls.from_bytes(path.read_bytes(), str(path))
        except OSError as exc:
            raise ModelError(f"cannot read encoder head {path}: {exc.strerror}") from None

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)

