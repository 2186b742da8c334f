"""A hashed linear model in a versioned, byte-deterministic file, scored in plain Python.

File layout: a magic line, one JSON header line (sorted keys, no timestamps), then the
weights as zlib-compressed little-endian int16 (quantised with the header's `scale`).
The same weights always give the same bytes, so `flamewatch train` on the same data and code
writes an identical file and a stale model shows up as a diff.
"""

from __future__ import annotations

import json
import math
import sys
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.detect.learned.features import FEATURE_VERSION, Signals, feature_names, hashed

MAGIC = b"FLAMEWATCH-MODEL 1\n"
KIND = "hashed-linear"


class ModelError(ValueError):
    """The model file is missing, damaged or of another version."""


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

    # -- scoring -------------------------------------------------------------------------

    def predict(self, own: str, signals: Signals, explain: int = 3) -> Prediction:
        text, sig = feature_names(own, signals)
        w = self.weights
        tv = row_values(len(text))
        th = hashed(text, self.dim)
        z = self.bias
        for i in th:
            z += w[i] * tv
        for i in hashed(sig, self.dim):
            z += w[i]
        p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
        top: tuple[tuple[str, float], ...] = ()
        if explain:
            contrib = [(w[i] * tv, name) for name, i in zip(text, th, strict=True) if w[i] > 0]
            contrib.sort(key=lambda c: (-c[0], c[1]))
            top = tuple((_readable(name), round(c, 3)) for c, name in contrib[:explain])
        return Prediction(p, top)

    # -- file ----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        peak = max((abs(x) for x in self.weights), default=0.0) or 1.0
        scale = peak / 32767.0
        q = array("h", (round(x / scale) for x in self.weights))
        if sys.byteorder != "little":
            q.byteswap()
        header = {
            **self.meta,
            "kind": KIND,
            "feature_version": FEATURE_VERSION,
            "dim": self.dim,
            "scale": repr(scale),
            "bias": repr(round(self.bias, 6)),
            "threshold": self.threshold,
        }
        line = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
        return MAGIC + line + b"\n" + zlib.compress(q.tobytes(), 9)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "model") -> LinearModel:
        if not data.startswith(MAGIC):
            raise ModelError(f"{source}: not a Flamewatch model file")
        rest = data[len(MAGIC) :]
        nl = rest.find(b"\n")
        try:
            header = json.loads(rest[:nl])
            raw = zlib.decompress(rest[nl + 1 :])
        except (ValueError, zlib.error) as exc:
            raise ModelError(f"{source}: damaged model file ({exc})") from None
        if header.get("kind") != KIND:
            raise ModelError(f"{source}: model kind {header.get('kind')!r}, expected {KIND!r}")
        if header.get("feature_version") != FEATURE_VERSION:
            raise ModelError(
                f"{source}: trained on feature version {header.get('feature_version')}, "
                f"this code has {FEATURE_VERSION}: run `make model`"
            )
        q = array("h")
        q.frombytes(raw)
        if sys.byteorder != "little":
            q.byteswap()
        dim = int(header["dim"])
        if len(q) != dim:
            raise ModelError(f"{source}: {len(q)} weights, header says {dim}")
        scale = float(header["scale"])
        meta = {
            k: v
            for k, v in header.items()
            if k not in ("kind", "feature_version", "dim", "scale", "bias", "threshold")
        }
        return cls(
            dim=dim,
            weights=[x * scale for x in q],
            bias=float(header["bias"]),
            threshold=float(header.get("threshold", 0.5)),
            meta=meta,
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model {path}: {exc.strerror}") from None
        return cls.from_bytes(data, str(path))


def _readable(name: str) -> str:
    kind, _, value = name.partition(":")
    if kind == "b":
        return value.replace("<s> ", "").replace(" </s>", "")
    if kind == "p":
        return value + "…"
    return value
