"""Text preparation: separate the replier's own words from quoted material, find names.

Pure string functions, no state. The scorer only ever judges the replier's own words.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

_QUOTE_LINE = re.compile(r"^\s*(?:>|&gt;)")
# "Dave C 03/01/2020 at 4:00 pm", "Dave C on 3 January 2020 at 16:00", "Dave C said:", "Dave wrote:"
_HEADER = re.compile(
    r"^\s*(?P<name>[^\n]{1,40}?)\s*(?:"
    r"(?:on\s+)?(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|(?:\d{1,2}\s+)?[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4})"
    r"(?:\s*(?:at|@|,)?\s*\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?)?"
    r"(?:\s*(?:said|says|wrote|writes))?\s*:?"
    r"|(?:said|says|wrote|writes)\s*:)\s*$",
    re.IGNORECASE,
)
_HEADER_HINT = re.compile(r"\d|:\s*$")
# "On 3 March 2020 at 16:00, Dave C wrote:"
_ON_HEADER = re.compile(
    r"^\s*on\s+[^\n]{4,60}?,\s*(?P<name>[^,\n]{1,40}?)\s+(?:said|wrote|writes|says)\s*:?\s*$",
    re.IGNORECASE,
)
_BLOCKQUOTE = re.compile(r"<blockquote[^>]*>(.*?)</blockquote>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>\n]{1,200}>")
_QUOTED_SPAN = re.compile(
    r"“[^”\n]{1,600}”|„[^“”\n]{1,600}[“”]|\"[^\"\n]{1,600}\"|«[^»\n]{1,600}»|‘[^’\n]{2,600}’(?!\w)|(?<![\w'])'[^'\n]{2,200}'(?![\w'])"
)
_MENTION = re.compile(r"@([A-Za-z0-9_.\-]{2,40})")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'’\-]*")
_NORM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=65536)
def norm_name(name: str) -> str:
    """'Steve H' -> 'steveh'; 'steve_h' -> 'steveh'."""
    return _NORM.sub("", name.lower())


@functools.lru_cache(maxsize=8192)
def name_keys(display_name: str) -> frozenset[str]:
    """Normalised variants a display name is written as: full, and first word if distinctive."""
    keys = set()
    full = norm_name(display_name)
    if len(full) >= 2:
        keys.add(full)
    words = [w for w in re.split(r"[\s_.\-]+", display_name) if w]
    if len(words) > 1:
        first = norm_name(words[0])
        if len(first) >= 3:
            keys.add(first)
    # "Heenan73" is also written "Heenan"
    stripped = full.rstrip("0123456789")
    if len(stripped) >= 4 and stripped != full:
        keys.add(stripped)
    return frozenset(keys)


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


QUOTE_MARK = " ¶ "


def prepare(text: str) -> Prepared:
    """Split a comment into own words vs quoted material."""
    quoted: list[str] = []
    headers: list[str] = []
    kept: list[str] = []
    if "<" in text or "&" in text:
        text = _from_html(text, quoted)
    lines = text.splitlines()
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if _QUOTE_LINE.match(line):
            quoted.append(line.lstrip(" >"))
            kept.append(QUOTE_MARK)
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
            j = i + 1
            block: list[str] = []
            while j < n and lines[j].strip():
                block.append(lines[j])
                j += 1
            if j >= n and len(block) > 1:
                # no blank line after the quote: only the first line is the copy
                block = block[:1]
                j = i + 2
            quoted.append(" ".join(block))
            kept.append(QUOTE_MARK)
            i = j
            continue
        kept.append(line)
        i += 1
    own = "\n".join(kept)
    if '"' in own or "“" in own or "‘" in own or "«" in own or "„" in own or "'" in own:
        spans = _QUOTED_SPAN.findall(own)
        if spans:
            quoted.extend(s[1:-1] for s in spans)
            own = _QUOTED_SPAN.sub(QUOTE_MARK, own)
    mentions = tuple(norm_name(m) for m in _MENTION.findall(own)) if "@" in own else ()
    return Prepared(own=own, quoted=tuple(quoted), header_names=tuple(headers), mentions=mentions)


def _from_html(text: str, quoted: list[str]) -> str:
    """Comments exported from blogs: <blockquote> is quoted, other tags go, entities decode."""
    if "<" in text:

        def _quote(m: re.Match[str]) -> str:
            quoted.append(_TAG.sub(" ", m.group(1)).strip())
            return QUOTE_MARK

        text = _BLOCKQUOTE.sub(_quote, text)
        text = re.sub(r"<br\s*/?>|</p>", "\n", text, flags=re.IGNORECASE)
        text = _TAG.sub("", text)
    return html.unescape(text) if "&" in text else text


_FIRST_WORD = re.compile(r"[\s¶@]*([A-Za-z0-9_]+)")
_POSSESSIVE = re.compile(r"['’]s$")
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
    if word not in _INTERJECTIONS and not any(k.startswith(word[:2]) for k in lookup):
        return None  # fast path: the reply does not open with anything like a name
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
    found: list[str] = []
    matches = list(_WORD.finditer(own))
    toks = [m.group(0) for m in matches]
    for idx, tok in enumerate(toks):
        lower = not tok[:1].isupper() and not tok[:1].isdigit()
        for k in (2, 1):
            if lower and k == 1:
                continue  # a lower-case single word is too often an ordinary word
            if idx + k <= len(toks):
                key = norm_name(_POSSESSIVE.sub("", "".join(toks[idx : idx + k])))
                aid = lookup.get(key)
                if aid is not None:
                    end = matches[idx + k - 1].end()
                    vocative = _vocative(own, matches[idx].start(), end)
                    if (include_vocative or not vocative) and aid not in found:
                        found.append(aid)
                    break
    return found


def _vocative(own: str, start: int, end: int) -> bool:
    """A name set off by punctuation at a sentence edge is someone addressed, not discussed."""
    before = own[max(0, start - 3) : start].strip()
    after = own[end : end + 2]
    at_sentence_start = not before or before[-1:] in ".!?\n¶" or before.lower() in _INTERJECTIONS
    if at_sentence_start and _VOCATIVE_END.match(after):
        return True
    return before.endswith(",") and (not after.strip() or after.strip()[:1] in ".!?")
