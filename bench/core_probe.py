"""One measurement of the core against a source tree, printed as JSON (run by bench.compare).

    python bench/core_probe.py TREE [N_COMMENTS] [N_THREADS] [REPEAT_LABELLED]

TREE is a checkout (this one, or a `git archive` snapshot of an older commit); its `streams`
package is the one measured, through its public API only (`step`, `RuleScorer`,
`DetectConfig`, `make_scorer`, the evaluation loaders), so old and new code run the very same
measurement. Besides the rates it prints a digest of every alert and final thread state, so
that a comparison also shows whether the alerts moved.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any


def _corpora(tree: Path, n: int, threads: int, repeat: int) -> dict[str, list[Any]]:
    from bench.synthetic import synthetic_events
    from streams.evaluation.pairs import load_pairs, pair_events
    from streams.evaluation.threads import load_thread

    data = tree / "streams" / "evaluation" / "data"
    cases: list[list[Any]] = [pair_events(p) for f in sorted(data.rglob("pairs*.jsonl"))
                              for p in load_pairs(f)]
    cases += [load_thread(f).events for f in sorted(data.rglob("threads/*.jsonl"))]
    labelled = []
    for r in range(repeat):
        for events in cases:
            labelled += [e.model_copy(update={"thread_id": f"{e.thread_id}#{r}"}) for e in events]
    return {"synthetic": list(synthetic_events(n, threads)), "labelled": labelled}


def _run(events: list[Any], scorer: Any) -> tuple[float, float, int, str]:
    from streams.detect import DetectConfig, encode_state, step

    config = DetectConfig()
    states: dict[str, Any] = {}
    out: list[Any] = []
    cpu, wall = time.process_time(), time.perf_counter()
    for e in events:
        st, alerts = step(states.get(e.thread_id), e, config, scorer)
        states[e.thread_id] = st
        out += alerts
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    h = hashlib.blake2b(digest_size=12)
    for a in out:
        h.update(a.model_dump_json().encode())
    for tid in sorted(states):
        h.update(encode_state(states[tid]))
    return cpu, wall, len(out), h.hexdigest()


def _predict_us(events: list[Any]) -> float:
    """CPU microseconds per comment of the fast tier's model alone, on what it is given."""
    from streams.detect import DetectConfig, step
    from streams.detect.tiers import make_scorer

    seen: list[tuple[str, Any]] = []
    scorer = make_scorer("rules+fast")
    scorer.recorder = lambda own, signals: seen.append((own, signals))
    config = DetectConfig()
    states: dict[str, Any] = {}
    for e in events:
        states[e.thread_id] = step(states.get(e.thread_id), e, config, scorer)[0]
    model = scorer.model
    assert model is not None
    t = time.process_time()
    for own, signals in seen:
        model.predict(own, signals)
    return (time.process_time() - t) / max(1, len(seen)) * 1e6


def main(argv: list[str]) -> int:
    tree = Path(argv[1]).resolve()
    n = int(argv[2]) if len(argv) > 2 else 20_000
    threads = int(argv[3]) if len(argv) > 3 else 400
    repeat = int(argv[4]) if len(argv) > 4 else 3
    sys.path[:1] = [str(tree)]  # the measured tree, not this script's folder
    import streams
    from streams.detect import RuleScorer
    from streams.detect.tiers import make_scorer

    scorers = {"rules": RuleScorer(), "rules+fast": make_scorer("rules+fast")}
    result: dict[str, Any] = {"tree": str(tree), "package": streams.__file__}
    for corpus, events in _corpora(tree, n, threads, repeat).items():
        for name, scorer in scorers.items():
            _run(events[:500], scorer)  # warm the caches a live worker would have warm
            cpu, wall, alerts, digest = _run(events, scorer)
            result[f"{corpus}/{name}"] = {
                "comments": len(events), "cpu_s": cpu, "wall_s": wall, "alerts": alerts,
                "digest": digest,
            }
        result[f"{corpus}/predict_us"] = _predict_us(events)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
