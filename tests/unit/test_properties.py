"""Property tests: determinism, idempotence under duplicates and replays, bounded state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector, decode_state, encode_state

T0 = datetime(2021, 6, 1, tzinfo=UTC)
AUTHORS = [("u-a", "Alice B"), ("u-b", "Bob K"), ("u-c", "Cara"), ("u-d", "Dan T")]
TEXTS = [
    "I disagree, the numbers don't support that.",
    "Are you serious? Did you even read it?",
    "Thanks for being so helpful.",
    "Grow up.",
    "You're an idiot.",
    "He's a troll, ignore him.",
    "Bob K – you have no idea what you're talking about.",
    "“You're a clown” is what you said. Charming.",
    "The minister is a liar and a crook.",
    "This is bloody brilliant.",
    "I'm not saying you're stupid.",
    "Crawl back under your rock, Alice.",
]
CFG = DetectConfig(
    max_comments=6, max_participants=3, cooldown_seconds=300, inactivity_seconds=7200
)


@st.composite
def events(draw: st.DrawFn) -> list[CommentEvent]:
    n = draw(st.integers(1, 40))
    out = []
    minute = 0.0
    for _ in range(n):
        minute += draw(st.sampled_from([0, 1, 2, 5, 30, 200]))
        jitter = draw(st.sampled_from([0, 0, 0, -3, -60, -400]))
        aid, name = draw(st.sampled_from(AUTHORS))
        cid = f"c{draw(st.integers(0, 12))}"
        parent = draw(st.one_of(st.none(), st.integers(0, 12).map(lambda i: f"c{i}")))
        text = draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=40)))
        kind = draw(st.sampled_from(["created"] * 6 + ["edited", "deleted"]))
        out.append(
            CommentEvent(
                comment_id=cid,
                thread_id=draw(st.sampled_from(["t1", "t2"])),
                parent_id=parent if parent != cid else None,
                author_id=aid,
                author_name=name,
                text=text,
                created_at=T0 + timedelta(minutes=max(0.0, minute + jitter)),
                event_type=kind,  # type: ignore[arg-type]
            )
        )
    return out


def _run(evs: list[CommentEvent]) -> tuple[Detector, list[dict]]:
    d = Detector(CFG)
    return d, [a.model_dump(mode="json") for e in evs for a in d.process(e)]


def _states(d: Detector) -> dict[str, bytes]:
    return {k: encode_state(v) for k, v in d.states.items()}


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(events())
def test_same_input_same_alerts(evs: list[CommentEvent]) -> None:
    d1, a1 = _run(evs)
    d2, a2 = _run(evs)
    assert a1 == a2
    assert _states(d1) == _states(d2)


@FAST
@given(events())
def test_duplicated_events_change_nothing(evs: list[CommentEvent]) -> None:
    doubled = [e for ev in evs for e in (ev, ev)]
    d1, a1 = _run(evs)
    d2, a2 = _run(doubled)
    assert a1 == a2
    assert _states(d1) == _states(d2)


@FAST
@given(events())
def test_replaying_the_stream_changes_nothing(evs: list[CommentEvent]) -> None:
    d, _ = _run(evs)
    before = _states(d)
    again = [a for e in evs for a in d.process(e)]
    assert again == []
    assert _states(d) == before


@FAST
@given(events())
def test_state_stays_within_bounds_and_round_trips(evs: list[CommentEvent]) -> None:
    d, alerts = _run(evs)
    for state in d.states.values():
        assert len(state.comments) <= CFG.max_comments
        assert len(state.gone) <= 3 * CFG.max_comments
        assert len(state.names) <= CFG.max_participants
        assert len(state.alerted) <= CFG.max_participants
        assert decode_state(encode_state(state)) == state
    for alert in alerts:
        assert len(alert["chain"]) <= CFG.chain_length
        assert alert["offender_author_id"] != alert["target_author_id"]
