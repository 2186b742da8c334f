"""The worker's compact binary encoding of thread states (table values, changelog records).

The core's `encode_state` gives JSON arrays (readable, ~1.5 KB for a 10-comment thread). The
worker stores them deflated, behind a one-byte format tag:

    0x01 + raw DEFLATE (level 1, no zlib header) of encode_state(state)

about a third of the size (ids, authors and field layout repeat a lot) for ~25 µs per state,
paid once per thread per flush. `decode` also reads the core's plain JSON (it starts with
`[`), so changelogs written before this format keep working.

The core's encode/decode API is unchanged; this is only the service's wrapping of its bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

DEFLATE = 0x01
_JSON_START = ord("[")
_LEVEL = 1
_WBITS = -15  # raw deflate: no header, no checksum (Kafka already checks record CRCs)


class StateCodec:
    """encode/decode around the core's state codec."""

    def __init__(
        self, encode_state: Callable[[Any], bytes], decode_state: Callable[[bytes], Any]
    ) -> None:
        self._encode = encode_state
        self._decode = decode_state

    def encode(self, state: Any) -> bytes:
        return bytes((DEFLATE,)) + zlib.compress(self._encode(state), _LEVEL, _WBITS)

    def decode(self, data: bytes) -> Any:
        """The state; ValueError on bytes that are neither format."""
        return self._decode(self.unwrap(data))

    @staticmethod
    def unwrap(data: bytes) -> bytes:
        """The core's encoding inside `data` (ValueError when it is not a known format)."""
        if not data:
            raise ValueError("empty thread state")
        tag = data[0]
        if tag == _JSON_START:
            return data
        if tag == DEFLATE:
            try:
                return zlib.decompress(data[1:], _WBITS)
            except zlib.error as exc:
                raise ValueError(f"corrupt deflated thread state: {exc}") from None
        raise ValueError(f"unknown thread state format 0x{tag:02x}")
