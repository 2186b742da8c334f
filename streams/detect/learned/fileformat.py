"""The model file format shared by every learned tier: a magic line, one JSON header line
(sorted keys, no timestamps), then weights as zlib-compressed little-endian int16 quantised
with the header's `scale`. The same weights always give the same bytes."""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from collections.abc import Sequence
from typing import Any

MAGIC = b"FLAMEWATCH-MODEL 1\n"


class ModelError(ValueError):
    """The model file is missing, damaged or of another kind or version."""


def pack(header: dict[str, Any], weights: Sequence[float]) -> bytes:
    peak = max((abs(x) for x in weights), default=0.0) or 1.0
    scale = peak / 32767.0
    q = array("h", (round(x / scale) for x in weights))
    if sys.byteorder != "little":
        q.byteswap()
    full = {**header, "scale": repr(scale), "n_weights": len(q)}
    line = json.dumps(full, sort_keys=True, separators=(",", ":")).encode()
    return MAGIC + line + b"\n" + zlib.compress(q.tobytes(), 9)


def unpack(data: bytes, kind: str, source: str) -> tuple[dict[str, Any], list[float]]:
    if not data.startswith(MAGIC):
        raise ModelError(f"{source}: not a Flamewatch model file")
    rest = data[len(MAGIC) :]
    nl = rest.find(b"\n")
    try:
        header = json.loads(rest[:nl])
        raw = zlib.decompress(rest[nl + 1 :])
    except (ValueError, zlib.error) as exc:
        raise ModelError(f"{source}: damaged model file ({exc})") from None
    if header.get("kind") != kind:
        raise ModelError(f"{source}: model kind {header.get('kind')!r}, expected {kind!r}")
    q = array("h")
    q.frombytes(raw)
    if sys.byteorder != "little":
        q.byteswap()
    if len(q) != header.get("n_weights"):
        raise ModelError(f"{source}: {len(q)} weights, header says {header.get('n_weights')}")
    scale = float(header.pop("scale"))
    header.pop("n_weights")
    return header, [x * scale for x in q]
