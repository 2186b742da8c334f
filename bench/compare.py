"""Core throughput of this checkout against an older commit, measured side by side.

    python -m bench.compare [REF] [--rounds N] [--comments N] [--threads N] [--repeat N]

REF (default: main) is exported with `git archive` into a temporary folder; then old and new
code are measured in alternating subprocesses (bench/core_probe.py, the same measurement for
both), so that a noisy shared machine slows both alike. Rates are comments per CPU second of
the measuring process (best round), with the ratio new/old of each round; the alert and state
digests say whether any alert or thread state moved.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "bench" / "core_probe.py"
RUNS = ("synthetic/rules", "synthetic/rules+fast", "labelled/rules", "labelled/rules+fast")


def snapshot(ref: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True,
                          check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def probe(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(PROBE), str(tree), str(args.comments), str(args.threads),
           str(args.repeat)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def rate(r: dict[str, Any], run: str) -> float:
    return r[run]["comments"] / r[run]["cpu_s"]


def fast_us(r: dict[str, Any], corpus: str) -> float:
    """What the fast tier adds to `step`, in CPU microseconds per comment."""
    fast, rules = r[f"{corpus}/rules+fast"], r[f"{corpus}/rules"]
    return (fast["cpu_s"] - rules["cpu_s"]) / fast["comments"] * 1e6


def report(ref: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    print(f"core step, comments per CPU second (best of {len(old)} alternating rounds)")
    print(f"  {'':24}{ref:>12}{'this tree':>12}{'ratio':>8}   round ratios   alerts")
    for run in RUNS:
        o, n = max(rate(r, run) for r in old), max(rate(r, run) for r in new)
        ratios = [rate(b, run) / rate(a, run) for a, b in zip(old, new, strict=True)]
        same = {r[run]["digest"] for r in old} == {r[run]["digest"] for r in new}
        alerts = new[0][run]["alerts"]
        print(f"  {run:24}{o:>12,.0f}{n:>12,.0f}{n / o:>7.2f}x   "
              f"{' '.join(f'{x:.2f}' for x in ratios):14} {alerts} "
              f"{'identical' if same else 'DIFFERENT'}")
        if not same:  # which side moved: each round's digest, old then new
            print(f"    digests {ref}: {' '.join(r[run]['digest'][:8] for r in old)}; "
                  f"this tree: {' '.join(r[run]['digest'][:8] for r in new)}")
    for corpus in ("synthetic", "labelled"):
        o = statistics.median(fast_us(r, corpus) for r in old)
        n = statistics.median(fast_us(r, corpus) for r in new)
        po = statistics.median(r[f"{corpus}/predict_us"] for r in old)
        pn = statistics.median(r[f"{corpus}/predict_us"] for r in new)
        print(f"  fast tier, {corpus:10} {o:>8.1f} -> {n:.1f} us/comment in step "
              f"(model alone {po:.1f} -> {pn:.1f} us)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref", nargs="?", default="main")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--comments", type=int, default=20_000)
    ap.add_argument("--threads", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=2, help="passes over the labelled data")
    ap.add_argument("--native", action="store_true",
                    help="measure HEAD compiled with mypyc (bench/native.py), not this tree")
    args = ap.parse_args(argv)
    old: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="flamewatch-base-") as tmp:
        base = snapshot(args.ref, Path(tmp) / "base")
        this = ROOT
        if args.native:
            from bench.native import build

            this = snapshot("HEAD", Path(tmp) / "native")
            build(this)
        for i in range(args.rounds):
            for tree, into in ((base, old), (this, new)) if i % 2 == 0 else ((this, new), (base, old)):
                into.append(probe(tree, args))
                print(f"  round {i + 1}: {into[-1]['package']}", file=sys.stderr)
    report(args.ref + (" (HEAD compiled)" if args.native else ""), old, new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
