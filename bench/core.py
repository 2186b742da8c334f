"""Core throughput without a broker: scoring, `step` (rules only, and with the fast learned
tier), and `step` with the worker's state codec. Rates are per CPU second of this process (the
machine is shared; CPU time is what other work disturbs least).

python -m bench.core [N_COMMENTS] [N_THREADS]

To compare with an older commit side by side (and check that no alert moved), run
`python -m bench.compare REF`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from bench.results import Core
from bench.synthetic import synthetic_events
from schemas.comment import CommentEvent
from streams.detect import DetectConfig, RuleScorer, decode_state, encode_state, step
from streams.detect.scorer import Scorer
from streams.detect.state import ThreadState
from streams.detect.tiers import TieredScorer, default_model, make_scorer
from streams.service.codec import StateCodec


def _steps(
    events: Sequence[CommentEvent], config: DetectConfig, scorer: TieredScorer | Scorer
) -> tuple[float, dict[str, ThreadState], int]:
    states: dict[str, ThreadState] = {}
    alerts = 0
    t = time.process_time()
    for e in events:
        st, out = step(states.get(e.thread_id), e, config, scorer)
        states[e.thread_id] = st
        alerts += len(out)
    return time.process_time() - t, states, alerts


def measure(n_comments: int = 100_000, n_threads: int = 2_000) -> Core:
    events = list(synthetic_events(n_comments, n_threads))
    config = DetectConfig()
    rules = RuleScorer()
    codec = StateCodec(encode_state, decode_state)
    default_model()  # loaded before timing

    t = time.process_time()
    for e in events:
        rules.score(e.text)
    score_s = time.process_time() - t

    rules_s, _, _ = _steps(events, config, rules)
    step_s, states, alerts = _steps(events, config, make_scorer("rules+fast"))

    # the worker's path when nothing is cached: state decoded from and encoded to its bytes
    blobs: dict[str, bytes] = {}
    t = time.process_time()
    for e in events:
        raw = blobs.get(e.thread_id)
        st, _ = step(codec.decode(raw) if raw else None, e, config)
        blobs[e.thread_id] = codec.encode(st)
    codec_s = time.process_time() - t
    sizes = [len(b) for b in blobs.values()]
    plain = [len(encode_state(s)) for s in states.values()]
    return Core(
        comments=n_comments, threads=n_threads, alerts=alerts,
        score_only_per_s=n_comments / score_s, step_per_s=n_comments / step_s,
        step_with_state_codec_per_s=n_comments / codec_s,
        state_bytes_mean=sum(sizes) / len(sizes), state_json_bytes_mean=sum(plain) / len(plain),
        state_bytes_max=max(sizes), step_rules_per_s=n_comments / rules_s,
        fast_tier_us=(step_s - rules_s) / n_comments * 1e6, timing="cpu",
    )


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    r = measure(n, threads)
    print(f"core, one process, {r.comments} comments over {r.threads} threads ({r.alerts} alerts),"
          " per CPU second")
    print(f"  scoring only                 {r.score_only_per_s:>10,.0f} comments/s")
    print(f"  step, rules only             {r.step_rules_per_s or 0:>10,.0f} comments/s")
    print(f"  step, rules + fast tier      {r.step_per_s:>10,.0f} comments/s   "
          f"(the fast tier: {r.fast_tier_us or 0:,.1f} us per comment)")
    print(f"  step + state decode/encode   {r.step_with_state_codec_per_s:>10,.0f} comments/s")
    print(f"  state per thread             {r.state_bytes_mean:>10,.0f} bytes mean compact "
          f"({r.state_json_bytes_mean:,.0f} as JSON), {r.state_bytes_max:,} max")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
