"""Text preparation: separate the replier's own words from quoted material, find names.

Pure string functions, no state. The scorer only ever judges the replier's own words.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from streams.detect import offsets
from streams.detect.delimited import Alt, Delimited
from streams.detect.lexicons import NAME_ORDINARY
from streams.detect.lookup import heads, prefixes, remembered
from streams.detect.offsets import IDENTITY, Chain, Edit, OffsetMap

_QUOTE_LINE = re.compile(r"^\s*(?:>|&gt;)")
# "Dave C 03/01/2020 at 4:00 pm", "Dave C on 3 January 2020 at 16:00", "Dave C said:", "Dave wrote:"
# (possessive runs of spaces: each run belongs to one place, so a line of tabs costs no more
# than a line of letters)
_HEADER = re.compile(
    r"^\s*+(?P<name>[^\n]{1,40}?)\s*+(?:"
    r"(?:on\s++)?(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|(?:\d{1,2}\s++)?[A-Z][a-z]{2,8}\.?\s++\d{1,2}(?:st|nd|rd|th)?,?\s++\d{4}"
    r"|\d{1,2}\s++[A-Z][a-z]{2,8}\s++\d{4})"
    r"(?:\s*+(?:(?:at|@|,)\s*+)?\d{1,2}[:.]\d{2}\s*+(?:[ap]\.?m\.?)?)?"
    r"(?:\s*+(?:said|says|wrote|writes))?\s*+:?"
    r"|(?:said|says|wrote|writes)\s*+:)\s*+$",
    re.IGNORECASE,
)
_HEADER_HINT = re.compile(r"\d|:\s*$")
# "On 3 March 2020 at 16:00, Dave C wrote:"
_ON_HEADER = re.compile(
    r"^\s*on\s+[^\n]{4,60}?,\s*(?P<name>[^,\n]{1,40}?)\s+(?:said|wrote|writes|says)\s*:?\s*$",
    re.IGNORECASE,
)
_W = re.compile(r"\w")
# The timestamp of a talk-page signature ("— Ravensworth (talk) 14:02, 3 May 2021 (UTC)"),
# with a dash just before it: when, not what, the writer said; the scorers never read it (a
# model learned 'utc' as a sign of attack from which writers signed). The name before it is
# left alone: telling a name from the writer's last words needs more than a pattern.
_SIGNATURE_TIME = re.compile(r"\d{1,2}:\d{2},?[ \t]*+\d{1,2}[ \t]++[A-Z][a-z]{2,8}[ \t]++\d{4}[ \t]*+\(UTC\)")
_SIGNATURE_DASH = re.compile(r"[-—–~]{1,2}[ \t]*+$")


def _signature_spans(own: str) -> list[tuple[int, int]]:
    """Spans of signature timestamps, each with the dash right before it, if any."""
    spans = []
    last = 0
    for m in _SIGNATURE_TIME.finditer(own):
        dash = _SIGNATURE_DASH.search(own, max(last, m.start() - 80), m.start())
        spans.append((m.start() if dash is None else dash.start(), m.end()))
        last = m.end()
    return spans


def _not_word(text: str, i: int) -> bool:
    return i >= len(text) or _W.match(text, i) is None


def _not_word_or_apostrophe(text: str, i: int) -> bool:
    return i >= len(text) or (text[i] != "'" and _W.match(text, i) is None)


def _alt(
    opener: str,
    stops: str,
    closers: str,
    lo: int,
    hi: int,
    after: Callable[[str, int], bool] | None = None,
    run: str | None = None,
) -> Alt:
    return Alt(
        re.compile(opener),
        re.compile(stops),
        closers,
        lo,
        hi,
        after,
        re.compile(run) if run else None,
    )


# “…” „…“ "…" «…» ‘…’ '…' (at most 600 characters, 200 for '…', on one line)
QUOTED_SPANS = Delimited(
    re.compile(
        r"“[^”\n]{1,600}”|„[^“”\n]{1,600}[“”]|\"[^\"\n]{1,600}\"|«[^»\n]{1,600}»"
        r"|‘[^’\n]{2,600}’(?!\w)|(?<![\w'])'[^'\n]{2,200}'(?![\w'])"
    ),
    _alt("“", "[”\n]", "”", 1, 600),
    _alt("„", "[“”\n]", "“”", 1, 600),
    _alt('"', '["\n]', '"', 1, 600, run='"+'),
    _alt("«", "[»\n]", "»", 1, 600),
    _alt("‘", "[’\n]", "’", 2, 600, _not_word),
    _alt(r"(?<![\w'])'", "['\n]", "'", 2, 200, _not_word_or_apostrophe),
)
# <…> on one line, at most 200 characters inside
TAGS = Delimited(re.compile(r"<[^>\n]{1,200}>"), _alt("<", "[>\n]", ">", 1, 200), short=1000)
_MENTION = re.compile(r"@([A-Za-z0-9_.\-]{2,40})")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'’\-]*")
_NORM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=65536)
def norm_name(name: str) -> str:
    """'Steve H' -> 'steveh'; 'steve_h' -> 'steveh'."""
    return _NORM.sub("", name.lower())


@functools.lru_cache(maxsize=8192)
def name_keys(display_name: str) -> frozenset[str]:
    """Normalised variants a display name is written as: full; first word if distinctive
    (not an ordinary word, lexicons/name_ordinary.txt);
    last word if distinctive ('M. Okafor' -> 'okafor', 'old_labour_ollie' -> 'ollie'); the
    capitalised head of a CamelCase handle ('JackieB' -> 'jackie', 'DazzaRox_93' -> 'dazza');
    without trailing digits ('Heenan73' -> 'heenan')."""
    keys = set()
    full = norm_name(display_name)
    if len(full) >= 2:
        keys.add(full)
    words = [w for w in _NAME_SPLIT.split(display_name) if w]
    if len(words) > 1:
        first = norm_name(words[0])
        if len(first) >= 3 and first not in NAME_ORDINARY:
            keys.add(first)
        last = norm_name(words[-1])
        if len(last) >= 4 and not last.isdigit() and last not in NAME_ORDINARY:
            keys.add(last)
    if words:
        parts = _CAMEL.findall(words[0])
        head = norm_name(parts[0]) if len(parts) > 1 and parts[0][0].isupper() else ""
        if len(head) >= 3 and head not in NAME_ORDINARY:
            keys.add(head)
    # "Heenan73" is also written "Heenan"
    stripped = full.rstrip("0123456789")
    if len(stripped) >= 4 and stripped != full:
        keys.add(stripped)
    return frozenset(keys)


_NAME_SPLIT = re.compile(r"[\s_.\-()]+")
_CAMEL = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|[0-9]+")


@dataclass(frozen=True, slots=True)
class Prepared:
    """The replier's own words and what the text says about whom it answers."""

    own: str
    """Text with quotes and copied headers removed (quotes become a neutral marker)."""
    quoted: tuple[str, ...]
    """Quoted passages (not the replier's words)."""
    header_names: tuple[str, ...]
    """Names from copied 'Name 03/01/2020 at 4:00 pm' / 'Name wrote:' headers."""
    mentions: tuple[str, ...]
    """@mentions, normalised."""
    origin: Chain = IDENTITY
    """Offsets in `own` -> offsets in the comment text."""
    length: int = 0
    """Characters in the comment."""
    scored: int = 0
    """Characters read: the first `scored` of `length` (the length budget)."""

    @property
    def truncated(self) -> bool:
        return self.scored < self.length


QUOTE_MARK = " ¶ "
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _line_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each line, as str.splitlines() cuts them."""
    lines = text.splitlines()
    if len(lines) <= 1 and (not lines or len(lines[0]) == len(text)):
        return [(0, len(text))] if text else []
    spans = []
    start = 0
    for m in _LINE_BREAK.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def prepare(text: str, max_chars: int | None = None) -> Prepared:
    """Split a comment into own words vs quoted material. Only the first `max_chars`
    characters are read (all when None)."""
    length = len(text)
    if max_chars is not None and length > max_chars:
        text = text[:max_chars]
    scored = len(text)
    quoted: list[str] = []
    headers: list[str] = []
    chain = IDENTITY
    if "<" in text or "&" in text:
        text, chain = _from_html(text, quoted)
    spans = _line_spans(text)
    n = len(spans)
    blank: list[int] | None = None  # the next blank line, from each line (when needed)
    # kept lines (or a quote marker for a quote line / a copied header and its paragraph)
    kept: list[tuple[int, int, str | None]] = []
    i = 0
    while i < n:
        a, b = spans[i]
        line = text[a:b]
        if _QUOTE_LINE.match(line):
            quoted.append(line.lstrip(" >"))
            kept.append((a, b, QUOTE_MARK))
            i += 1
            continue
        m = None
        if len(line) < 120 and line.lstrip()[:3].lower() == "on ":
            m = _ON_HEADER.match(line)
        if m is None and len(line) < 90 and _HEADER_HINT.search(line):
            m = _HEADER.match(line)
        if m and i + 1 < n:
            headers.append(m.group("name").strip(" -–—:,"))
            # the copied comment runs to the next blank line (or one line if none follows)
            if blank is None:
                blank = _next_blank(text, spans)
            j = blank[i + 1]
            if j >= n and j - (i + 1) > 1:
                # no blank line after the quote: only the first line is the copy
                j = i + 2
            quoted.append(" ".join(text[spans[k][0] : spans[k][1]] for k in range(i + 1, j)))
            kept.append((a, spans[j - 1][1], QUOTE_MARK))
            i = j
            continue
        kept.append((a, b, None))
        i += 1
    own, lines_map = _join(text, kept)
    chain = chain.then(lines_map)
    if _may_quote(own):
        spans_q = QUOTED_SPANS.spans(own)
        if spans_q:
            quoted.extend(own[a + 1 : b - 1] for a, b in spans_q)
            own, m_q = offsets.replace(own, spans_q, QUOTE_MARK)
            chain = chain.then(m_q)
    if "(UTC)" in own:
        own, m_s = offsets.replace(own, _signature_spans(own), "")
        chain = chain.then(m_s)
    mentions = tuple(norm_name(m) for m in _MENTION.findall(own)) if "@" in own else ()
    return Prepared(
        own=own,
        quoted=tuple(quoted),
        header_names=tuple(headers),
        mentions=mentions,
        origin=chain,
        length=length,
        scored=scored,
    )


def _may_quote(own: str) -> bool:
    """Could QUOTED_SPANS match? Each of its spans needs an opening and a closing mark."""
    return (
        own.count("'") > 1
        or own.count('"') > 1
        or ("“" in own and "”" in own)
        or ("„" in own and ("“" in own or "”" in own))
        or ("‘" in own and "’" in own)
        or ("«" in own and "»" in own)
    )


def _next_blank(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """For each line, the index of the first blank line at or after it (len(spans) if none)."""
    n = len(spans)
    out = [n] * (n + 1)
    for k in range(n - 1, -1, -1):
        a, b = spans[k]
        out[k] = k if not text[a:b].strip() else out[k + 1]
    return out


def _join(text: str, kept: list[tuple[int, int, str | None]]) -> tuple[str, OffsetMap | None]:
    """The kept lines joined with newlines, and the map back to `text`."""
    if len(kept) == 1 and kept[0][2] is None and kept[0][:2] == (0, len(text)):
        return text, None
    edit = Edit(text)
    prev_end: int | None = None
    for a, b, mark in kept:
        if prev_end is not None:
            edit.replace(prev_end, a, "\n")
        if mark is None:
            edit.copy(a, b)
        else:
            edit.replace(a, b, mark)
        prev_end = b
    return edit.done()


_BR = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
# ASCII case folding with the same length ('K', Kelvin sign, folds to 'k' under IGNORECASE)
_FOLD = str.maketrans({**{chr(c): chr(c + 32) for c in range(65, 91)}, "\u212a": "k"})


def _blockquotes(text: str, quoted: list[str]) -> tuple[str, OffsetMap | None]:
    """<blockquote ...>…</blockquote> -> a quote marker, in one left-to-right pass (the same
    matches as the pattern `<blockquote[^>]*>(.*?)</blockquote>`, IGNORECASE | DOTALL)."""
    folded = text.translate(_FOLD)
    edit: Edit | None = None
    pos = last = 0
    while True:
        p = folded.find("<blockquote", pos)
        if p < 0:
            break
        g = text.find(">", p + 11)
        if g < 0:
            break  # no '>' after this opening, nor after any later one
        c = folded.find("</blockquote>", g + 1)
        if c < 0:
            break  # no closing after this opening, nor after any later one
        if edit is None:
            edit = Edit(text)
        quoted.append(TAGS.sub(" ", text[g + 1 : c])[0].strip())
        edit.copy(last, p)
        edit.replace(p, c + 13, QUOTE_MARK)
        pos = last = c + 13
    if edit is None:
        return text, None
    edit.copy(last, len(text))
    return edit.done()


def _from_html(text: str, quoted: list[str]) -> tuple[str, Chain]:
    """Comments exported from blogs: <blockquote> is quoted, other tags go, entities decode."""
    chain = IDENTITY
    if "<" in text:
        text, m = _blockquotes(text, quoted)
        chain = chain.then(m)
        text, m = offsets.sub(_BR, "\n", text)
        chain = chain.then(m)
        text, m = offsets.replace(text, TAGS.spans(text), "")
        chain = chain.then(m)
    if "&" in text:
        text, m = offsets.sub(_CHARREF, lambda m: html.unescape(m.group(0)), text)
        chain = chain.then(m)
    return text, chain


_FIRST_WORD = re.compile(r"(?<![\s¶@])[\s¶@]*+([A-Za-z0-9_]+)")
_POSSESSIVE = re.compile(r"['’]s$")
_POSSESSIVE_ENDS = ("'s", "’s")  # what _POSSESSIVE finds in a word (no line break in one)
_INTERJECTIONS = frozenset(
    "sorry thanks thank cheers hi hello hey oh ah well ok okay look listen yes no nope yeah yep "
    "mate dear to and but so right honestly seriously lol ha haha wow".split()
)
_VOCATIVE_END = re.compile(r"^\s*[,:;!?.–—-]")


def leading_name(own: str, lookup: dict[str, str]) -> str | None:
    """The participant a reply opens with: 'Dave – you…', 'Sam H Are you…', '@sam …',
    also after an interjection: 'Sorry Maria.', 'Thanks Sarah,'.

    `lookup` maps normalised name keys to author ids. Returns an author id or None.
    """
    first = _FIRST_WORD.match(own)
    if first is None:
        return None
    word = first.group(1).lower()
    if word not in _INTERJECTIONS and word[:2] not in heads(lookup):
        return None  # fast path: the reply does not open with anything like a name
    return remembered(lookup, own, "lead", lambda: _leading_name(own, lookup))


def _leading_name(own: str, lookup: dict[str, str]) -> str | None:
    at_sign = own.lstrip(" \t\n¶").startswith("@")
    head = own.lstrip(" \t\n¶@").split("\n", 1)[0][:80]
    matches = list(_WORD.finditer(head))[:6]
    toks = [m.group(0) for m in matches]
    start = 0
    while start < 2 and start < len(toks) and toks[start].lower() in _INTERJECTIONS:
        start += 1
    for offset in dict.fromkeys((0, start)):
        rest = toks[offset : offset + 3]
        # longest match first: 'Sam H' before 'Sam'
        for k in (3, 2, 1):
            if len(rest) >= k:
                key = norm_name("".join(rest[:k]))
                if key in lookup and (at_sign or _addressed(head, matches, offset + k)):
                    return lookup[key]
    return None


_ADDRESS_WORDS = frozenset("you your you're youre u mate pal love dear sir madam".split())


def _addressed(head: str, matches: list[re.Match[str]], after: int) -> bool:
    """A name opening a reply addresses someone unless it is the subject of a verb
    ('Hazel gets the apology'): it must be followed by punctuation, a capital, or 'you'."""
    if after >= len(matches):
        return True
    gap = head[matches[after - 1].end() : matches[after].start()]
    nxt = matches[after].group(0)
    return bool(gap.strip()) or nxt[:1].isupper() or nxt.lower() in _ADDRESS_WORDS


def named_participants(
    own: str, lookup: dict[str, str], include_vocative: bool = False
) -> list[str]:
    """Participants named in the own words (capitalised, or a lower-case full name), in order
    of mention, leaving out names used to address someone ('…, Maggie.', 'Maria, don't…')."""
    if not lookup:
        return []
    hits = remembered(lookup, own, "named", lambda: _named(own, lookup))
    found: list[str] = []
    for aid, vocative in hits:
        if (include_vocative or not vocative) and aid not in found:
            found.append(aid)
    return found


def _named(own: str, lookup: dict[str, str]) -> tuple[tuple[str, bool], ...]:
    """Every participant named, in order, each with whether it addresses them (vocative):
    one pass serves both questions named_participants answers."""
    found: list[tuple[str, bool]] = []
    matches = list(_WORD.finditer(own))
    toks = [m.group(0) for m in matches]
    first_two = heads(lookup)
    starts: frozenset[str] | None = None  # (built only when some word starts like a name)
    for idx, tok in enumerate(toks):
        if not tok.endswith(_POSSESSIVE_ENDS):
            word = norm_name(tok)
            if word[:2] not in first_two:
                continue  # no name starts with this word's first two letters
            if starts is None:
                starts = prefixes(lookup)
            if word not in starts:
                continue  # no name starts with this word
        lower = not tok[:1].isupper() and not tok[:1].isdigit()
        for k in (2, 1):
            if lower and k == 1:
                continue  # a lower-case single word is too often an ordinary word
            if idx + k <= len(toks):
                key = norm_name(_POSSESSIVE.sub("", "".join(toks[idx : idx + k])))
                aid = lookup.get(key)
                if aid is not None:
                    end = matches[idx + k - 1].end()
                    found.append((aid, _vocative(own, matches[idx].start(), end)))
                    break
    return tuple(found)


def _vocative(own: str, start: int, end: int) -> bool:
    """A name set off by punctuation at a sentence edge is someone addressed, not discussed."""
    before = own[max(0, start - 3) : start].strip()
    after = own[end : end + 2]
    at_sentence_start = not before or before[-1:] in ".!?\n¶" or before.lower() in _INTERJECTIONS
    if at_sentence_start and _VOCATIVE_END.match(after):
        return True
    return before.endswith(",") and (not after.strip() or after.strip()[:1] in ".!?")
