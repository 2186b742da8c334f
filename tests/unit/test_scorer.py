"""The rule scorer on single comments: attacks vs. the hard negatives."""

from __future__ import annotations

import pytest

from streams.detect import RuleScorer

PEOPLE = {
    "keith": "u-keith",
    "dave": "u-dave",
    "davec": "u-dave",
    "samh": "u-sam",
    "sam": "u-sam",
    "heenan73": "u-h",
    "heenan": "u-h",
}
S = RuleScorer()
THRESHOLD = 0.5

ATTACKS = [
    ("Grow up, get a grip.", "second"),
    ("Honestly, crawl back under your rock.", "second"),
    ("Your thought processes are just weird.", "second"),
    ("I'd explain it but I don't have crayons.", "second"),
    ("Another hissy fit from you. Tedious.", "second"),
    ("You are such a prima donna about this.", "second"),
    ("you absolute muppet", "second"),
    ("Are you thick or just pretending?", "second"),
    ("You clearly can't read a graph.", "second"),
    ("Nobody cares what you think, mate.", "second"),
    ("I'd call you a liar but that's an insult to liars.", "second"),
    ("He avoids every question. He's a troll, ignore him.", "third"),
    ("Don't bother with this guy, he is clueless.", "third"),
    ("Dave is a troll, don't feed him.", "named"),
    ("You're not very bright, are you?", "second"),
    ("What a pathetic little man.", "second"),
    ("Stop being so dense and read the report.", "second"),
    ("Get your head out of your arse.", "second"),
    ("You've got the reasoning skills of a damp sponge.", "second"),
    ("You wouldn't recognise a decent argument if it knocked on your door.", "second"),
    ("Did you work that out all by yourself?", "second"),
    ("You're a complete gobdaw and everyone here can see it.", "second"),
    ("ur literally a walking cliche", "second"),
    ("Says the man who thinks the moon landing was staged.", "second"),
    ("Keith's a bitter old crank with a keyboard.", "named"),
    ("You stubborn old mule.", "second"),
]

NOT_ATTACKS = [
    "Those bastards in government have wrecked the railways.",
    "The minister is a clown and the whole cabinet are liars.",
    "Farage is a grifter, always has been.",
    "He called me a troll for asking a question.",
    "She said I was an idiot, which was a bit much.",
    "I'm not saying you're stupid, I'm saying the data is thin.",
    "Nobody here thinks you're a liar.",
    "I was stupid to trust the polls.",
    "Call me an idiot but I actually liked the ending.",
    "This is bloody brilliant, thanks for posting.",
    "Fucking great goal in the second half.",
    "“You are a moron” – that is what you wrote to me yesterday.",
    "> you're an idiot\nCharming. Anyway, the numbers are on page 4.",
    "I think you're wrong about the figures; the ONS series says otherwise.",
    "Kids grow up so fast these days.",
    "That argument doesn't hold up, the 2019 data contradicts it.",
    "The council are idiots for approving this.",
    "They are liars, every one of them in Westminster.",
    "Thanks for the link, really useful.",
    "Your landlord's a greedy parasite, report him to the council.",
    "You lucky git, congratulations on the new job!",
    "Shut up you cheeky sod haha, I'll buy the next round.",
    "Our MP is a ghastly little man and I won't vote for him again.",
    "I'm not calling you thick, I'm saying the survey was thin.",
]


@pytest.mark.parametrize(("text", "kind"), ATTACKS)
def test_attacks_are_caught_with_the_right_target_kind(text: str, kind: str) -> None:
    score = S.score(text, PEOPLE)
    assert score.attack >= THRESHOLD, (text, score)
    assert score.target == kind, (text, score)
    assert score.reasons, "an attack always says why"


@pytest.mark.parametrize("text", NOT_ATTACKS)
def test_hard_negatives_are_not_attacks(text: str) -> None:
    score = S.score(text, PEOPLE)
    assert score.attack < THRESHOLD, (text, score)


def test_outsider_insults_are_hostile_but_not_attacks() -> None:
    score = S.score("Those bastards in government are liars and crooks.", PEOPLE)
    assert score.attack < THRESHOLD
    assert score.hostility >= 0.5


def test_sarcasm_is_heat_without_attack() -> None:
    score = S.score("Thanks for being so helpful. Are you casting doubt?", PEOPLE)
    assert score.attack < THRESHOLD
    assert score.hostility >= 0.3
    assert any("sarcasm" in str(r) for r in score.reasons)


def test_friendly_profanity_is_barely_hot() -> None:
    assert S.score("This is bloody brilliant.", PEOPLE).hostility < 0.2
    assert S.score("This is bloody awful, you prat.", PEOPLE).attack >= THRESHOLD


def test_named_target_is_reported() -> None:
    score = S.score("Dave is a troll.", PEOPLE)
    assert score.target == "named"
    assert score.named_target == "u-dave"


def test_scorer_is_deterministic_and_batch_matches_single() -> None:
    from streams.detect import ScoreInput

    texts = [t for t, _ in ATTACKS] + NOT_ATTACKS
    batch = S.score_batch([ScoreInput(t, PEOPLE) for t in texts])
    assert batch == [S.score(t, PEOPLE) for t in texts]


def test_an_insult_said_of_a_thing_is_mild_heat_not_heat_at_people() -> None:
    score = S.score("Fine, I'll own that, it was childish. Sorry.", PEOPLE)
    assert score.attack == 0.0 and score.peer_heat < 0.3
    assert [str(r) for r in score.reasons] == ["'childish' about something said"]
