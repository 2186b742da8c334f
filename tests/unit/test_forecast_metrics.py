"""Early-warning metrics: an episode counts as warned only by a warning before the pair's
first labelled attack; any alert on the pair before it counts as an early heads-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.alert import Alert
from schemas.comment import CommentEvent
from streams.evaluation.forecast import forecast_result
from streams.evaluation.threads import ThreadCase

T0 = datetime(2024, 3, 5, 14, 0, tzinfo=UTC)


def _event(i: int, author: str, parent: int | None = None) -> CommentEvent:
    return CommentEvent(
        comment_id=f"c{i}", thread_id="t", parent_id=None if parent is None else f"c{parent}",
        author_id=author, author_name=author, text="...", created_at=T0 + timedelta(minutes=i),
    )


def _alert(severity: str, trigger: int, a: str, b: str) -> Alert:
    when = T0 + timedelta(minutes=trigger)
    return Alert(
        alert_id=f"{severity}-{trigger}", thread_id="t", severity=severity,  # type: ignore[arg-type]
        trigger_comment_id=f"c{trigger}", chain=[f"c{trigger}"], participants=[a, b],
        score=0.9, comments=[], reasons=[], event_time=when, detected_at=when,
    )


def _case() -> ThreadCase:
    events = [_event(1, "u1"), _event(2, "u2", 1), _event(3, "u1", 2), _event(4, "u2", 3),
              _event(5, "u1", 4), _event(6, "u3", 1), _event(7, "u3", 1)]
    # u1 attacks u2 at c5; u3 attacks u1 at c7
    return ThreadCase("t", events, False, [], {"c5": "u2", "c7": "u1"})


def test_a_warning_before_the_first_attack_warns_the_episode_with_its_lead() -> None:
    res = forecast_result(_case(), [_alert("heated", 3, "u1", "u2")], None)
    first = {ep.first_attack: ep for ep in res.episodes}
    assert first["c5"].warned_at == "c3"
    assert first["c5"].lead_comments == 2 and first["c5"].lead_minutes == 2.0
    assert first["c5"].alerted_at == "c3"
    assert first["c7"].warned_at is None and first["c7"].alerted_at is None


def test_an_early_attack_alert_is_a_heads_up_but_not_a_warning() -> None:
    res = forecast_result(_case(), [_alert("personal_attack", 4, "u2", "u1")], None)
    ep = next(e for e in res.episodes if e.first_attack == "c5")
    assert ep.warned_at is None
    assert ep.alerted_at == "c4"


def test_alerts_at_or_after_the_first_attack_or_on_other_pairs_do_not_count() -> None:
    alerts = [_alert("heated", 5, "u1", "u2"), _alert("heated", 6, "u1", "u3"),
              _alert("personal_attack", 6, "u2", "u3")]
    res = forecast_result(_case(), alerts, None)
    by_first = {ep.first_attack: ep for ep in res.episodes}
    assert by_first["c5"].warned_at is None and by_first["c5"].alerted_at is None
    assert by_first["c7"].warned_at == "c6"  # u1/u3 warned at c6, before u3's attack at c7
