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


def _dump(alerts: list) -> list[dict]:
    return [a.model_dump(exclude={"detected_at"}) for a in alerts]


def test_held_then_answered_gives_the_alerts_and_state_an_offline_command_gives() -> None:
    # a dyad that heats up turn by turn, then the unsure reply: a warning is possible on it
    turns = [
        ev("c1", "u-a", "The library should open on Sundays.", None, 0),
        ev("c2", "u-b", "Ann, who would staff it? You never say.", "c1", 1),
        ev("c3", "u-a", "Ben, volunteers, as I said twice. Do you read the posts?", "c1", 2),
        ev("c4", "u-b", REPLY, "c1", 3),
    ]
    for probability in (0.9, 0.05):
        worker = Detector(CFG, TieredScorer(UNSURE_ATTACK, defer_uncertain=True))
        offline = Detector(
            CFG, TieredScorer(UNSURE_ATTACK, encoder=lambda own, signals, p=probability: p)
        )
        expected = [a for e in turns for a in offline.process(e)]
        got: list = []
        held = []
        for e in turns:  # every held comment gets its opinion before the next comment comes
            got += worker.process(e)
            if worker.states["t"].comments[e.comment_id].uncertain:
                held.append(e.comment_id)
                got += worker.process(opinion(e, probability))
        assert "c4" in held
        assert _dump(got) == _dump(expected)
        assert worker.states["t"] == offline.states["t"]


def test_a_held_comment_is_decided_on_the_fast_tier_when_no_opinion_comes() -> None:
    d = Detector(CFG, TieredScorer(UNSURE_ATTACK, defer_uncertain=True))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    assert d.process(ev("c2", "u-b", REPLY, "c1", 1)) == []
    # a later comment, still within the timeout: still held
    assert d.process(ev("c3", "u-c", "Opening hours are on the council site.", "c1", 3)) == []
    # one past the timeout (300 s of event time): decided on the fast score, alert now
    (alert,) = d.process(ev("c4", "u-c", "Anyway, Sundays would help families.", "c1", 8))
    assert (alert.severity, alert.trigger_comment_id, alert.tier) == ("personal_attack", "c2", "fast")
    assert any("no second opinion within 300 s" in r for r in alert.reasons)
    rec = d.states["t"].comments["c2"]
    assert not rec.uncertain and rec.attack >= 0.5
    late = SecondOpinion(
        thread_id="t", comment_id="c2", text_hash=text_hash(REPLY), probability=0.99,
        event_time=T0,
    )
    assert d.process(late) == []  # too late: the comment was decided without it


def test_without_an_encoder_stage_an_unsure_attack_alerts_at_once() -> None:
    d = Detector(CFG, TieredScorer(UNSURE_ATTACK))
    d.process(ev("c1", "u-a", "The library should open on Sundays."))
    (alert,) = d.process(ev("c2", "u-b", REPLY, "c1", 1))
    assert alert.tier == "fast"


def test_the_second_opinion_band_reaches_up_to_0_85() -> None:
    """A fast-tier probability between 0.7 and 0.85 is no longer taken as sure: the encoder is
    asked (it overrules a confident-looking fast tier on civil replies)."""
    asked: list[str] = []

    def encoder(own: str, signals: object) -> float:
        asked.append(own)
        return 0.05

    assert TierConfig().uncertain_high == 0.85
    for weight, asks in ((10.0, True), (14.0, False)):  # p 0.75 (in the band), then 0.94
        asked.clear()
        model = model_with({"w:houseplant": weight}, bias=-3.0)
        det = Detector(CFG, TieredScorer(model, encoder=encoder))
        det.process(ev("c1", "u-a", "Repotting the monstera today."))
        det.process(ev("c2", "u-b", "You houseplant.", parent="c1", minute=1))
        fast = det.states["t"].comments["c2"].fast
        assert fast is not None
        assert (0.7 <= fast < 0.85) is asks, fast  # the case the wider band changed
        assert bool(asked) is asks, (weight, fast)
