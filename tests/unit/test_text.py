"""Quotes, copied headers and names: separating the replier's words from others'."""

from __future__ import annotations

from streams.detect.text import leading_name, name_keys, named_participants, prepare

LOOKUP = (
    {k: "u-dave" for k in name_keys("Dave C")}
    | {k: "u-sam" for k in name_keys("Sam H")}
    | {k: "u-steve" for k in name_keys("Steve H")}
    | {k: "u-h" for k in name_keys("Heenan73")}
)


def test_name_variants() -> None:
    assert {"steveh", "steve"} <= name_keys("Steve H")
    assert "heenan" in name_keys("Heenan73")
    assert "heenan73" in name_keys("heenan73")


def test_surnames_handle_tails_and_camel_case_heads_are_variants() -> None:
    assert "okafor" in name_keys("M. Okafor")
    assert "ollie" in name_keys("old_labour_ollie")
    assert "jackie" in name_keys("JackieB")
    assert "dazza" in name_keys("DazzaRox_93")
    assert "weir" in name_keys("Halloran Weir")


def test_ordinary_words_are_not_name_variants() -> None:
    assert "mom" not in name_keys("MapleLeaf Mom")
    assert "admin" not in name_keys("Ed (site admin)")
    assert "old" not in name_keys("old_labour_ollie")
    assert name_keys("xX_sn1per_Xx") == {"xxsn1perxx"}
    for handle, word in [("TheRealDeal", "the"), ("YourMom", "your"), ("NotAGamer", "not"),
                         ("GoodVibes", "good"), ("ItsMe", "its"), ("You There", "there")]:
        assert word not in name_keys(handle), handle


def test_a_surname_names_the_participant_talked_about() -> None:
    lookup = {k: "u-ok" for k in name_keys("M. Okafor")} | {k: "u-ol" for k in name_keys("old_labour_ollie")}
    assert named_participants("Ollie, Okafor's a troll with a thesaurus.", lookup) == ["u-ok"]


def test_curly_and_straight_quotes_are_removed() -> None:
    p = prepare('“Your definition of trolling is odd” – and "idiot" is a strong word.')
    assert "trolling" not in p.own and "idiot" not in p.own
    assert len(p.quoted) == 2


def test_quote_lines_are_removed() -> None:
    p = prepare("> you are a clown\nNo, I'm not.")
    assert "clown" not in p.own
    assert p.quoted == ("you are a clown",)


def test_copied_header_and_its_paragraph_are_quoted() -> None:
    p = prepare("Dave C 03/01/2020 at 4:00 pm\nYou are a fool.\n\nWell, I disagree.")
    assert p.header_names == ("Dave C",)
    assert "fool" not in p.own
    assert "disagree" in p.own


def test_wrote_header() -> None:
    p = prepare("Sam H wrote:\nthat's idiotic\n\nIt isn't.")
    assert p.header_names == ("Sam H",)
    assert "idiotic" not in p.own


def test_leading_names_in_their_variants() -> None:
    assert leading_name("Dave – you have an odd idea of debate", LOOKUP) == "u-dave"
    assert leading_name("Sam H Are you serious?", LOOKUP) == "u-sam"
    assert leading_name("SteveH, no.", LOOKUP) == "u-steve"
    assert leading_name("steve h: read it again", LOOKUP) == "u-steve"
    assert leading_name("@heenan73 nope", LOOKUP) == "u-h"
    assert leading_name("I disagree with that", LOOKUP) is None


def test_named_participants_in_running_text() -> None:
    assert named_participants("Ask Dave, he knows. Or Steve H.", LOOKUP) == ["u-dave", "u-steve"]


def test_blog_html_blockquotes_and_entities() -> None:
    p = prepare("<blockquote>You are an idiot</blockquote><p>Charming. I don&#8217;t agree.</p>")
    assert "idiot" not in p.own
    assert p.quoted == ("You are an idiot",)
    assert "don’t agree" in p.own


def test_headers_with_said_and_on_date_wrote() -> None:
    p = prepare("Dave C on March 3, 2020 at 4:00 pm said:\nYou clown.\n\nNot my words.")
    assert p.header_names == ("Dave C",) and "clown" not in p.own
    p = prepare("On 3 March 2020 at 16:00, Sam H wrote:\nutter rubbish\n\nIt isn't.")
    assert p.header_names == ("Sam H",) and "rubbish" not in p.own


def test_talk_page_signatures_are_not_the_writers_words() -> None:
    signed = [
        (":You are the most obstructive editor here. Horatio Blaine (talk) 08:20, 18 February"
         " 2021 (UTC)", ":You are the most obstructive editor here. Horatio Blaine (talk) "),
        ("Oppose 10:00, 3 May 2021 (UTC)", "Oppose "),
    ]
    for text, own in signed:
        assert prepare(text).own == own
    # no timestamp: nothing removed, even with '(talk)' in the words
    assert prepare("see my (talk) page").own == "see my (talk) page"

