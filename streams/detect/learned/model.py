"""A hashed linear model in a versioned, byte-deterministic file (fileformat.py), scored in
plain Python. `flamewatch train` on the same data and code writes an identical file, so a
stale model shows up as a diff."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.detect.learned.features import FEATURE_VERSION, Signals, feature_names, hashed
from streams.detect.learned.fileformat import MAGIC, ModelError, pack, unpack

__all__ = ["KIND", "MAGIC", "LinearModel", "ModelError", "Prediction"]

KIND = "hashed-linear"


@dataclass(frozen=True, slots=True)
class Prediction:
    probability: float
    top: tuple[tuple[str, float], ...]
    """Text features that pushed most towards 'attack', with their contribution."""


def row_values(n_text: int) -> float:
    """Each text feature of a row weighs 1/sqrt(n): long comments are not louder."""
    return 1.0 / math.sqrt(n_text) if n_text else 0.0


@dataclass(slots=True)
class LinearModel:
    dim: int
    weights: list[float]
    bias: float
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)
    calibration: tuple[float, float] = (1.0, 0.0)
    """(a, b): probability = sigmoid(a * margin + b), fitted on predictions for splits the
    model had not seen (training's leave-one-split-out folds), so it holds for new text."""

    # -- scoring -------------------------------------------------------------------------

    def margin(self, own: str, signals: Signals) -> float:
        """The uncalibrated score (log-odds as trained)."""
        return self._margin(*feature_names(own, signals))[0]

    def _margin(self, text: list[str], sig: list[str]) -> tuple[float, list[int], float]:
        w = self.weights
        tv = row_values(len(text))
        th = hashed(text, self.dim)
        z = self.bias
        for i in th:
            z += w[i] * tv
        for i in hashed(sig, self.dim):
            z += w[i]
        return z, th, tv

    def predict(self, own: str, signals: Signals, explain: int = 3) -> Prediction:
        """The probability, and the `explain` text features that pushed most towards it."""
        pred, top = self.predict_lazily(own, signals, explain)
        return Prediction(pred.probability, top())

    def predict_lazily(
        self, own: str, signals: Signals, explain: int = 3
    ) -> tuple[Prediction, Callable[[], tuple[tuple[str, float], ...]]]:
        """The probability (Prediction.top left empty) and a function that gives the top
        features when asked: the hot path only asks when it will show them."""
        text, sig = feature_names(own, signals)
        z, th, tv = self._margin(text, sig)
        w = self.weights
        a, b = self.calibration

        def top() -> tuple[tuple[str, float], ...]:
            if not explain:
                return ()
            contrib = [(w[i] * tv, name) for name, i in zip(text, th, strict=True) if w[i] > 0]
            contrib.sort(key=lambda c: (-c[0], c[1]))
            return tuple((_readable(name), round(c, 3)) for c, name in contrib[:explain])

        return Prediction(sigmoid(a * z + b), ()), top

    # -- file ----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        header = {
            **self.meta,
            "kind": KIND,
            "feature_version": FEATURE_VERSION,
            "dim": self.dim,
            "bias": repr(round(self.bias, 6)),
            "threshold": self.threshold,
            "calibration": [repr(round(self.calibration[0], 6)), repr(round(self.calibration[1], 6))],
        }
        return pack(header, self.weights)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "model") -> LinearModel:
        header, weights = unpack(data, KIND, source)
        if header.get("feature_version") != FEATURE_VERSION:
            raise ModelError(
                f"{source}: trained on feature version {header.get('feature_version')}, "
                f"this code has {FEATURE_VERSION}: run `make model`"
            )
        dim = int(header["dim"])
        if len(weights) != dim:
            raise ModelError(f"{source}: {len(weights)} weights, header says {dim}")
        meta = {
            k: v
            for k, v in header.items()
            if k not in ("kind", "feature_version", "dim", "bias", "threshold", "calibration")
        }
        a, b = header.get("calibration", ["1.0", "0.0"])
        return cls(
            dim=dim,
            weights=weights,
            bias=float(header["bias"]),
            threshold=float(header.get("threshold", 0.5)),
            meta=meta,
            calibration=(float(a), float(b)),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model {path}: {exc.strerror}") from None
        return cls.from_bytes(data, str(path))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def _readable(name: str) -> str:
    kind, _, value = name.partition(":")
    if kind == "b":
        return value.replace("<s> ", "").replace(" </s>", "")
    if kind == "p":
        return value + "…"
    return value
