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
from streams.training.fit import FitConfig, fit

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


def train_encoder_head(
    corpus: Corpus, progress: Progress | None = None
) -> tuple[EncoderHead, dict[str, np.ndarray]]:
    """The encoder tier's head on every example (embeddings cached on disk)."""
    from streams.training.encoder_head import cached_embedder, embed_examples, fit_head

    examples = [e for name in sorted(corpus.examples) for e in corpus.examples[name]]

    def tick(done: int, total: int) -> None:
        if progress and (done == total or done % 512 < 32):
            progress(f"embedding {done}/{total} new texts")

    vectors = embed_examples(examples, cached_embedder(), tick)
    head = fit_head(examples, vectors)
    head.meta = {"data_sha256": corpus.digest, "train_version": TRAIN_VERSION}
    return head, vectors


def leave_one_split_out(
    corpus: Corpus,
    config: DetectConfig,
    fit_config: FitConfig | None = None,
    progress: Progress | None = None,
    encoder_vectors: dict[str, np.ndarray] | None = None,
) -> list[SplitReport]:
    """For each split: train on all the others, measure on it. A new split's first look.
    With `encoder_vectors`, the encoder head is retrained the same way and asked in line."""
    reports = []
    names = sorted(corpus.examples)
    for root, split in corpus.splits:
        del root
        if progress:
            progress(f"leave out {split.name}: training on {len(names) - 1} other splits")
        rest = [e for n in names if n != split.name for e in corpus.examples[n]]
        model = fit(rest, fit_config or FitConfig())
        scorer = TieredScorer(model)
        if encoder_vectors is not None:
            from streams.encoder.scorer import EncoderScorer
            from streams.training.encoder_head import cached_embedder, fit_head

            head = fit_head(rest, encoder_vectors)
            scorer = TieredScorer(model, encoder=EncoderScorer(head, cached_embedder()))
        reports.append(measure_split(split, config, scorer))
    return reports
