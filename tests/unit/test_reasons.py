"""Reasons stay structured until an alert is built; spans point into the comment text;
`elsewhere` says why heat is not aimed at a participant."""

from __future__ import annotations

import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.detect import DetectConfig, Detector, RuleScorer, decode_state, encode_state
from streams.detect.findings import Reason, render
from tests.unit.conftest import MakeEvent

S = RuleScorer()
PEOPLE = {"dave": "u-dave", "davec": "u-dave", "samh": "u-sam", "sam": "u-sam"}


def test_a_reason_renders_its_tier_span_and_target_in_one_pass() -> None:
    r = Reason("insults", "insult '{span}' addressed to {target}", "muppet", 4, 10)
    assert r.describe() == "insult 'muppet' addressed to {target}"
    assert r.render("u-dave") == "rules: insult 'muppet' addressed to u-dave"
    assert r.render(None) == "rules: insult 'muppet' addressed to someone"
    # the commenter's words are inserted as they are, never searched for placeholders
    tricky = Reason("condescension", "negated: '{span}'", "someone said {target} {span}")
    assert tricky.render("u-dave") == "rules: negated: 'someone said {target} {span}'"
    assert render(["already text", r], "u-sam") == [
        "already text",
        "rules: insult 'muppet' addressed to u-sam",
    ]


def test_scores_carry_structured_reasons_with_spans_into_the_comment() -> None:
    text = "> you said it\nSam H – honestly, you absolute muppet."
    score = S.score(text, PEOPLE)
    assert score.attack >= 0.5
    reason = score.reasons[0]
    assert reason.rule == "insults" and reason.span == "muppet"
    assert reason.start is not None and reason.end is not None
    assert text[reason.start : reason.end] == "muppet"
    assert (reason.start, reason.end) in score.spans


def test_spans_survive_html_entities_quotes_and_informal_spellings() -> None:
    text = "<blockquote>You&#8217;re wrong</blockquote><p>Ur &quot;quoted&quot; a total idiot</p>"
    score = S.score(text)
    spans = [text[a:b] for a, b in score.spans]
    assert "idiot" in spans


def _thread(ev: MakeEvent) -> list:
    # the reply arrives before the comment it answers: it is relinked when that comes
    return [
        ev("c1", "u-dave", "The bypass is fully funded, see page 4."),
        ev("c3", "u-sam", "I'm not saying someone needs crayons. Grow up, you idiot.", "c2", 2),
        ev("c2", "u-dave", "And the bridge is on schedule.", "c1", 1),
    ]


def test_relinked_replies_keep_the_commenters_words(ev: MakeEvent) -> None:
    d = Detector(DetectConfig())
    alerts = [a for e in _thread(ev) for a in d.process(e)]
    attack = next(a for a in alerts if a.severity == "personal_attack")
    assert attack.target_author_id == "u-dave"
    reasons = next(c for c in attack.comments if c.comment_id == "c3").reasons
    assert any("addressed to u-dave" in r or "at u-dave" in r for r in reasons)
    # the quoted sentence still says "someone" (it used to be rewritten to the target)
    assert any("someone needs crayons" in r for r in reasons), reasons
    assert all(r.startswith("rules: ") for r in reasons)
    assert all(r.startswith("u-sam attacked u-dave") for r in attack.reasons[:1])


def test_alert_comments_carry_the_span_of_each_reason(ev: MakeEvent) -> None:
    d = Detector(DetectConfig())
    events = _thread(ev)
    alerts = [a for e in events for a in d.process(e)]
    c3 = next(c for a in alerts for c in a.comments if c.comment_id == "c3")
    assert len(c3.reason_spans) == len(c3.reasons)
    text = events[1].text
    for span in c3.reason_spans:
        assert span is not None
        assert 0 <= span[0] < span[1] <= len(text)


def test_states_of_version_1_still_decode(ev: MakeEvent) -> None:
    d = Detector(DetectConfig())
    for e in _thread(ev):
        d.process(e)
    state = d.states["t-1"]
    assert decode_state(encode_state(state)) == state
    v1 = orjson.loads(encode_state(state))
    v1[0] = 1
    for rec in v1[3]:
        # version 1 kept reasons as text, the target already filled in
        rec[11] = [
            Reason(r[0], r[1], "", r[2], r[3]).describe(rec[7] or "someone") for r in rec[11]
        ]
    old = decode_state(orjson.dumps(v1))
    c3 = old.comments["c3"]
    assert c3.reasons and all(isinstance(r, Reason) for r in c3.reasons)
    assert render(c3.reasons, "u-x")[0] == "rules: insult 'idiot' addressed to u-dave"


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("The minister is a clown and a liar.", "outsider"),
        ("I was stupid to trust the polls.", "self"),
        ("“You are a moron” – that is what you wrote to me.", "quoted"),
        ("He called me a troll for asking a question.", "reported"),
        ("I'm not saying you're stupid, the data is thin.", "negated"),
        ("You lucky git, congratulations on the new job!", "banter"),
        ("This is bloody brilliant, thanks.", "banter"),
    ],
)
def test_elsewhere_gives_the_evidence_that_heat_aims_elsewhere(text: str, evidence: str) -> None:
    score = S.score(text, PEOPLE)
    assert evidence in score.elsewhere, score
    assert score.attack < 0.5


def test_a_plain_attack_has_no_evidence_of_aiming_elsewhere() -> None:
    score = S.score("Dave – you are a complete idiot.", PEOPLE)
    assert score.attack >= 0.5 and score.elsewhere == ()


def test_long_comments_say_how_much_was_read() -> None:
    text = "Fair point. " * 200 + "You idiot."
    score = RuleScorer(max_chars=1000).score(text)
    assert score.attack == 0.0
    assert any("first 1,000 of 2,410 characters" in str(r) for r in score.reasons)
    assert RuleScorer(max_chars=None).score(text).attack >= 0.5


def test_rules_stop_looking_after_enough_findings() -> None:
    score = RuleScorer(max_chars=None).score("you idiot " * 300)
    assert score.attack >= 0.9
    assert len(score.spans) <= 110
    assert any("stopped looking after 100 findings" in str(r) for r in score.reasons)


WORDS = [
    "idiot",
    "moron",
    "grow up",
    "shut up",
    "bloody",
    "you",
    "are",
    "a",
    "the",
    "he's",
    "ignore him",
    "crayons",
    "nice try",
    "Dave",
    "not",
    "I",
    "was",
    "your",
    "stupid",
]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=12),
    st.lists(
        st.sampled_from([" ", ", ", ". ", "! ", "\n", " “", "” ", "> "]), min_size=12, max_size=12
    ),
)
def test_each_reason_points_at_the_words_it_quotes(words: list[str], seps: list[str]) -> None:
    text = "".join(w + s for w, s in zip(words, seps, strict=False))
    score = S.score(text, PEOPLE)
    for r in score.reasons:
        if r.start is None or r.end is None or r.rule in ("budget", "style"):
            continue
        if r.template.startswith("negated: "):
            continue  # quotes the whole sentence
        assert _words(text[r.start : r.end].lower()) == _words(r.span), (text, r)


def test_compact_reasons_render_the_same_and_keep_the_commenters_braces() -> None:
    r = Reason("condescension", "negated: '{span}' about {target}", "say {target} {{x}} }", 0, 5)
    c = r.compact()
    assert c.span == "" and c.fields == () and (c.start, c.end) == (0, 5)
    assert c.render("u-d") == r.render("u-d") == "rules: negated: 'say {target} {{x}} }' about u-d"
    assert c.compact() == c
    note = Reason(
        "model", "model {p}: {words}", fields=(("p", "0.8"), ("words", "'{x}'")), tier="fast"
    )
    assert note.compact().render(None) == "fast: model 0.8: '{x}'"
