"""Early warning: the forecast warns a turning dyad before its first attack, says why, is
upgraded (not repeated) when the attack comes, and stays quiet on a hedged disagreement."""

from __future__ import annotations

from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector
from streams.detect.forecast import HEDGE, OPENS_2P, QUESTION, SARCASM, cues
from streams.detect.tiers import TieredScorer
from tests.unit.conftest import MakeEvent

RULES = TieredScorer(None)


def test_cues_of_a_comment() -> None:
    bits = cues("You really think so? Thanks for being so helpful.", ["sarcasm/insinuation"], False)
    assert bits & OPENS_2P and bits & QUESTION and bits & SARCASM and not bits & HEDGE
    assert cues("I think you may have a point, to be fair.", [], False) & HEDGE


def turning(ev: MakeEvent) -> list[CommentEvent]:
    return [
        ev("c1", "u-root", "The new cycle lane plan goes to the council on Monday."),
        ev("c2", "u-dave", "The plan is sensible, traffic on the high street is awful.", "c1", 1),
        ev("c3", "u-sam", "Dave – you keep saying that, where are your figures?", "c1", 2),
        ev("c4", "u-dave", "Sam H you clearly never read the consultation. Thanks for being "
           "so helpful, as usual.", "c1", 3),
        ev("c5", "u-sam", "You really think repeating yourself makes it true? Nice deflection.",
           "c1", 4),
        ev("c6", "u-dave", "You're a pompous prima donna and everyone here knows it.", "c1", 5),
    ]


def test_a_turning_exchange_is_warned_before_the_first_attack(ev: MakeEvent) -> None:
    d = Detector(DetectConfig(), RULES)
    alerts = [a for e in turning(ev) for a in d.process(e)]
    severities = [(a.severity, a.trigger_comment_id) for a in alerts]
    assert severities[0][0] == "heated" and severities[0][1] in ("c4", "c5")
    warning = alerts[0]
    assert warning.reasons[0].startswith("warning ") and "turns" in warning.reasons[0]
    assert 0.65 <= warning.score <= 1.0
    assert set(warning.participants) == {"u-dave", "u-sam"}
    assert ("personal_attack", "c6") in severities  # upgraded when the attack comes
    assert [s for s, _ in severities].count("heated") == 1  # not repeated


def test_a_hedged_disagreement_is_not_warned(ev: MakeEvent) -> None:
    events = [
        ev("c1", "u-root", "The new cycle lane plan goes to the council on Monday."),
        ev("c2", "u-dave", "I think the plan is sensible, traffic is awful.", "c1", 1),
        ev("c3", "u-sam", "Dave – I see your point, but the consultation figures say "
           "otherwise, I think.", "c1", 30),
        ev("c4", "u-dave", "Fair point, Sam. Maybe the evening figures are different?", "c1", 70),
        ev("c5", "u-sam", "Possibly. To be fair I only looked at the mornings.", "c1", 120),
    ]
    d = Detector(DetectConfig(), RULES)
    assert [a for e in events for a in d.process(e)] == []


def test_a_higher_threshold_silences_the_warning(ev: MakeEvent) -> None:
    d = Detector(DetectConfig(warning_threshold=0.999), RULES)
    alerts = [a for e in turning(ev) for a in d.process(e)]
    assert "heated" not in [a.severity for a in alerts]
