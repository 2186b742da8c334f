"""Labelled reply pairs: does the core call each reply a personal attack on a participant?"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector
from streams.detect.findings import render
from streams.detect.tiers import TieredScorer

_T0 = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Pair:
    id: str
    parent_author: str
    parent_text: str
    reply_author: str
    reply_text: str
    label: str
    category: str
    target_author: str | None = None
    register: str | None = None


@dataclass(frozen=True, slots=True)
class PairResult:
    pair: Pair
    predicted: bool
    attack: float
    hostility: float
    target: str | None
    reasons: tuple[str, ...]
    tier: str = "rules"

    @property
    def expected(self) -> bool:
        return self.pair.label == "attack"


def load_pairs(path: Path) -> list[Pair]:
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        try:
            pairs.append(
                Pair(
                    id=str(obj["id"]),
                    parent_author=obj["parent_author"],
                    parent_text=obj["parent_text"],
                    reply_author=obj["reply_author"],
                    reply_text=obj["reply_text"],
                    label=obj["label"],
                    category=obj.get("category", ""),
                    target_author=obj.get("target_author"),
                    register=obj.get("register"),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{path}:{n}: missing field {exc}") from None
    return pairs


def _uid(name: str) -> str:
    return "u-" + "".join(ch for ch in name.lower() if ch.isalnum())


def pair_events(pair: Pair) -> list[CommentEvent]:
    """The pair as a tiny thread: [target's earlier comment,] parent, reply."""
    events = []
    parent_parent = None
    if pair.target_author and pair.target_author not in (pair.parent_author, pair.reply_author):
        events.append(
            CommentEvent(
                comment_id=f"{pair.id}-0",
                thread_id=pair.id,
                author_id=_uid(pair.target_author),
                author_name=pair.target_author,
                text="(an earlier comment in the thread)",
                created_at=_T0,
            )
        )
        parent_parent = f"{pair.id}-0"
    events.append(
        CommentEvent(
            comment_id=f"{pair.id}-1",
            thread_id=pair.id,
            parent_id=parent_parent,
            author_id=_uid(pair.parent_author),
            author_name=pair.parent_author,
            text=pair.parent_text,
            created_at=_T0 + timedelta(minutes=5),
        )
    )
    events.append(
        CommentEvent(
            comment_id=f"{pair.id}-2",
            thread_id=pair.id,
            parent_id=f"{pair.id}-1",
            author_id=_uid(pair.reply_author),
            author_name=pair.reply_author,
            text=pair.reply_text,
            created_at=_T0 + timedelta(minutes=9),
        )
    )
    return events


def evaluate_pairs(
    pairs: Iterable[Pair], config: DetectConfig, scorer: TieredScorer | None = None
) -> list[PairResult]:
    results = []
    for pair in pairs:
        detector = Detector(config, scorer)
        for event in pair_events(pair):
            detector.process(event)
        rec = detector.states[pair.id].comments[f"{pair.id}-2"]
        predicted = rec.attack >= config.attack_threshold and rec.target is not None
        results.append(
            PairResult(
                pair,
                predicted,
                rec.attack,
                rec.hostility,
                rec.target,
                tuple(render(rec.reasons, rec.target)),
                rec.tier,
            )
        )
    return results


@dataclass(frozen=True, slots=True)
class Metrics:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def metrics(results: Iterable[tuple[bool, bool]]) -> Metrics:
    """From (expected, predicted) pairs."""
    tp = fp = fn = tn = 0
    for expected, predicted in results:
        if expected and predicted:
            tp += 1
        elif predicted:
            fp += 1
        elif expected:
            fn += 1
        else:
            tn += 1
    return Metrics(tp, fp, fn, tn)
