"""Deterministic identifiers and hashes (stable across processes: never Python's hash())."""

from __future__ import annotations

import hashlib
import zlib


def alert_id(thread_id: str, dyad: str, severity: str, trigger_comment_id: str) -> str:
    raw = "\x1f".join((thread_id, dyad, severity, trigger_comment_id)).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def text_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def dyad_key(a: str, b: str) -> str:
    return f"{a}\x1f{b}" if a <= b else f"{b}\x1f{a}"
