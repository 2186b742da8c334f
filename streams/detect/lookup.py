"""A thread's participants by name (`Lookup`): built once per set of names and shared, never
changed after it is built, so it can carry what is derived from it.

It keeps the prefixes of its keys (does any name start like this word?) and, for the last
text it was asked about, the answers of pure functions of (text, lookup) such as the
participant a reply opens with: a comment's step asks those several times.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from itertools import chain
from typing import TypeVar

T = TypeVar("T")
_MISSING = object()


class Lookup(dict[str, str]):
    """Normalised name key -> author id. Do not change it once built."""

    __slots__ = ("_heads", "_memo", "_prefixes")

    def __init__(self, *args: object, **kwargs: str) -> None:
        super().__init__(*args, **kwargs)
        self._prefixes: frozenset[str] | None = None
        self._heads: frozenset[str] | None = None
        self._memo: tuple[str, dict[Hashable, object]] = ("", {})


def prefixes(lookup: Mapping[str, str]) -> frozenset[str]:
    """Every prefix of every key: a word whose normalised form is not one cannot start a name
    (a two-word name's key starts with its first word's)."""
    if isinstance(lookup, Lookup):
        if lookup._prefixes is None:
            lookup._prefixes = _prefixes(lookup)
        return lookup._prefixes
    return _prefixes(lookup)


def heads(lookup: Mapping[str, str]) -> frozenset[str]:
    """The prefixes of one or two characters of every key: `prefixes(lookup)` asked only
    about a word's first two characters (much cheaper to build for a new lookup)."""
    if isinstance(lookup, Lookup):
        if lookup._heads is None:
            lookup._heads = _heads(lookup)
        return lookup._heads
    return _heads(lookup)


def _heads(keys: Mapping[str, str]) -> frozenset[str]:
    return frozenset([k[:1] for k in keys] + [k[:2] for k in keys])


def _prefixes(keys: Mapping[str, str]) -> frozenset[str]:
    return frozenset(chain.from_iterable(map(_key_prefixes, keys)))


@functools.lru_cache(maxsize=16384)
def _key_prefixes(key: str) -> tuple[str, ...]:
    return tuple(key[:j] for j in range(1, len(key) + 1))


def remembered(lookup: Mapping[str, str], text: str, key: Hashable, fn: Callable[[], T]) -> T:
    """fn(), a pure function of (text, lookup), remembered for the last text asked about."""
    if not isinstance(lookup, Lookup):
        return fn()
    memo = lookup._memo
    if memo[0] is not text and memo[0] != text:
        memo = (text, {})
        lookup._memo = memo  # one assignment: a result is only ever stored with its own text
    found = memo[1].get(key, _MISSING)
    if found is _MISSING:
        found = memo[1][key] = fn()
    return found  # type: ignore[return-value]
