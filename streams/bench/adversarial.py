"""Adversarial texts against the public scorer: the worst scoring times per comment.

    python -m streams.bench.adversarial [--max-chars N] [--stop-after SECONDS]
    flamewatch bench --only adversarial

Families of crafted texts (long run-on sentences full of insults and second-person phrases,
one giant word, unbalanced and nested quotes, header lines, mentions, negations, ...) at
growing lengths up to 50,000 characters (the longest valid comment), each scored alone with
`streams.detect.RuleScorer().score_batch`. A family stops growing once one of its texts takes
longer than `stop_after` seconds, so a quadratic scorer cannot make the run take hours. The
target of the issue is at most 50 ms per comment of up to 50,000 characters.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from schemas import MAX_TEXT_CHARS

TARGET_SECONDS = 0.050
SIZES = (1_000, 5_000, 20_000, MAX_TEXT_CHARS)


def _fill(unit: str, size: int) -> str:
    return (unit * (size // max(1, len(unit)) + 1))[:size]


FAMILIES: dict[str, Callable[[int], str]] = {
    "run-on insults": lambda n: _fill("you idiot you moron you clown ", n),
    "you're a ... no full stop": lambda n: _fill("you're a pathetic ignorant fool and ", n),
    "insults, one sentence, names": lambda n: _fill("Dave you absolute muppet, Sam ", n),
    "negated insults": lambda n: _fill("I'm not saying you're an idiot but ", n),
    "questions": lambda n: _fill("are you thick or just stupid? ", n),
    "demeaning frames": lambda n: _fill("the brains of a houseplant, says the man who ", n),
    "sentences": lambda n: _fill("You are an idiot. ", n),
    "one giant word": lambda n: "x" * n,
    "no spaces, punctuation": lambda n: _fill("idiot,moron;clown.", n),
    "unbalanced quotes": lambda n: _fill('"you idiot \'moron “clown ', n),
    "nested quotes": lambda n: _fill('"\'“you idiot”\'" ', n),
    "quote lines": lambda n: _fill("> you idiot\n", n),
    "copied headers": lambda n: _fill("Sam wrote:\nyou idiot\n\n", n),
    "mentions": lambda n: _fill("@dave @sam @alex you idiot ", n),
    "emoji and insults": lambda n: _fill("\U0001f600 idiot \U0001f621 ", n),
    "whitespace": lambda n: _fill(" \t\n", n),
    "repeated letters": lambda n: _fill("iiiiiiiidiooooot ", n),
    "profanity": lambda n: _fill("fucking hell you shit ", n),
}


def texts(max_chars: int = MAX_TEXT_CHARS) -> Iterator[tuple[str, int, str]]:
    for family, make in FAMILIES.items():
        for size in SIZES:
            if size <= max_chars:
                yield family, size, make(size)


def measure(
    *, max_chars: int = MAX_TEXT_CHARS, stop_after: float = 2.0,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Score every text (growing per family); return the results, worst first."""
    from streams.detect import RuleScorer, ScoreInput

    scorer = RuleScorer()
    participants = {"dave": "u-dave", "sam": "u-sam", "alex": "u-alex"}
    rows: list[dict[str, Any]] = []
    stopped: set[str] = set()
    for family, size, text in texts(max_chars):
        if family in stopped:
            rows.append({"family": family, "chars": size, "seconds": None,
                         "note": "skipped: a shorter text of this family was over the limit"})
            continue
        began = time.perf_counter()
        scorer.score_batch([ScoreInput(text, participants)])
        took = time.perf_counter() - began
        row = {"family": family, "chars": size, "seconds": took}
        rows.append(row)
        if on_result is not None:
            on_result(row)
        if took > stop_after:
            stopped.add(family)
    timed = [r for r in rows if r["seconds"] is not None]
    timed.sort(key=lambda r: r["seconds"], reverse=True)
    return {
        "target_seconds": TARGET_SECONDS,
        "texts": len(rows),
        "over_target": sum(1 for r in timed if r["seconds"] > TARGET_SECONDS),
        "skipped": len(rows) - len(timed),
        "worst": timed[:10],
        "rows": rows,
    }


def render(result: dict[str, Any]) -> str:
    lines = [f"adversarial texts: {result['texts']} texts, {result['over_target']} over "
             f"{result['target_seconds'] * 1000:.0f} ms, {result['skipped']} skipped "
             "(family already over the stop limit)"]
    for row in result["worst"]:
        lines.append(f"  {row['seconds'] * 1000:9.1f} ms  {row['chars']:>6,} chars  "
                     f"{row['family']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streams.bench.adversarial")
    parser.add_argument("--max-chars", type=int, default=MAX_TEXT_CHARS)
    parser.add_argument("--stop-after", type=float, default=2.0, metavar="SECONDS")
    args = parser.parse_args(argv)

    def show(row: dict[str, Any]) -> None:
        print(f"{row['seconds'] * 1000:9.1f} ms  {row['chars']:>6,}  {row['family']}",
              file=sys.stderr, flush=True)

    result = measure(max_chars=args.max_chars, stop_after=args.stop_after, on_result=show)
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
