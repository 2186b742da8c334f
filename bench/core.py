"""Core throughput without a broker: scoring, `step`, and `step` with the worker's state codec.

python -m bench.core [N_COMMENTS] [N_THREADS]
"""

from __future__ import annotations

import sys
import time

from bench.results import Core
from bench.synthetic import synthetic_events
from streams.detect import DetectConfig, RuleScorer, decode_state, encode_state, step
from streams.detect.state import ThreadState
from streams.service.codec import StateCodec


def measure(n_comments: int = 100_000, n_threads: int = 2_000) -> Core:
    events = list(synthetic_events(n_comments, n_threads))
    config = DetectConfig()
    scorer = RuleScorer()
    codec = StateCodec(encode_state, decode_state)

    t = time.perf_counter()
    for e in events:
        scorer.score(e.text)
    score_s = time.perf_counter() - t

    states: dict[str, ThreadState] = {}
    alerts = 0
    t = time.perf_counter()
    for e in events:
        st, out = step(states.get(e.thread_id), e, config)
        states[e.thread_id] = st
        alerts += len(out)
    step_s = time.perf_counter() - t

    # the worker's path when nothing is cached: state decoded from and encoded to its bytes
    blobs: dict[str, bytes] = {}
    t = time.perf_counter()
    for e in events:
        raw = blobs.get(e.thread_id)
        st, _ = step(codec.decode(raw) if raw else None, e, config)
        blobs[e.thread_id] = codec.encode(st)
    codec_s = time.perf_counter() - t
    sizes = [len(b) for b in blobs.values()]
    plain = [len(encode_state(s)) for s in states.values()]
    return Core(
        comments=n_comments, threads=n_threads, alerts=alerts,
        score_only_per_s=n_comments / score_s, step_per_s=n_comments / step_s,
        step_with_state_codec_per_s=n_comments / codec_s,
        state_bytes_mean=sum(sizes) / len(sizes), state_json_bytes_mean=sum(plain) / len(plain),
        state_bytes_max=max(sizes),
    )


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    r = measure(n, threads)
    print(f"core, one process, {r.comments} comments over {r.threads} threads ({r.alerts} alerts)")
    print(f"  scoring only                 {r.score_only_per_s:>10,.0f} comments/s")
    print(f"  step (score + state update)  {r.step_per_s:>10,.0f} comments/s")
    print(f"  step + state decode/encode   {r.step_with_state_codec_per_s:>10,.0f} comments/s")
    print(f"  state per thread             {r.state_bytes_mean:>10,.0f} bytes mean compact "
          f"({r.state_json_bytes_mean:,.0f} as JSON), {r.state_bytes_max:,} max")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
