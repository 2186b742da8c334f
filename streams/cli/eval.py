"""`flamewatch eval`: per split, precision/recall/F1 for personal attacks (first look vs now),
civil second-person replies flagged, categories, tiers, and expected vs actual thread alerts."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from streams.cli.detect_settings import load_detection
from streams.detect import DetectConfig
from streams.detect.tiers import TieredScorer, make_scorer
from streams.encoder.embed import EncoderUnavailable
from streams.evaluation.report import (
    SplitReport,
    format_forecast,
    format_reports,
    format_thread_comments,
    measure_split,
)
from streams.evaluation.splits import discover, load_first_look
from streams.evaluation.threads import ThreadResult

DATA = Path(__file__).resolve().parent.parent / "evaluation" / "data"
TIERS = ("rules", "rules+fast", "rules+fast+encoder")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate the detector on labelled pairs and threads, split by split",
        description="For every split of labelled data (or those named with --split): "
        "precision, recall and F1 for personal attacks on reply pairs, the share of civil "
        "second-person replies flagged, correct answers per category, which tier decided the "
        "hits, and expected vs. actual alerts per labelled thread. The scorer is the one "
        "FLAMEWATCH_SCORER selects; --tiers compares the tiers side by side.",
    )
    p.add_argument("--data", type=Path, default=DATA, help="data folder (default: the bundled)")
    p.add_argument(
        "--split", action="append", default=[], metavar="NAME", help="only this split (repeat)"
    )
    p.add_argument(
        "--exclude", action="append", default=[], metavar="NAME", help="leave this split out"
    )
    p.add_argument("--tiers", action="store_true", help=f"compare {', '.join(TIERS)}")
    p.add_argument("-v", "--verbose", action="store_true", help="list every misclassified pair")
    p.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config, scorer = load_detection()
    if not args.data.is_dir():
        print(f"flamewatch eval: {args.data} is not a folder", file=sys.stderr)
        return 2
    splits = [
        s
        for s in discover(args.data)
        if (not args.split or s.name in args.split) and s.name not in args.exclude
    ]
    unknown = set(args.split) - {s.name for s in splits}
    if unknown:
        print(f"flamewatch eval: no split named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    first_look = load_first_look(args.data)
    scorers: dict[str, TieredScorer] = {scorer.name: scorer}
    if args.tiers:
        scorers = {}
        for t in TIERS:
            try:
                scorers[t] = scorer if t == scorer.name else make_scorer(t, inline_encoder=True)
            except EncoderUnavailable as exc:
                print(f"flamewatch eval: {t} skipped: {exc}", file=sys.stderr)
    report: dict[str, object] = {}
    for name, sc in scorers.items():
        reports = []
        for split in splits:
            rep = measure_split(split, config, sc)
            reports.append(rep)
            if name == scorer.name:
                _print_split(rep, config, args.verbose, first_look.get(split.name))
        print(f"\n== summary, scorer {name}")
        print(format_reports(reports, first_look))
        print("early warning (heated before the pair's first attack):")
        print(format_forecast(reports))
        print("comments of the labelled threads:")
        print(format_thread_comments(reports))
        _print_categories(reports)
        report[name] = {r.split: r.summary() for r in reports}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _print_split(
    rep: SplitReport, config: DetectConfig, verbose: bool, first: dict[str, float] | None
) -> None:
    print(f"######## {rep.split}")
    if rep.pairs:
        tp = sum(1 for r in rep.pair_results if r.expected and r.predicted)
        fp = sum(1 for r in rep.pair_results if r.predicted and not r.expected)
        fn = sum(1 for r in rep.pair_results if r.expected and not r.predicted)
        print(f"== pairs ({rep.pairs})")
        print(
            f"personal attack: precision {rep.precision:.3f}  recall {rep.recall:.3f}  "
            f"F1 {rep.f1:.3f}   (tp {tp}, fp {fp}, fn {fn})"
            + (f"   first look F1 {first['f1']:.3f}" if first and "f1" in first else "")
        )
        if rep.civil_you_flagged is not None:
            print(f"civil second-person replies flagged: {rep.civil_you_flagged:.1%}")
        if verbose:
            for r in rep.pair_results:
                if r.expected == r.predicted:
                    continue
                kind = "missed" if r.expected else "false alarm"
                print(
                    f"  {kind:11s} {r.pair.id} [{r.pair.category}] attack={r.attack:.2f} "
                    f"{r.tier} {r.pair.reply_text[:110]!r} {list(r.reasons[:2])}"
                )
    for res in rep.thread_results:
        _print_thread(res)
    del config


def _print_thread(res: ThreadResult) -> None:
    status = "PASS" if res.passed else "FAIL"
    print(
        f"== thread {res.case.name}: {status} ({len(res.case.events)} events, "
        f"{len(res.alerts)} alerts)"
    )
    if res.case.expect_no_alerts:
        print("  expected: no alerts")
    if res.forecast is not None:
        for ep in res.forecast.episodes:
            lead = (f"warned at {ep.warned_at}, {ep.lead_comments} comments / "
                    f"{ep.lead_minutes:.0f} min ahead" if ep.warned_at else "not warned")
            print(f"  episode {' / '.join(sorted(ep.pair))}: first attack {ep.first_attack}, {lead}")
    for exp, got in res.matched:
        want = f"{exp.severity} {exp.offender or '?'} -> {exp.target or '?'} by {exp.by_comment_id}"
        have = (
            f"{got.severity} {got.offender_author_id} -> {got.target_author_id} "
            f"at {got.trigger_comment_id} ({got.tier})"
            if got
            else ("MISSING" if not exp.optional else "missing (optional)")
        )
        print(f"  expected {want:50s} actual {have}")
    for alert in res.extra:
        print(
            f"  {'unexpected' if res.case.expect_no_alerts else 'also'} "
            f"{alert.severity} {alert.offender_author_id} -> {alert.target_author_id} at "
            f"{alert.trigger_comment_id}: {alert.reasons[0] if alert.reasons else ''}"
        )


def _print_categories(reports: list[SplitReport]) -> None:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in reports:
        for cat, (ok, n) in r.by_category.items():
            totals[cat][0] += ok
            totals[cat][1] += n
    if not totals:
        return
    print("correct per category (all splits shown):")
    for cat in sorted(totals):
        ok, n = totals[cat]
        print(f"  {cat:28s} {ok:4d}/{n:<4d} {ok / n:6.1%}")
