"""Event-time expiry of idle threads, including states restored from the changelog."""

from __future__ import annotations

from streams.detect import DetectConfig, ThreadState, decode_state, encode_state, is_expired, step
from streams.service.expiry import Expirer
from streams.service.processing import Core
from streams.service.routing import partition_for
from streams.service.stats import Stats

CORE = Core(step=step, is_expired=is_expired, encode_state=encode_state, decode_state=decode_state)
CONFIG = DetectConfig(inactivity_seconds=3600.0)
T0 = 1_700_000_000.0


def state(thread: str, last_ts: float) -> bytes:
    return encode_state(ThreadState(thread_id=thread, last_ts=last_ts))


def expirer(stats: Stats | None = None) -> Expirer:
    return Expirer(CONFIG, CORE, stats or Stats(), partitions=4)


def test_restored_states_expire_against_the_newest_event_time() -> None:
    # Nothing observed by the agent: all of it came from the changelog. Three recent threads
    # make a watermark (the 3rd-newest thread); one is not enough to move it.
    table = {
        b"old": state("old", T0),
        b"edge": state("edge", T0 + 10),
        **{f"new{i}".encode(): state(f"new{i}", T0 + 3610) for i in range(3)},
    }
    stats = Stats()
    expired = expirer(stats).run(table, lambda p: True)
    assert expired == [b"old"]  # idle 3610 s > 3600 s; "edge" is idle exactly 3600 s
    assert set(table) == {b"edge", b"new0", b"new1", b"new2"}
    assert stats.expired == 1
    assert stats.watermark == T0 + 3610


def test_the_watermark_from_processed_events_counts_too() -> None:
    table = {b"a": state("a", T0)}
    exp = expirer()
    for i in range(3):  # the agent saw newer events of three other threads
        exp.watermarks.observe(partition_for(b"a", 4), f"b{i}".encode(), T0 + 7200)
    assert exp.run(table, lambda p: True) == [b"a"]
    assert table == {}


def test_only_threads_of_owned_partitions_are_touched() -> None:
    table = {f"t{i}".encode(): state(f"t{i}", T0) for i in range(20)}
    table.update({f"n{i}".encode(): state(f"n{i}", T0 + 10_000) for i in range(12)})
    mine = {0, 1}
    expired = expirer().run(table, mine.__contains__)
    assert expired
    assert all(partition_for(k, 4) in mine and k.startswith(b"t") for k in expired)
    assert all(partition_for(k, 4) not in mine for k in table if k.startswith(b"t"))


def test_a_thread_updated_since_it_was_indexed_is_kept() -> None:
    exp = expirer()
    table = {b"a": state("a", T0), b"b": state("b", T0 + 100)}
    exp.run(table, lambda p: True)  # indexes a@T0
    table[b"a"] = state("a", T0 + 5000)  # the agent wrote a newer state (not observed)
    table[b"b"] = state("b", T0 + 5000)
    assert exp.run(table, lambda p: True) == []
    assert set(table) == {b"a", b"b"}


def test_observed_batches_feed_the_index() -> None:
    exp = expirer()
    table = {b"a": state("a", T0), **{k: state(k.decode(), T0 + 5000) for k in (b"b", b"c", b"d")}}
    exp.observe({k: decode_state(v) for k, v in table.items()})
    assert exp.run(table, lambda p: True) == [b"a"]


def test_unreadable_states_are_left_alone() -> None:
    table = {b"junk": b"\x00not a state", b"new": state("new", T0 + 10_000)}
    exp = expirer()
    assert exp.run(table, lambda p: True) == []
    assert exp.run(table, lambda p: True) == []
    assert b"junk" in table
