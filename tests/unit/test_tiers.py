"""Tiered scoring in the core: the fast tier decides what the rules cannot see, targets default
to the addressee, and the encoder's second opinion arrives as an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.comment import CommentEvent
from schemas.opinion import SecondOpinion
from streams.detect import DetectConfig, Detector
from streams.detect.findings import render
from streams.detect.ids import text_hash
from streams.detect.learned.features import hashed
from streams.detect.learned.model import LinearModel
from streams.detect.tiers import TierConfig, TieredScorer

CFG = DetectConfig()
T0 = datetime(2021, 5, 1, 9, 0, tzinfo=UTC)
DIM = 1 << 12


def model_with(weights: dict[str, float], bias: float = -4.0) -> LinearModel:
    """A model that knows only the given features (names as features.py makes them)."""
    w = [0.0] * DIM
    for name, value in weights.items():
        (i,) = hashed([name], DIM)
        w[i] += value
    return LinearModel(dim=DIM, weights=w, bias=bias)


# 'houseplant' alone is no rule's cue: only the fast tier can see this attack
HOUSEPLANT = model_with({"w:houseplant": 30.0, "w:sentient": 14.0})


def ev(cid: str, author: str, text: str, parent: str | None = None, minute: int = 0) -> CommentEvent:
    return CommentEvent(
        comment_id=cid, thread_id="t", parent_id=parent, author_id=author,
        author_name={"u-a": "Ann", "u-b": "Ben", "u-c": "Cat"}[author], text=text,
        created_at=T0 + timedelta(minutes=minute),
    )


def test_fast_tier_attack_targets_the_addressee_and_says_why() -> None:
    d = Detector(CFG, TieredScorer(HOUSEPLANT))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    alerts = d.process(ev("c2", "u-b", "A houseplant would argue this better.", "c1", 1))
    rec = d.states["t"].comments["c2"]
    assert rec.tier == "fast" and rec.target == "u-a" and rec.attack >= 0.5
    why = render(rec.reasons, rec.target)
    assert why[0].startswith("fast: model") and "'houseplant'" in why[0]
    (alert,) = alerts
    assert (alert.severity, alert.offender_author_id, alert.target_author_id, alert.tier) == (
        "personal_attack", "u-b", "u-a", "fast",
    )
    assert alert.comments[-1].tier == "fast"


def test_rules_only_scorer_cannot_see_it() -> None:
    d = Detector(CFG, TieredScorer(None))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    assert d.process(ev("c2", "u-b", "A houseplant would argue this better.", "c1", 1)) == []
    assert d.states["t"].comments["c2"].tier == "rules"


def test_third_person_attack_goes_to_the_person_talked_about() -> None:
    d = Detector(CFG, TieredScorer(HOUSEPLANT))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    d.process(ev("c2", "u-c", "I disagree, Ann, staff need weekends.", "c1", 1))
    d.process(ev("c3", "u-b", "Cat is right.", "c2", 2))
    d.process(ev("c4", "u-b", "Honestly she argues like a houseplant.", "c2", 3))
    rec = d.states["t"].comments["c4"]
    assert rec.tier == "fast" and rec.target == "u-a"  # not Cat, who is addressed


def test_rules_verdict_stands_beside_an_unsure_model() -> None:
    d = Detector(CFG, TieredScorer(model_with({}, bias=-0.85)))  # p ~ 0.3
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    d.process(ev("c2", "u-b", "Ann, you are a gullible fool.", "c1", 1))
    rec = d.states["t"].comments["c2"]
    assert rec.tier == "rules" and rec.attack >= 0.5 and rec.fast is not None
    assert 0.25 < rec.fast < 0.35


def test_a_confident_model_overrules_the_rules_unless_the_veto_is_off() -> None:
    sure_not = model_with({}, bias=-8.0)  # p ~ 0.0003
    d = Detector(CFG, TieredScorer(sure_not))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    assert d.process(ev("c2", "u-b", "Ann, you are a gullible fool.", "c1", 1)) == []
    rec = d.states["t"].comments["c2"]
    assert rec.tier == "fast" and rec.attack < 0.01 and rec.peer_heat < 0.01

    d = Detector(CFG, TieredScorer(sure_not, TierConfig(rules_veto=0.0)))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    (alert,) = d.process(ev("c2", "u-b", "Ann, you are a gullible fool.", "c1", 1))
    assert alert.tier == "rules" and alert.target_author_id == "u-a"


def _uncertain_thread() -> tuple[Detector, CommentEvent]:
    model = model_with({"w:sentient": 5.5}, bias=-1.5)  # p ~ 0.4: uncertain, not an attack
    d = Detector(CFG, TieredScorer(model))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    reply = ev("c2", "u-b", "Is anyone sentient in the planning office? Apparently not you.", "c1", 1)
    assert d.process(reply) == []
    rec = d.states["t"].comments["c2"]
    assert rec.uncertain and rec.fast is not None and 0.25 <= rec.fast < 0.5
    return d, reply


def opinion(reply: CommentEvent, p: float, text: str | None = None) -> SecondOpinion:
    return SecondOpinion(
        thread_id="t", comment_id=reply.comment_id, text_hash=text_hash(text or reply.text),
        probability=p, event_time=reply.created_at,
    )


def test_second_opinion_raises_an_alert_that_names_the_encoder() -> None:
    d, reply = _uncertain_thread()
    (alert,) = d.process(opinion(reply, 0.95))
    assert alert.tier == "encoder" and alert.target_author_id == "u-a"
    rec = d.states["t"].comments["c2"]
    assert rec.tier == "encoder" and not rec.uncertain and rec.attack >= 0.5
    assert render(rec.reasons, rec.target)[0].startswith("encoder: 0.95")
    assert d.process(opinion(reply, 0.95)) == []  # applied once: a replay changes nothing


def test_second_opinion_for_another_version_or_a_low_score_changes_nothing() -> None:
    d, reply = _uncertain_thread()
    before = d.states["t"]
    assert d.process(opinion(reply, 0.99, text="an earlier version")) == []
    assert d.states["t"] == before
    assert d.process(opinion(reply, 0.1)) == []
    assert d.states["t"].comments["c2"].attack < 0.5


# p ~ 0.6: unsure (in [0.1, 0.7)) but above the attack threshold
UNSURE_ATTACK = model_with({"w:sentient": 9.5}, bias=-1.5)
REPLY = "Is anyone sentient in the planning office? Apparently not you."


def test_a_worker_with_an_encoder_stage_holds_an_unsure_attack_for_its_opinion() -> None:
    d = Detector(CFG, TieredScorer(UNSURE_ATTACK, defer_uncertain=True))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    reply = ev("c2", "u-b", REPLY, "c1", 1)
    assert d.process(reply) == []  # no alert yet: the encoder has not answered
    rec = d.states["t"].comments["c2"]
    assert rec.uncertain and rec.fast is not None and 0.5 <= rec.fast < 0.7 and rec.attack < 0.5
    assert d.process(opinion(reply, 0.05)) == []  # the encoder says no: never alerted
    assert d.states["t"].comments["c2"].attack < 0.5


def test_held_then_answered_gives_the_alert_an_offline_command_gives() -> None:
    worker = Detector(CFG, TieredScorer(UNSURE_ATTACK, defer_uncertain=True))
    offline = Detector(CFG, TieredScorer(UNSURE_ATTACK, encoder=lambda own, signals: 0.9))
    events = [ev("c1", "u-a", "The library should open on Sundays."), ev("c2", "u-b", REPLY, "c1", 1)]
    expected = [a for e in events for a in offline.process(e)]
    got = [a for e in events for a in worker.process(e)]
    assert got == []
    got = worker.process(opinion(events[1], 0.9))
    assert [a.alert_id for a in got] == [a.alert_id for a in expected] != []
    assert got[0].tier == expected[0].tier == "encoder"
    w, o = worker.states["t"].comments["c2"], offline.states["t"].comments["c2"]
    assert (w.attack, w.target, w.tier) == (o.attack, o.target, o.tier)


def test_without_an_encoder_stage_an_unsure_attack_alerts_at_once() -> None:
    d = Detector(CFG, TieredScorer(UNSURE_ATTACK))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    (alert,) = d.process(ev("c2", "u-b", REPLY, "c1", 1))
    assert alert.tier == "fast"
