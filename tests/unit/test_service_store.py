"""The worker's state codec and ThreadStore (changed states kept, flushed in bulk)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from bench.synthetic import synthetic_events
from streams.detect import DetectConfig, ThreadState, decode_state, encode_state, is_expired
from streams.detect import step as core_step
from streams.service.codec import DEFLATE, StateCodec
from streams.service.expiry import Expirer
from streams.service.processing import Core
from streams.service.routing import partition_for
from streams.service.stats import Stats
from streams.service.store import CACHE_ENTRY_OVERHEAD, DECODED_STATE_FACTOR, ThreadStore

CODEC = StateCodec(encode_state, decode_state)
T0 = 1_700_000_000.0


def states(n_comments: int = 400, n_threads: int = 40) -> dict[str, ThreadState]:
    out: dict[str, ThreadState] = {}
    for event in synthetic_events(n_comments, n_threads):
        out[event.thread_id], _ = core_step(out.get(event.thread_id), event, DetectConfig())
    return out


def test_codec_round_trips_and_is_compact() -> None:
    for state in states().values():
        data = CODEC.encode(state)
        assert data[0] == DEFLATE
        assert CODEC.decode(data) == state
    sample = list(states(2000, 100).values())
    plain = sum(len(encode_state(s)) for s in sample)
    packed = sum(len(CODEC.encode(s)) for s in sample)
    assert packed < plain / 2


def test_codec_reads_the_cores_plain_encoding_and_rejects_junk() -> None:
    state = next(iter(states().values()))
    assert CODEC.decode(encode_state(state)) == state  # changelogs written before the codec
    for junk in (b"", b"\x00garbage", bytes((DEFLATE,)) + b"not deflate", b"\x7fwhat"):
        with pytest.raises(ValueError):
            CODEC.decode(junk)


def make_store(table: dict[bytes, bytes] | None = None, **kw: Any) -> ThreadStore:
    return ThreadStore(table if table is not None else {}, CODEC.encode, CODEC.decode, 4,
                       Stats(), **kw)


def flush(store: ThreadStore, table: dict[bytes, bytes]) -> list[tuple[int, bytes, Any]]:
    return store.flush_into(table).records


def test_changes_stay_in_the_worker_until_a_flush_writes_them_once_each() -> None:
    table: dict[bytes, bytes] = {}
    store = make_store(table)
    a1, a2 = ThreadState("a", 1.0), ThreadState("a", 2.0)
    store.put(b"a", 1, a1)
    store.put(b"a", 1, a2)  # a second batch changes it again
    store.put(b"b", 3, ThreadState("b", 1.0))
    assert table == {} and store.unflushed == 2
    assert store.load(b"a") is a2
    records = flush(store, table)
    assert [(p, k) for p, k, _ in records] == [(1, b"a"), (3, b"b")]
    assert CODEC.decode(table[b"a"]) == a2
    assert store.unflushed == 0
    assert store.load(b"a") is a2  # from the cache: not decoded again


def test_batches_during_a_flush_see_its_states_and_keep_their_own() -> None:
    table: dict[bytes, bytes] = {}
    store = make_store(table)
    old, new = ThreadState("a", 1.0), ThreadState("a", 5.0)
    store.put(b"a", 0, old)
    pending = store.begin_flush()
    assert store.load(b"a") is old  # taken by the flush, not written yet
    store.put(b"a", 0, new)  # the next batch
    assert store.load(b"a") is new
    assert not store.encode(pending, limit=0)
    assert store.encode(pending)
    table[b"a"] = pending.records[0][2]
    store.end_flush(pending)
    assert store.load(b"a") is new and store.unflushed == 1  # still to be written
    with pytest.raises(RuntimeError):
        store.end_flush(store.begin_flush())  # not encoded yet


def test_states_of_others_are_decoded_and_unreadable_ones_start_afresh() -> None:
    state = ThreadState("x", 3.0)
    table = {b"x": CODEC.encode(state), b"bad": b"\x00junk"}
    store = make_store(table)
    assert store.load(b"x") == state
    assert store.load(b"bad") is None and store.stats.processing_errors == 1
    assert store.load(b"nothing") is None


def test_the_cache_is_bounded_in_bytes_and_forgets_partitions_given_away() -> None:
    table: dict[bytes, bytes] = {}
    one = len(CODEC.encode(ThreadState("t0", 0.0))) * DECODED_STATE_FACTOR + CACHE_ENTRY_OVERHEAD
    store = make_store(table, cache_bytes=3 * one + one // 2)
    for i in range(5):
        store.put(f"t{i}".encode(), 0, ThreadState(f"t{i}", float(i)))
    flush(store, table)
    assert len(store._cache) == 3 and store.cached_bytes <= store.cache_bytes
    assert store.forget(lambda key: key == b"t4") == 2
    assert list(store._cache) == [b"t4"] and store.cached_bytes == one
    assert store.load(b"t1") == ThreadState("t1", 1.0)  # decoded from the table instead


def test_the_mapping_view_covers_changes_and_deletes_write_tombstones() -> None:
    table = {b"old": CODEC.encode(ThreadState("old", 1.0))}
    store = make_store(table)
    store.put(b"new", partition_for(b"new", 4), ThreadState("new", 2.0))
    assert set(store) == {b"old", b"new"} and len(store) == 2
    assert b"new" in store and CODEC.decode(store[b"new"]).last_ts == 2.0
    del store[b"old"]
    del store[b"new"]
    assert set(store) == set() and len(store) == 0 and b"old" not in store
    with pytest.raises(KeyError):
        store[b"old"]
    records = flush(store, table)
    assert {(k, v) for _, k, v in records} == {(b"old", None), (b"new", None)}
    assert {p for p, _, _ in records} == {partition_for(b"old", 4), partition_for(b"new", 4)}
    assert table == {}


def test_expiry_over_the_store_sees_unflushed_states_and_deletes_through_it() -> None:
    config = DetectConfig(inactivity_seconds=3600.0)
    core = Core(core_step, is_expired, CODEC.encode, CODEC.decode)
    table = {b"idle": CODEC.encode(ThreadState("idle", T0))}
    store = make_store(table)
    # unflushed busy threads, three on every partition (a partition's watermark needs three)
    busy: list[bytes] = []
    for i in range(200):
        key = f"busy{i}".encode()
        if sum(partition_for(k, 4) == partition_for(key, 4) for k in busy) < 3:
            busy.append(key)
    for key in busy:
        store.put(key, partition_for(key, 4), ThreadState(key.decode(), T0 + 5000))
    store.put(b"fresh-idle", partition_for(b"fresh-idle", 4), ThreadState("fresh-idle", T0))
    expired = Expirer(config, core, Stats(), 4).run(store, lambda p: True)
    assert sorted(expired) == [b"fresh-idle", b"idle"]
    assert set(store) == set(busy)
    records = flush(store, table)
    assert {k for _, k, v in records if v is None} == {b"fresh-idle", b"idle"}
    assert set(table) == set(busy)
    assert orjson.loads(CODEC.unwrap(table[busy[0]]))[1] == busy[0].decode()
