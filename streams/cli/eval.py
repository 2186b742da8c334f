"""`flamewatch eval`: precision/recall/F1 for personal attacks, expected vs actual alerts."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from streams.cli.detect_settings import load_detect_config
from streams.detect import DetectConfig
from streams.evaluation.pairs import evaluate_pairs, load_pairs, metrics
from streams.evaluation.threads import evaluate_thread, load_thread

DATA = Path(__file__).resolve().parent.parent / "evaluation" / "data"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate the detector on labelled pairs and threads",
        description="Prints precision, recall and F1 for personal attacks on labelled reply "
        "pairs, and expected vs. actual alerts for each labelled thread.",
    )
    p.add_argument("--data", type=Path, default=DATA, help="folder with pairs and threads/")
    p.add_argument(
        "--holdout", action="store_true", help="also score pairs_holdout.jsonl separately"
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="also evaluate the blind sets (data/blind*/), written without seeing the detector",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="list every misclassified pair")
    p.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_detect_config()
    folders = [args.data]
    if args.all:
        folders += sorted(p for p in args.data.glob("blind*") if p.is_dir())
    report: dict[str, object] = {}
    for folder in folders:
        if len(folders) > 1:
            print(f"######## {folder.name}")
        code = _run_folder(args, config, folder, report if folder == args.data else {})
        if code:
            return code
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def _run_folder(
    args: argparse.Namespace, config: DetectConfig, data: Path, report: dict[str, object]
) -> int:
    files = [("pairs", data / "pairs.jsonl")]
    if args.holdout and (data / "pairs_holdout.jsonl").exists():
        files.append(("holdout", data / "pairs_holdout.jsonl"))
    for label, path in files:
        if not path.exists():
            print(f"flamewatch eval: {path} not found", file=sys.stderr)
            return 2
        results = evaluate_pairs(load_pairs(path), config)
        m = metrics((r.expected, r.predicted) for r in results)
        print(f"== {label}: {path.name} ({len(results)} pairs)")
        print(
            f"personal attack: precision {m.precision:.3f}  recall {m.recall:.3f}  "
            f"F1 {m.f1:.3f}   (tp {m.tp}, fp {m.fp}, fn {m.fn}, tn {m.tn})"
        )
        by_cat: dict[str, list[bool]] = defaultdict(list)
        for r in results:
            by_cat[r.pair.category].append(r.expected == r.predicted)
        for cat in sorted(by_cat):
            ok = by_cat[cat]
            print(f"  {cat:28s} {sum(ok):3d}/{len(ok):<3d} correct")
        wrong = [r for r in results if r.expected != r.predicted]
        if args.verbose:
            for r in wrong:
                kind = "missed" if r.expected else "false alarm"
                print(
                    f"  {kind:11s} {r.pair.id} [{r.pair.category}] attack={r.attack:.2f} "
                    f"{r.pair.reply_text[:110]!r} {list(r.reasons[:2])}"
                )
        report[label] = {
            "precision": m.precision,
            "recall": m.recall,
            "f1": m.f1,
            "tp": m.tp,
            "fp": m.fp,
            "fn": m.fn,
            "tn": m.tn,
            "errors": [r.pair.id for r in wrong],
        }
    threads_dir = data / "threads"
    thread_reports = {}
    all_truth: list[tuple[bool, bool]] = []
    for path in sorted(threads_dir.glob("*.jsonl")):
        res = evaluate_thread(load_thread(path), config)
        all_truth.extend(res.comment_truth)
        status = "PASS" if res.passed else "FAIL"
        print(
            f"== thread {res.case.name}: {status} ({len(res.case.events)} events, "
            f"{len(res.alerts)} alerts)"
        )
        if res.case.expect_no_alerts:
            print("  expected: no alerts")
        for exp, got in res.matched:
            want = f"{exp.severity} {exp.offender or '?'} -> {exp.target or '?'} by {exp.by_comment_id}"
            have = (
                f"{got.severity} {got.offender_author_id} -> {got.target_author_id} "
                f"at {got.trigger_comment_id}"
                if got
                else "MISSING"
            )
            print(f"  expected {want:50s} actual {have}")
        for alert in res.extra:
            print(
                f"  {'unexpected' if res.case.expect_no_alerts else 'also'} "
                f"{alert.severity} {alert.offender_author_id} -> {alert.target_author_id} at "
                f"{alert.trigger_comment_id}: {alert.reasons[0] if alert.reasons else ''}"
            )
        thread_reports[res.case.name] = {
            "passed": res.passed,
            "alerts": [
                [a.severity, a.offender_author_id, a.target_author_id, a.trigger_comment_id]
                for a in res.alerts
            ],
            "missing": [e.severity for e, a in res.matched if a is None],
        }
    if all_truth:
        m = metrics(all_truth)
        print(
            f"== per-comment attacks in threads: precision {m.precision:.3f}  "
            f"recall {m.recall:.3f}  F1 {m.f1:.3f}  (tp {m.tp}, fp {m.fp}, fn {m.fn})"
        )
    report["threads"] = thread_reports
    return 0
