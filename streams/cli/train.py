"""`flamewatch train`: labelled pairs and threads -> the fast tier's model file."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from streams.cli.detect_settings import load_detect_config
from streams.detect.tiers import default_model_path
from streams.evaluation.report import format_reports
from streams.evaluation.splits import load_first_look
from streams.training.build import leave_one_split_out, load_corpus, train
from streams.training.fit import FitConfig

DATA = Path(__file__).resolve().parent.parent / "evaluation" / "data"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train the fast learned tier from labelled data (deterministic)",
        description="Reads every split under each --data folder (pairs.jsonl, threads/ with "
        "their .expected.json, pairs_holdout.jsonl, sub-folders), trains the fast tier and "
        "writes a versioned model file. The same data always gives a byte-identical file. "
        "With --report, each split is also measured by a model trained on all the other "
        "splits (leave one split out): a new split's honest first look.",
    )
    p.add_argument(
        "--data", type=Path, action="append", help=f"data folder (repeatable; default {DATA})"
    )
    p.add_argument("--out", type=Path, default=None, help="model file (default: the shipped one)")
    p.add_argument(
        "--exclude", action="append", default=[], metavar="SPLIT",
        help="leave this split out (repeatable), e.g. one still being written",
    )
    p.add_argument("--feedback", type=Path, help="moderator decisions (console SQLite database)")
    p.add_argument(
        "--encoder", action="store_true",
        help="also train the encoder tier's head (needs flamewatch[encoder]; embeddings are "
        "cached in ~/.cache/flamewatch/e5)",
    )
    p.add_argument("--encoder-out", type=Path, help="encoder head file (default: the shipped one)")
    p.add_argument("--report", action="store_true", help="leave-one-split-out report")
    p.add_argument("--report-json", type=Path, help="write the report as JSON here")
    p.add_argument("--l2", type=float, default=FitConfig().l2, help=argparse.SUPPRESS)
    p.add_argument("--iterations", type=int, default=FitConfig().iterations, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _say(msg: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    config = load_detect_config()
    roots = args.data or [DATA]
    for root in roots:
        if not root.is_dir():
            print(f"flamewatch train: {root} is not a folder", file=sys.stderr)
            return 2
    extra = []
    if args.feedback:
        from streams.training.feedback import feedback_examples

        try:
            extra = feedback_examples(args.feedback, config)
        except (OSError, ValueError) as exc:
            print(f"flamewatch train: {exc}", file=sys.stderr)
            return 2
        _say(f"{len(extra)} moderator decisions from {args.feedback}")
    t0 = time.perf_counter()
    corpus = load_corpus(roots, config, extra, exclude=args.exclude)
    counts = ", ".join(f"{k} {len(v)}" for k, v in sorted(corpus.examples.items()))
    _say(f"{sum(len(v) for v in corpus.examples.values())} examples ({counts})")
    fit_config = FitConfig(l2=args.l2, iterations=args.iterations)
    vectors = None
    if args.encoder:
        from streams.encoder.embed import EncoderUnavailable
        from streams.training.build import embed_corpus

        try:
            vectors = embed_corpus(corpus, _say)
        except EncoderUnavailable as exc:
            print(f"flamewatch train: {exc}", file=sys.stderr)
            return 2
    model, head, folds = train(corpus, fit_config, _say, vectors)
    out = args.out or default_model_path()
    model.save(out)
    _say(f"wrote {out} ({out.stat().st_size:,} bytes) in {time.perf_counter() - t0:.1f}s")
    if head is not None:
        from streams.encoder.scorer import default_head_path

        head_out = args.encoder_out or default_head_path()
        head.save(head_out)
        _say(f"wrote {head_out} ({head_out.stat().st_size:,} bytes)")
    if args.report or args.report_json:
        reports = leave_one_split_out(corpus, config, folds)
        print(format_reports(reports, load_first_look(roots[0])))
        if args.report_json:
            args.report_json.write_text(
                json.dumps({r.split: r.summary() for r in reports}, indent=2) + "\n"
            )
    return 0
