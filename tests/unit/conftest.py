from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from schemas.comment import CommentEvent

T0 = datetime(2020, 3, 1, 16, 0, tzinfo=UTC)
NAMES = {"u-dave": "Dave C", "u-sam": "Sam H", "u-root": "Riverside Rita", "u-kim": "Kim P"}

MakeEvent = Callable[..., CommentEvent]


@pytest.fixture
def ev() -> MakeEvent:
    """Build a CommentEvent: ev('c2', 'u-sam', 'text', parent='c1', minute=3)."""

    def make(
        cid: str,
        author: str,
        text: str,
        parent: str | None = None,
        minute: float = 0,
        thread: str = "t-1",
        kind: str = "created",
    ) -> CommentEvent:
        return CommentEvent(
            comment_id=cid,
            thread_id=thread,
            parent_id=parent,
            author_id=author,
            author_name=NAMES.get(author, author),
            text=text,
            created_at=T0 + timedelta(minutes=minute),
            event_type=kind,  # type: ignore[arg-type]
        )

    return make
