"""Everything top level (stream chat, live threads): whom a short comment answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector
from streams.detect.tiers import TieredScorer

T0 = datetime(2024, 6, 1, 20, 0, tzinfo=UTC)
NAMES = {"u-m": "mossyboots", "u-k": "Kr4ken_", "u-t": "tilly_t", "u-w": "Whatever"}


def chat(cid: str, author: str, text: str, seconds: float) -> CommentEvent:
    return CommentEvent(
        comment_id=cid, thread_id="s", parent_id=None, author_id=author,
        author_name=NAMES[author], text=text, created_at=T0 + timedelta(seconds=seconds),
    )


def addressees(events: list[CommentEvent]) -> dict[str, str | None]:
    d = Detector(DetectConfig(), TieredScorer(None))
    for e in events:
        d.process(e)
    return {cid: rec.addressee for cid, rec in d.states["s"].comments.items()}


def test_a_name_in_chat_spelling_says_whom_it_answers() -> None:
    got = addressees([
        chat("c1", "u-m", "boss fight next", 0),
        chat("c2", "u-k", "finally", 5),
        chat("c3", "u-t", "mossy did u see that skip", 9),  # prefix of 'mossyboots'
        chat("c4", "u-m", "kraken stop backseating", 14),  # 'Kr4ken_' de-leeted
    ])
    assert got["c3"] == "u-m" and got["c4"] == "u-k"


def test_you_answers_the_last_speaker_only_within_the_gap() -> None:
    got = addressees([
        chat("c1", "u-m", "that was a clean phase", 0),
        chat("c2", "u-k", "u got lucky with that cycle", 119),
        chat("c3", "u-t", "anyone know the route for the last dungeon", 130),
        chat("c4", "u-m", "u should watch the vod", 130 + 121),
    ])
    assert got["c2"] == "u-m"
    assert got["c3"] is None  # no 'you', no name: said to the room
    assert got["c4"] is None  # 121 s after the last other speaker: not a chat reply


def test_ordinary_words_and_quiet_threads_address_nobody() -> None:
    got = addressees([
        chat("c1", "u-w", "Council meeting is on Thursday.", 0),
        chat("c2", "u-k", "what a joke, you lot never listen", 30),  # 'what' vs 'Whatever'
        chat("c3", "u-t", "whatever the council says, you lot should turn up", 2000),
    ])
    assert got["c2"] == "u-w"  # by the 'you' rule: the last speaker, 30 s before
    assert got["c3"] is None  # a name prefix, but nobody spoke for half an hour


def test_replies_in_a_tree_keep_their_parent() -> None:
    d = Detector(DetectConfig(), TieredScorer(None))
    d.process(chat("c1", "u-m", "that was a clean phase", 0))
    d.process(chat("c2", "u-k", "agreed", 5))
    reply = CommentEvent(
        comment_id="c3", thread_id="s", parent_id="c1", author_id="u-t",
        author_name="tilly_t", text="u always say that", created_at=T0 + timedelta(seconds=8),
    )
    d.process(reply)
    assert d.states["s"].comments["c3"].addressee == "u-m"
