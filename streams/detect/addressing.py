"""Who answers whom: from parent_id and from the text (names, @mentions, copied headers,
quotes of earlier comments, alternation among flattened siblings)."""

from __future__ import annotations

import functools
import re
import zlib

from streams.detect.lexicons import NAME_ORDINARY
from streams.detect.lookup import Lookup
from streams.detect.replies import replies
from streams.detect.state import CommentRec, ThreadState
from streams.detect.text import Prepared, leading_name, name_keys, norm_name
from streams.detect.unmask import LEET_DIGITS

_SHINGLE_WORD = re.compile(rb"[a-z0-9']+")
_MAX_SHINGLES = 8


def _word_hashes(text: str) -> list[int]:
    # the words are ASCII: the same are found in the UTF-8 bytes (one encode, not one a word).
    # No cache: on real text most words are new to it, and a miss costs more than a crc32.
    return list(map(zlib.crc32, _SHINGLE_WORD.findall(text.lower().encode("utf-8", "surrogatepass"))))


def _trigram_hashes(text: str) -> list[int]:
    hs = _word_hashes(text)
    return [
        ((a * 1_000_003) ^ (b * 8191) ^ c) & 0xFFFFFFFF
        for a, b, c in zip(hs, hs[1:], hs[2:], strict=False)
    ]


def shingles(text: str) -> tuple[int, ...]:
    """Content-sampled hashes of word triples: a quote of ~8+ words shares some with its source."""
    out: list[int] = []
    hs = _word_hashes(text)
    for a, b, c in zip(hs, hs[1:], hs[2:]):  # noqa: B905 (shorter on purpose)
        h = ((a * 1_000_003) ^ (b * 8191) ^ c) & 0xFFFF
        if not h % 3 and h not in out:
            out.append(h)
            if len(out) >= _MAX_SHINGLES:
                break
    return tuple(out)


def name_lookup(state: ThreadState, exclude: str) -> Lookup:
    """Normalised name key -> author id for the thread's participants other than `exclude`.
    Where two participants claim a key, the one earlier in `state.names` has it."""
    names = state.names
    lookup = _uncontested(frozenset(names.items()), exclude)
    return lookup if lookup is not None else _lookup(tuple(names.items()), exclude)


@functools.lru_cache(maxsize=4096)
def _uncontested(names: frozenset[tuple[str, str]], exclude: str) -> Lookup | None:
    """The lookup when no two participants claim a key (then the order of the names does
    not matter, so one lookup serves every order they were active in), else None."""
    lookup = Lookup()
    for aid, name in names:
        if aid == exclude:
            continue
        for key in (*name_keys(name), norm_name(aid)):
            if lookup.setdefault(key, aid) != aid:
                return None
    return lookup


@functools.lru_cache(maxsize=4096)
def _lookup(names: tuple[tuple[str, str], ...], exclude: str) -> Lookup:
    lookup = Lookup()
    for aid, name in names:
        if aid == exclude:
            continue
        for key in name_keys(name):
            lookup.setdefault(key, aid)
        lookup.setdefault(norm_name(aid), aid)
    return lookup


def addressee_from_text(
    prepared: Prepared, lookup: dict[str, str], state: ThreadState, author: str
) -> str | None:
    """A participant the text itself says it answers, or None."""
    for header in prepared.header_names:  # a copied header is the strongest sign
        aid = lookup.get(norm_name(header))
        if aid is None:
            first = header.split()[0] if header.split() else ""
            aid = lookup.get(norm_name(first))
        if aid:
            return aid
    aid = leading_name(prepared.own, lookup)
    if aid:
        return aid
    for mention in prepared.mentions:
        if mention in lookup:
            return lookup[mention]
    if prepared.quoted:
        quoted = set()
        for q in prepared.quoted:
            quoted.update(_all_shingles(q))
        if quoted:
            for rec in reversed(list(state.comments.values())):
                if rec.author_id != author and quoted.intersection(rec.shingles):
                    return rec.author_id
    return None


def _all_shingles(text: str) -> set[int]:
    return {h & 0xFFFF for h in _trigram_hashes(text)}


def addressee_from_tree(state: ThreadState, author: str, parent_id: str | None) -> str | None:
    """The parent's author, or, among flattened siblings, the other side of an alternation."""
    if parent_id is None:
        return None
    parent = state.comments.get(parent_id)
    if parent is None:
        return None
    prev: CommentRec | None = None
    self_in_run = False
    comments = state.comments
    for cid in reversed(replies(state).get(parent_id, ())):
        rec = comments[cid]
        if rec.author_id == author:
            self_in_run = True
            if prev is not None:
                break
        elif prev is None:
            prev = rec
            if self_in_run:
                break
    alternating = prev is not None and prev.author_id != parent.author_id
    if alternating and (parent.author_id == author or self_in_run or prev.addressee == author):  # type: ignore[union-attr]
        return prev.author_id  # type: ignore[union-attr]
    return parent.author_id if parent.author_id != author else None


def third_person_target(state: ThreadState, author: str, addressee: str | None) -> str | None:
    """Whom 'he/she' most likely means: the author's own recent opponent, else the person the
    addressee was answering, else the most recently active other participant."""
    recs = list(state.comments.values())
    for rec in reversed(recs):
        if rec.author_id != author:
            continue
        for candidate in (rec.target, rec.addressee):
            if candidate not in (None, author, addressee):
                return candidate
    if addressee is not None:
        for rec in reversed(recs):
            if rec.author_id == addressee and rec.addressee not in (None, author, addressee):
                return rec.addressee
    for rec in reversed(recs):
        if rec.author_id not in (author, addressee):
            return rec.author_id
    return None


_CHAT_WORD = re.compile(r"[a-z0-9_]+")
_CHAT_LEET = str.maketrans(LEET_DIGITS)
_SECOND_PERSON = frozenset("you your you're youre u ur yours yourself ya".split())
CHAT_GAP_SECONDS = 120.0
"""A top-level comment this soon after another's reads as a reply to it in a chat."""
CHAT_MAX_WORDS = 30


def addressee_in_chat(
    state: ThreadState, author: str, ts: float, own: str
) -> str | None:
    """Whom a short top-level comment answers in a chat: only when the last other speaker's
    comment was top level too and within CHAT_GAP_SECONDS of event time. A participant named
    in chat spelling ('mossy' for 'mossyboots', 'kraken' for 'Kr4ken_'; never an ordinary
    word), else, when it says 'you', that last speaker."""
    words = _CHAT_WORD.findall(own.lower())
    if not words or len(words) > CHAT_MAX_WORDS:
        return None
    last = next((r for r in reversed(state.comments.values()) if r.author_id != author), None)
    if last is None or last.parent_id is not None or ts - last.ts > CHAT_GAP_SECONDS:
        return None  # not a chat: nobody else spoke at the top level just now
    handles = {
        aid: norm_name(name).translate(_CHAT_LEET).rstrip("0123456789")
        for aid, name in state.names.items()
        if aid != author
    }
    for word in words:
        word = word.strip("_").translate(_CHAT_LEET)
        if len(word) < 4 or word in NAME_ORDINARY:
            continue
        for aid, handle in handles.items():
            if len(handle) >= 4 and handle.startswith(word) and 2 * len(word) >= len(handle):
                return aid
    return None if _SECOND_PERSON.isdisjoint(words) else last.author_id
