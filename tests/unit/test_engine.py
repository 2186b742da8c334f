"""step(): addressing, escalation, cooldown, duplicates, orphans, edits, deletes, bounds."""

from __future__ import annotations

from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector, decode_state, encode_state, is_expired, step
from streams.detect.tiers import TieredScorer
from tests.unit.conftest import MakeEvent

CFG = DetectConfig()
RULES = TieredScorer(None)
"""The engine's logic is tested with the rules alone, so a retrained model cannot move it
(tests/unit/test_tiers.py covers the learned tiers in the engine)."""


def run(events: list[CommentEvent], config: DetectConfig = CFG) -> tuple[Detector, list]:
    d = Detector(config, RULES)
    alerts = [a for e in events for a in d.process(e)]
    return d, alerts


def flattened_war(ev: MakeEvent) -> list[CommentEvent]:
    """Dave and Sam argue as siblings under Rita's comment (a depth-capped platform)."""
    return [
        ev("c1", "u-root", "The new cycle lane plan goes to the council on Monday."),
        ev("c2", "u-dave", "I think the plan is sensible, traffic is awful.", "c1", 1),
        ev("c3", "u-sam", "Dave – the consultation figures say otherwise.", "c1", 2),
        ev("c4", "u-dave", "Sam H Are you serious? Did you even read the report?", "c1", 3),
        ev("c5", "u-sam", "Thanks for being so helpful. Nice deflection as usual.", "c1", 4),
        ev("c6", "u-dave", "Oh grow up. Another hissy fit from you.", "c1", 5),
        ev("c7", "u-sam", "You're a pompous prima donna and everyone here knows it.", "c1", 6),
        ev("c8", "u-dave", "Crawl back under your rock.", "c1", 7),
    ]


def test_flattened_siblings_resolve_to_the_real_interlocutor(ev: MakeEvent) -> None:
    d, _ = run(flattened_war(ev))
    recs = d.states["t-1"].comments
    assert recs["c3"].addressee == "u-dave"  # by name
    assert recs["c5"].addressee == "u-dave"  # by alternation, not the parent's author
    assert recs["c8"].addressee == "u-sam"


def test_trajectory_heated_then_attack_then_escalation(ev: MakeEvent) -> None:
    _, alerts = run(flattened_war(ev))
    got = [
        (a.severity, a.offender_author_id, a.target_author_id, a.trigger_comment_id) for a in alerts
    ]
    assert got[0][0] == "heated"
    assert ("personal_attack", "u-dave", "u-sam", "c6") in got
    assert ("escalation", "u-sam", "u-dave", "c7") in got
    esc = next(a for a in alerts if a.severity == "escalation")
    assert esc.chain[-1] == "c7" and "c6" in esc.chain
    assert esc.participants == ["u-dave", "u-sam"]
    assert any("prima donna" in r for r in esc.reasons)
    # c8 is a further attack in the same dyad: within the cooldown, no repeat
    assert not any(a.trigger_comment_id == "c8" for a in alerts)


def test_alert_ids_are_deterministic(ev: MakeEvent) -> None:
    _, a1 = run(flattened_war(ev))
    _, a2 = run(flattened_war(ev))
    assert [a.alert_id for a in a1] == [a.alert_id for a in a2]
    assert len({a.alert_id for a in a1}) == len(a1)


def test_cooldown_expires_and_alerts_again(ev: MakeEvent) -> None:
    cfg = DetectConfig(cooldown_seconds=600)
    events = [*flattened_war(ev), ev("c9", "u-sam", "You are an idiot.", "c1", 30)]
    _, alerts = run(events, cfg)
    assert alerts[-1].trigger_comment_id == "c9"
    assert alerts[-1].severity == "escalation"


def test_outsider_thread_stays_quiet(ev: MakeEvent) -> None:
    events = [
        ev("o1", "u-root", "The council sold the playing fields to developers."),
        ev("o2", "u-dave", "Those bastards in the council are crooks, every one.", "o1", 1),
        ev("o3", "u-sam", "Agreed, the mayor is a clown and a liar.", "o2", 2),
        ev("o4", "u-dave", "Bloody disgrace. The developers are parasites.", "o3", 3),
        ev("o5", "u-sam", "Absolutely, the whole lot of them are idiots.", "o4", 4),
    ]
    _, alerts = run(events)
    assert alerts == []


def test_third_person_attack_names_the_right_target(ev: MakeEvent) -> None:
    events = [
        ev("p1", "u-dave", "Rents went up 9% here last year."),
        ev("p2", "u-sam", "That's the national average though, not local.", "p1", 1),
        ev("p3", "u-dave", "Local figures are in the council report.", "p2", 2),
        ev("p4", "u-kim", "Dave, he avoids every question. He's a troll, ignore him.", "p3", 3),
    ]
    _, alerts = run(events)
    assert [(a.severity, a.offender_author_id, a.target_author_id) for a in alerts] == [
        ("personal_attack", "u-kim", "u-sam")
    ]


def test_duplicates_change_nothing(ev: MakeEvent) -> None:
    events = flattened_war(ev)
    d, alerts = run(events + events)
    d1, alerts1 = run(events)
    assert [a.alert_id for a in alerts] == [a.alert_id for a in alerts1]
    assert encode_state(d.states["t-1"]) == encode_state(d1.states["t-1"])


def test_step_does_not_modify_its_input(ev: MakeEvent) -> None:
    state, _ = step(None, ev("c1", "u-dave", "hello"), CFG)
    before = encode_state(state)
    step(state, ev("c2", "u-sam", "You are an idiot.", "c1", 1), CFG)
    assert encode_state(state) == before


def test_reply_before_parent_is_linked_when_parent_arrives(ev: MakeEvent) -> None:
    events = [
        ev("r2", "u-sam", "You are a complete moron.", "r1", 2),
        ev("r1", "u-dave", "Parking charges are going up again.", None, 1),
    ]
    d, alerts = run(events)
    assert d.states["t-1"].comments["r2"].addressee == "u-dave"
    assert [(a.severity, a.offender_author_id, a.target_author_id) for a in alerts] == [
        ("personal_attack", "u-sam", "u-dave")
    ]


def test_edit_rescored_and_delete_retracts(ev: MakeEvent) -> None:
    events = [
        ev("e1", "u-dave", "The bypass will cut journey times."),
        ev("e2", "u-sam", "I'm not sure that's right.", "e1", 1),
        ev("e2", "u-sam", "You're a gullible fool.", "e1", 3, kind="edited"),
    ]
    d, alerts = run(events)
    assert d.states["t-1"].comments["e2"].attack >= 0.5
    assert [a.severity for a in alerts] == ["personal_attack"]
    d.process(ev("e2", "u-sam", "", "e1", 4, kind="deleted"))
    assert "e2" not in d.states["t-1"].comments
    # a replayed creation of a deleted comment stays deleted
    d.process(ev("e2", "u-sam", "You're a gullible fool.", "e1", 3))
    assert "e2" not in d.states["t-1"].comments


def test_stale_edit_is_ignored(ev: MakeEvent) -> None:
    d, _ = run(
        [
            ev("e1", "u-dave", "First."),
            ev("e1", "u-dave", "Second version.", None, 5, kind="edited"),
            ev("e1", "u-dave", "An older edit replayed.", None, 2, kind="edited"),
        ]
    )
    from streams.detect.ids import text_hash

    assert d.states["t-1"].comments["e1"].text_hash == text_hash("Second version.")


def test_bounds_and_expiry(ev: MakeEvent) -> None:
    cfg = DetectConfig(max_comments=5, inactivity_seconds=3600)
    d = Detector(cfg)
    for i in range(40):
        d.process(ev(f"b{i}", f"u-{i % 7}", f"comment number {i}", None, i))
    st = d.states["t-1"]
    assert len(st.comments) == 5 and list(st.comments)[-1] == "b39"
    assert len(st.gone) <= 15
    assert not is_expired(st, st.last_ts + 3000, cfg)
    assert is_expired(st, st.last_ts + 3601, cfg)
    # after a long silence the thread starts afresh
    d.process(ev("late", "u-1", "back again", None, 40 + 120))
    assert list(d.states["t-1"].comments) == ["late"]


def test_state_round_trips_through_bytes(ev: MakeEvent) -> None:
    d, _ = run(flattened_war(ev))
    st = d.states["t-1"]
    assert decode_state(encode_state(st)) == st
    assert len(encode_state(st)) < 2048


def test_replay_after_an_inactivity_reset_changes_nothing(ev: MakeEvent) -> None:
    cfg = DetectConfig(inactivity_seconds=3600)
    events = [
        ev("r1", "u-dave", "First thoughts on the plan.", None, 0),
        ev("r1", "u-dave", "First thoughts on the plan.", None, 30),  # same id, later stamp
        ev("r2", "u-sam", "Back after a long break: you are an idiot.", "r1", 200),
    ]
    d, _ = run(events, cfg)
    before = encode_state(d.states["t-1"])
    assert [a for e in events for a in d.process(e)] == []
    assert encode_state(d.states["t-1"]) == before
