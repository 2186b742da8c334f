"""Labelled data as training examples: what the fast tier sees for each labelled reply.

Every example is produced by running the real core (rules, addressing, thread state) over
the labelled pair or thread with a recording scorer, so training sees exactly the features
the worker computes. Data lives in splits (streams/evaluation/splits.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from streams.detect import DetectConfig, Detector
from streams.detect.learned.features import Signals
from streams.detect.tiers import TieredScorer
from streams.evaluation.pairs import Pair, load_pairs, pair_events
from streams.evaluation.splits import Split
from streams.evaluation.threads import ThreadCase, load_thread


@dataclass(frozen=True, slots=True)
class Example:
    split: str
    id: str
    own: str
    signals: Signals
    label: bool
    category: str
    register: str
    weight: float = 1.0


class _Capture:
    def __init__(self) -> None:
        self.current = ""
        self.seen: dict[str, tuple[str, Signals]] = {}

    def __call__(self, own: str, signals: Signals) -> None:
        self.seen[self.current] = (own, signals)


def pair_examples(split: str, pairs: Iterable[Pair], config: DetectConfig) -> Iterator[Example]:
    for pair in pairs:
        cap = _Capture()
        det = Detector(config, TieredScorer(None, recorder=cap))
        for event in pair_events(pair):
            cap.current = event.comment_id
            det.process(event)
        own, signals = cap.seen[f"{pair.id}-2"]
        yield Example(
            split, pair.id, own, signals, pair.label == "attack", pair.category,
            _register(pair),
        )


def thread_examples(split: str, case: ThreadCase, config: DetectConfig) -> Iterator[Example]:
    cap = _Capture()
    det = Detector(config, TieredScorer(None, recorder=cap))
    deleted: set[str] = set()
    for event in case.events:
        if event.event_type == "deleted":
            deleted.add(event.comment_id)
        cap.current = event.comment_id
        det.process(event)
    for cid, (own, signals) in cap.seen.items():
        if cid in deleted or not own.strip():
            continue
        yield Example(
            split, f"{case.name}/{cid}", own, signals, cid in case.attack_comments,
            "thread_attack" if cid in case.attack_comments else "thread_none",
            case.register or "thread",
        )


def split_examples(split: Split, config: DetectConfig) -> list[Example]:
    out: list[Example] = []
    for path in split.pair_files:
        out.extend(pair_examples(split.name, load_pairs(path), config))
    for path in split.thread_files:
        out.extend(thread_examples(split.name, load_thread(path), config))
    return out


def _register(pair: Pair) -> str:
    return pair.register or "unknown"

