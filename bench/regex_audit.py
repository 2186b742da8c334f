"""Every regular expression of the detection core, run over crafted texts: none may take
more than linear time (no catastrophic backtracking, no quadratic restarts on long runs).

python -m bench.regex_audit [--chars N] [--top K]

Each pattern is run with `finditer` over the whole text (the most it is ever asked to do)
for texts made of a prefix ("you", "ok", "on", "<", ...) and a long run of one unit
(spaces, tabs, letters, hyphens, quotes, "you ", "not ", ...), plus a suffix.
tests/unit/test_scoring_cost.py runs a smaller matrix and bounds it.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import time
from collections.abc import Iterator, Sequence

import streams.detect
from streams.detect.delimited import Delimited
from streams.detect.rules import RULES

RUNS = (
    " ",
    "\t",
    "a",
    "-",
    "'",
    "\n",
    ".",
    ",",
    "!",
    "?",
    "<",
    ">",
    "“",
    '"',
    "&",
    "1",
    "_",
    "é",
    ":",
    ";",
    "*",
    "/",
    "#",
    "you ",
    "ok ",
    "the ",
    "not ",
    "of a ",
    "is ",
    "a-",
    "a ",
    " -",
    "\u2028",
    "\t1",
    "you're ",
)
PREFIXES = (
    "",
    "you",
    "ok",
    "the",
    "not",
    "he",
    "your",
    "on",
    "<br",
    "<blockquote",
    "&",
    "says the",
    "if",
    "never had",
    "idiot",
    "dave c",
    "you're",
    "1",
)
SUFFIXES = ("", "x", "!", "1", ":")


def patterns() -> list[tuple[str, re.Pattern[str]]]:
    """(where, pattern) for every compiled pattern of streams.detect: module attributes,
    tables of them (the frames), the rules' own and the delimited-span scanners'."""
    seen: dict[tuple[str, int], tuple[str, re.Pattern[str]]] = {}

    def add(where: str, value: object, depth: int = 0) -> None:
        if isinstance(value, re.Pattern):
            seen.setdefault((value.pattern, value.flags), (where, value))
        elif isinstance(value, list | tuple) and depth < 2:
            for i, item in enumerate(value):
                add(f"{where}[{i}]", item, depth + 1)
        elif isinstance(value, Delimited):
            for i, alt in enumerate(value.alts):
                for name in ("opener", "stops", "run"):
                    add(f"{where}.alts[{i}].{name}", getattr(alt, name))

    for info in pkgutil.walk_packages(streams.detect.__path__, "streams.detect."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            add(f"{info.name}.{name}", value)
    for rule in RULES:
        for name, value in vars(rule).items():
            add(f"{type(rule).__name__}.{name}", value)
    return sorted(seen.values(), key=lambda wp: wp[0])


def texts(
    length: int,
    prefixes: Sequence[str] = PREFIXES,
    runs: Sequence[str] = RUNS,
    suffixes: Sequence[str] = SUFFIXES,
) -> Iterator[tuple[str, str]]:
    for run in runs:
        body = (run * (length // len(run) + 1))[:length]
        for prefix in prefixes:
            for suffix in suffixes:
                for sep in ("", " "):
                    yield f"{prefix!r}+{sep!r}+{run!r}*+{suffix!r}", prefix + sep + body + suffix


def _cost(pattern: re.Pattern[str] | re.Pattern[bytes], text: str) -> float:
    data: str | bytes = text if isinstance(pattern.pattern, str) else text.encode()
    t = time.process_time()
    for _ in pattern.finditer(data):  # type: ignore[arg-type]
        pass
    return time.process_time() - t


def audit(length: int, **kw: Sequence[str]) -> list[tuple[float, str, str, str]]:
    """(worst seconds, where, text description, pattern) per pattern, worst first."""
    corpus = list(texts(length, **kw))
    out = []
    for where, pattern in patterns():
        worst, what = 0.0, ""
        for desc, text in corpus:
            cost = _cost(pattern, text)
            if cost > worst:
                worst, what = min(cost, _cost(pattern, text)), desc  # once more: noise
        out.append((worst, where, what, pattern.pattern))
    return sorted(out, reverse=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.regex_audit", description=__doc__)
    p.add_argument("--chars", type=int, default=5_000)
    p.add_argument("--top", type=int, default=10)
    args = p.parse_args(argv)
    rows = audit(args.chars)
    print(
        f"{len(rows)} patterns over {len(list(texts(args.chars)))} texts of ~{args.chars:,} chars"
    )
    for worst, where, what, pattern in rows[: args.top]:
        print(f"  {worst * 1e3:8.2f} ms  {where}  on {what}\n              {pattern[:90]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
