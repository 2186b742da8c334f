"""The linear-time text scanners find exactly what the patterns they replace found."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.detect.offsets import OffsetMap
from streams.detect.text import QUOTED_SPANS, TAGS, _blockquotes, _line_spans, prepare

QUOTED_SPAN = re.compile(  # what text.py used before
    r"“[^”\n]{1,600}”|„[^“”\n]{1,600}[“”]|\"[^\"\n]{1,600}\"|«[^»\n]{1,600}»|‘[^’\n]{2,600}’(?!\w)"
    r"|(?<![\w'])'[^'\n]{2,200}'(?![\w'])"
)
TAG = re.compile(r"<[^>\n]{1,200}>")
BLOCKQUOTE = re.compile(r"<blockquote[^>]*>(.*?)</blockquote>", re.IGNORECASE | re.DOTALL)

PIECES = [
    "“",
    "”",
    "„",
    '"',
    "«",
    "»",
    "‘",
    "’",
    "'",
    "\n",
    "a",
    "b ",
    "_",
    "é",
    " ",
    "x'",
    "<",
    ">",
    "<blockquote>",
    "</blockquote>",
    "<BlockQuote x>",
    "</BLOCKQUOTE>",
    "<p>",
]


@st.composite
def texts(draw: st.DrawFn) -> str:
    out = []
    for _ in range(draw(st.integers(0, 40))):
        piece = draw(st.sampled_from(PIECES))
        out.append(piece * draw(st.sampled_from([1, 1, 1, 2, 3, 150, 210, 610])))
    return "".join(out)


@settings(max_examples=500, deadline=None)
@given(texts())
def test_quoted_spans_are_the_patterns_matches(text: str) -> None:
    expected = [m.span() for m in QUOTED_SPAN.finditer(text)]
    assert list(QUOTED_SPANS.scan(text)) == expected
    assert QUOTED_SPANS.spans(text) == expected
    assert QUOTED_SPANS.pattern.pattern == QUOTED_SPAN.pattern


@settings(max_examples=300, deadline=None)
@given(texts())
def test_tags_are_the_patterns_matches(text: str) -> None:
    expected = [m.span() for m in TAG.finditer(text)]
    assert list(TAGS.scan(text)) == expected
    assert TAGS.spans(text) == expected


@settings(max_examples=300, deadline=None)
@given(texts())
def test_blockquotes_are_the_patterns_matches(text: str) -> None:
    quoted: list[str] = []
    out, _ = _blockquotes(text, quoted)
    expected_quoted: list[str] = []

    def repl(m: re.Match[str]) -> str:
        expected_quoted.append(TAG.sub(" ", m.group(1)).strip())
        return " ¶ "

    assert out == BLOCKQUOTE.sub(repl, text)
    assert quoted == expected_quoted


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \n\r\x0b\x0c\x1c\x85\u2028\u2029", max_size=40))
def test_lines_are_cut_as_splitlines_cuts_them(text: str) -> None:
    assert [text[a:b] for a, b in _line_spans(text)] == text.splitlines()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \n\r>“”\"'<>&;#x1:0DaveC/", max_size=80))
def test_own_words_map_back_into_the_comment(text: str) -> None:
    p = prepare(text)
    for m in re.finditer(r"[a-z]+", p.own):
        a, b = p.origin.source(*m.span())
        assert 0 <= a <= b <= len(text)


def test_an_offset_map_maps_copies_one_to_one_and_replacements_whole() -> None:
    # derived "ab ¶ cd" from source "ab “quote” cd": copy [0,3), replace [3,10) by " ¶ "...
    m = OffsetMap([(0, 0, 3, True), (3, 3, 10, False), (6, 10, 13, True)])
    assert m.source(0, 2) == (0, 2)
    assert m.source(3, 6) == (3, 10)
    assert m.source(7, 9) == (11, 13)
