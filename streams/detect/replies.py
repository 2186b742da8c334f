"""The reply tree of a thread's kept comments, as an index: parent id -> the ids of its kept
replies, in arrival order.

Derived, never encoded: built from `ThreadState.comments` on first use (after a decode, say)
and then carried from state to state by `step`, which updates it for the comment it adds and
the ones it evicts. An index is only ever used with the very comments dict it was built for,
so a state made any other way (a test, `dataclasses.replace`) just gets a fresh one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from streams.detect.state import CommentRec, ThreadState

Replies = dict[str | None, tuple[str, ...]]


def build(comments: Mapping[str, CommentRec]) -> Replies:
    index: dict[str | None, list[str]] = {}
    for cid, rec in comments.items():
        index.setdefault(rec.parent_id, []).append(cid)
    return {pid: tuple(ids) for pid, ids in index.items()}


def replies(state: ThreadState) -> Replies:
    """The index for `state.comments` (built now if the state does not carry one)."""
    carried = state.replies
    if carried is not None and carried[0] is state.comments:
        return carried[1]
    index = build(state.comments)
    object.__setattr__(state, "replies", (state.comments, index))
    return index


def attach(state: ThreadState, index: Replies | None) -> ThreadState:
    """Let `state` carry `index` (which must describe `state.comments`)."""
    if index is not None:
        object.__setattr__(state, "replies", (state.comments, index))
    return state


def added(
    index: Replies, rec: CommentRec, previous: CommentRec | None, evicted: Iterable[CommentRec]
) -> Replies | None:
    """The index after `rec` was added (or replaced `previous`, keeping its place) and the
    `evicted` comments (the oldest) were dropped; None when it is simpler to rebuild."""
    if previous is not None and previous.parent_id != rec.parent_id:
        return None  # an edit moved the comment in the tree: rebuilt on first use
    out = dict(index)
    if previous is None:
        out[rec.parent_id] = (*out.get(rec.parent_id, ()), rec.comment_id)
    for old in evicted:
        ids = out.get(old.parent_id, ())
        if not ids or ids[0] != old.comment_id:
            return None  # (not the oldest of its siblings: cannot happen; rebuilt if it does)
        if len(ids) == 1:
            del out[old.parent_id]
        else:
            out[old.parent_id] = ids[1:]
    return out
