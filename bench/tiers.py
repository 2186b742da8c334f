"""Cost of each scoring tier and of the default pipeline, and the share of comments each
stage sees, on synthetic threads and on the labelled threads. No broker.

python -m bench.tiers [N_SYNTHETIC]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.synthetic import synthetic_events
from schemas.comment import CommentEvent
from streams import evaluation
from streams.detect import DetectConfig, step
from streams.detect.state import ThreadState
from streams.detect.text import prepare
from streams.detect.tiers import TieredScorer, make_scorer
from streams.evaluation.splits import discover
from streams.evaluation.threads import load_thread

DATA = Path(evaluation.__file__).resolve().parent / "data"


def labelled_events() -> list[CommentEvent]:
    events: list[CommentEvent] = []
    for split in discover(DATA):
        for path in split.thread_files:
            events.extend(load_thread(path).events)
    return events


def run_core(events: Sequence[CommentEvent], scorer: TieredScorer) -> tuple[float, int, int]:
    """(comments/s, comments the fast tier was unsure of, alerts)."""
    config = DetectConfig()
    states: dict[str, ThreadState] = {}
    uncertain = alerts = 0
    t = time.perf_counter()
    for e in events:
        st, out = step(states.get(e.thread_id), e, config, scorer)
        states[e.thread_id] = st
        alerts += len(out)
        rec = st.comments.get(e.comment_id)
        uncertain += bool(rec is not None and rec.uncertain)
    return len(events) / (time.perf_counter() - t), uncertain, alerts


def encoder_rate(texts: Sequence[str], batch: int) -> float | None:
    try:
        from streams.encoder.scorer import load_encoder

        enc = load_encoder()
    except Exception as exc:  # not installed, or no head
        print(f"  encoder: skipped ({exc})")
        return None
    enc.score_batch(list(texts[:2]))  # warm up
    t = time.perf_counter()
    for i in range(0, len(texts), batch):
        enc.score_batch(list(texts[i : i + batch]))
    return len(texts) / (time.perf_counter() - t)


def report(name: str, events: Sequence[CommentEvent]) -> None:
    rules, fast = make_scorer("rules"), make_scorer("rules+fast")
    r_rate, _, r_alerts = run_core(events, rules)
    f_rate, unsure, f_alerts = run_core(events, fast)
    n = len(events)
    print(f"{name}: {n:,} comments")
    print(f"  rules only             {r_rate:>9,.0f} comments/s  ({r_alerts} alerts)")
    print(f"  rules + fast           {f_rate:>9,.0f} comments/s  ({f_alerts} alerts); "
          f"fast tier {1e6 / f_rate - 1e6 / r_rate:,.0f} µs/comment extra")
    share = unsure / n if n else 0.0
    print(f"  stages: rules 100%, fast 100%, encoder {share:.1%} ({unsure} uncertain)")
    texts = [prepare(e.text).own for e in events[:64] if e.text]
    for batch in (1, 16):
        rate = encoder_rate(texts, batch)
        if rate is None:
            break
        print(f"  encoder tier, batches of {batch:<3d} {rate:>6,.1f} comments/s per process "
              f"-> the default band needs {share * f_rate / rate if rate else 0:.1f} encoder "
              f"processes at the fast tiers' full rate")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    report("synthetic threads", list(synthetic_events(n, max(1, n // 50))))
    report("labelled threads", labelled_events())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
