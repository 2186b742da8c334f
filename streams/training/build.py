"""Build a model from data folders, and measure it split by split (leave one split out)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from streams.detect import DetectConfig
from streams.detect.learned.model import LinearModel
from streams.detect.tiers import TieredScorer
from streams.evaluation.report import SplitReport, measure_split
from streams.evaluation.splits import Split, corpus_digest, discover
from streams.training.corpus import Example, split_examples
from streams.training.fit import FitConfig, fit, platt

if TYPE_CHECKING:
    import numpy as np

    from streams.encoder.head import EncoderHead

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
        return corpus_digest(self.splits)


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


@dataclass
class Fold:
    """A model trained without one split, and its (uncalibrated) scores on that split."""

    split: str
    model: LinearModel
    margins: np.ndarray
    labels: np.ndarray
    head: EncoderHead | None = None
    head_margins: np.ndarray | None = None


def _all(corpus: Corpus, leave_out: str | None = None) -> list[Example]:
    return [
        e for name in sorted(corpus.examples) if name != leave_out for e in corpus.examples[name]
    ]


def fit_folds(
    corpus: Corpus,
    fit_config: FitConfig,
    progress: Progress | None = None,
    vectors: dict[str, np.ndarray] | None = None,
) -> list[Fold]:
    """One model per split, trained on all the others (k fits, in a fixed order)."""
    import numpy as np

    folds = []
    for name in sorted(corpus.examples):
        held = corpus.examples[name]
        if progress:
            progress(f"fold without {name}: training on the other {len(corpus.examples) - 1}")
        model = fit(_all(corpus, name), fit_config)
        margins = np.array([model.margin(e.own, e.signals) for e in held])
        labels = np.array([1.0 if e.label else 0.0 for e in held])
        fold = Fold(name, model, margins, labels)
        if vectors is not None:
            from streams.training.encoder_head import fit_head, stack

            fold.head = fit_head(_all(corpus, name), vectors)
            fold.head_margins = fold.head.margins(stack(held, vectors))
        folds.append(fold)
    return folds


def calibrate(folds: Sequence[Fold], leave_out: str | None = None) -> tuple[
    tuple[float, float], tuple[float, float] | None
]:
    """Platt parameters from the folds' held-out scores (optionally without one split's)."""
    import numpy as np

    use = [f for f in folds if f.split != leave_out]
    if not use:
        return (1.0, 0.0), None
    y = np.concatenate([f.labels for f in use])
    fast = platt(np.concatenate([f.margins for f in use]), y)
    head = None
    if all(f.head_margins is not None for f in use):
        head = platt(np.concatenate([f.head_margins for f in use if f.head_margins is not None]), y)
    return fast, head


def train(
    corpus: Corpus,
    fit_config: FitConfig | None = None,
    progress: Progress | None = None,
    vectors: dict[str, np.ndarray] | None = None,
) -> tuple[LinearModel, EncoderHead | None, list[Fold]]:
    """The fast model (and the encoder head when `vectors` are given) on every example,
    calibrated on leave-one-split-out predictions. Returns the folds for the report."""
    cfg = fit_config or FitConfig()
    model = fit(_all(corpus), cfg)
    folds = fit_folds(corpus, cfg, progress, vectors) if len(corpus.examples) > 1 else []
    fast_cal, head_cal = calibrate(folds)
    model.calibration = fast_cal
    model.meta = {
        "data_sha256": corpus.digest,
        "splits": {name: len(v) for name, v in sorted(corpus.examples.items())},
        "train_version": TRAIN_VERSION,
        "fit": {"dim": cfg.dim, "l2": cfg.l2, "iterations": cfg.iterations},
    }
    head = None
    if vectors is not None:
        from streams.training.encoder_head import fit_head

        head = fit_head(_all(corpus), vectors)
        head.calibration = head_cal or (1.0, 0.0)
        head.meta = {"data_sha256": corpus.digest, "train_version": TRAIN_VERSION}
    return model, head, folds


def embed_corpus(corpus: Corpus, progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Embeddings of every example's own words (cached on disk; needs flamewatch[encoder])."""
    from streams.training.encoder_head import cached_embedder, embed_examples

    def tick(done: int, total: int) -> None:
        if progress and (done == total or done % 512 < 32):
            progress(f"embedding {done}/{total} new texts")

    return embed_examples(_all(corpus), cached_embedder(), tick)


def leave_one_split_out(
    corpus: Corpus, config: DetectConfig, folds: Sequence[Fold]
) -> list[SplitReport]:
    """Each split measured by its fold's model (never trained on it), calibrated without it:
    a new split's honest first look. With heads in the folds, the encoder is asked in line."""
    import dataclasses

    by_name = {f.split: f for f in folds}
    reports = []
    for _, split in corpus.splits:
        fold = by_name[split.name]
        fast_cal, head_cal = calibrate(folds, leave_out=split.name)
        model = dataclasses.replace(fold.model, calibration=fast_cal)
        scorer = TieredScorer(model)
        if fold.head is not None:
            from streams.encoder.scorer import EncoderScorer
            from streams.training.encoder_head import cached_embedder

            head = dataclasses.replace(fold.head, calibration=head_cal or (1.0, 0.0))
            scorer = TieredScorer(model, encoder=EncoderScorer(head, cached_embedder()))
        reports.append(measure_split(split, config, scorer))
    return reports
