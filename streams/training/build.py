"""Build a model from data folders, and measure it split by split (leave one split out)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from streams.detect import DetectConfig
from streams.detect.learned.model import LinearModel
from streams.detect.tiers import TieredScorer
from streams.evaluation.pairs import evaluate_pairs, load_pairs, metrics
from streams.evaluation.threads import evaluate_thread, load_thread
from streams.training.corpus import Example, Split, data_digest, discover, split_examples
from streams.training.fit import FitConfig, fit

TRAIN_VERSION = 1
"""Bump when training changes in a way the data digest cannot see."""

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Corpus:
    roots: tuple[Path, ...]
    splits: tuple[tuple[Path, Split], ...]
    examples: dict[str, list[Example]]

    @property
    def digest(self) -> str:
        parts = [data_digest([s], root) for root, s in self.splits]
        return hashlib.sha256("".join(parts).encode()).hexdigest()


def load_corpus(
    roots: Sequence[Path],
    config: DetectConfig,
    extra: Sequence[Example] = (),
    exclude: Sequence[str] = (),
) -> Corpus:
    splits: list[tuple[Path, Split]] = []
    for root in roots:
        splits.extend((root, s) for s in discover(root) if s.name not in exclude)
    names = [s.name for _, s in splits]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"split names appear twice: {sorted(dupes)}")
    examples = {s.name: split_examples(s, config) for _, s in splits}
    if extra:
        examples["feedback"] = list(extra)
    return Corpus(tuple(roots), tuple(splits), examples)


def train(corpus: Corpus, fit_config: FitConfig | None = None) -> LinearModel:
    cfg = fit_config or FitConfig()
    all_examples = [e for name in sorted(corpus.examples) for e in corpus.examples[name]]
    model = fit(all_examples, cfg)
    model.meta = {
        "data_sha256": corpus.digest,
        "splits": {name: len(v) for name, v in sorted(corpus.examples.items())},
        "train_version": TRAIN_VERSION,
        "fit": {"dim": cfg.dim, "l2": cfg.l2, "iterations": cfg.iterations},
    }
    return model


@dataclass(slots=True)
class SplitReport:
    split: str
    pairs: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    civil_you_flagged: float | None = None
    """Share of civil second-person replies flagged as attacks."""
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)
    threads_passed: int = 0
    threads: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)
    """True positives by the tier that decided them."""


def measure_split(split: Split, config: DetectConfig, scorer: TieredScorer) -> SplitReport:
    rep = SplitReport(split.name)
    results = []
    for path in split.pair_files:
        results.extend(evaluate_pairs(load_pairs(path), config, scorer))
    if results:
        m = metrics((r.expected, r.predicted) for r in results)
        rep.pairs, rep.precision, rep.recall, rep.f1 = len(results), m.precision, m.recall, m.f1
        cats: dict[str, list[bool]] = defaultdict(list)
        for r in results:
            cats[r.pair.category].append(r.expected == r.predicted)
            if r.expected and r.predicted:
                rep.by_tier[r.tier] = rep.by_tier.get(r.tier, 0) + 1
        rep.by_category = {c: (sum(v), len(v)) for c, v in sorted(cats.items())}
        civil = [r for r in results if r.pair.category == "civil_second_person"]
        if civil:
            rep.civil_you_flagged = sum(r.predicted for r in civil) / len(civil)
    for path in split.thread_files:
        res = evaluate_thread(load_thread(path), config, scorer)
        rep.threads += 1
        rep.threads_passed += res.passed
    return rep


def leave_one_split_out(
    corpus: Corpus,
    config: DetectConfig,
    fit_config: FitConfig | None = None,
    progress: Progress | None = None,
) -> list[SplitReport]:
    """For each split: train on all the others, measure on it. A new split's first look."""
    reports = []
    names = sorted(corpus.examples)
    for root, split in corpus.splits:
        del root
        if progress:
            progress(f"leave out {split.name}: training on {len(names) - 1} other splits")
        rest = [e for n in names if n != split.name for e in corpus.examples[n]]
        model = fit(rest, fit_config or FitConfig())
        reports.append(measure_split(split, config, TieredScorer(model)))
    return reports


def format_reports(reports: Sequence[SplitReport]) -> str:
    lines = [
        f"{'split':10s} {'pairs':>5s} {'P':>5s} {'R':>5s} {'F1':>5s} {'civil-you flagged':>17s} "
        f"{'threads':>7s}  tiers of true positives"
    ]
    for r in reports:
        civil = "-" if r.civil_you_flagged is None else f"{r.civil_you_flagged:.1%}"
        tiers = ", ".join(f"{k} {v}" for k, v in sorted(r.by_tier.items()))
        lines.append(
            f"{r.split:10s} {r.pairs:5d} {r.precision:5.2f} {r.recall:5.2f} {r.f1:5.2f} "
            f"{civil:>17s} {r.threads_passed:>3d}/{r.threads:<3d}  {tiers}"
        )
    return "\n".join(lines)
