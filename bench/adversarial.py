"""Adversarial texts against the public scorer: the worst scoring times per comment.

    python -m bench.adversarial [--max-chars N] [--stop-after SECONDS]
    flamewatch bench --only adversarial

Families of crafted texts (long run-on sentences full of insults and second-person phrases,
one giant word, unbalanced and nested quotes, header lines, mentions, negations, ...) at
growing lengths up to 50,000 characters (the longest valid comment), each scored alone with
`streams.detect.RuleScorer().score_batch` (wall and CPU time) and through `step` on a thread
with 32 named participants (what the worker pays). A family stops growing once one of its
texts takes longer than `stop_after` seconds, so a quadratic scorer cannot make the run take
hours. The target of the issue is at most 50 ms per comment of up to 50,000 characters; CPU
time is the figure to read on a shared machine (wall time includes waiting for a core).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from schemas import MAX_TEXT_CHARS
from schemas.comment import CommentEvent

TARGET_SECONDS = 0.050
SIZES = (1_000, 5_000, 20_000, MAX_TEXT_CHARS)


def _fill(unit: str, size: int) -> str:
    return (unit * (size // max(1, len(unit)) + 1))[:size]


FAMILIES: dict[str, Callable[[int], str]] = {
    "run-on insults": lambda n: _fill("you idiot you moron you clown ", n),
    "dotted words, then a signature": lambda n: _fill("a.", n - 40)
    + " x (talk) 1:11, 3 May 2021 (UTC)",
    "signatures only": lambda n: _fill("Ann B (talk) 1:11, 3 May 2021 (UTC) ", n),
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

_WORDS = (
    "you idiot moron stupid thick not never saying calling you're he's she's your the a of "
    "grow up shut crayons troll ignore him her like if it bit know wouldn't ok grandad bless "
    "fucking bloody absolute complete utter such so very is are was were called me i my "
    "government minister council they them dave sam keith lol 🙄 !! ?! ... – — ; :"
).split()


def _random_words(n: int, sentences: bool = False) -> str:
    rnd = random.Random(7)
    if sentences:
        return ". ".join(
            " ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(3, 30))) for _ in range(n // 60 + 1)
        )[:n]
    return " ".join(rnd.choice(_WORDS) for _ in range(n // 5 + 1))[:n]


FAMILIES.update(
    {
        "insult nouns back to back": lambda n: _fill("idiot moron cretin halfwit ", n),
        "insult adjectives back to back": lambda n: _fill("stupid thick dense clueless ", n),
        "modifiers then an insult": lambda n: _fill("really so very truly utterly ", n - 6) + " idiot",
        "imperatives, one sentence": lambda n: _fill("grow up and shut up and ", n),
        "third person, one sentence": lambda n: _fill("he's a troll ignore him ", n),
        "condescension, one sentence": lambda n: _fill("crayons and small words ", n),
        "sarcasm, one sentence": lambda n: _fill("oh please nice try if you say so ", n),
        "frames: if it": lambda n: _fill("you wouldn't know a fact ", n - 10) + " if it bit",
        "random lexicon words": _random_words,
        "random lexicon words, sentences": lambda n: _random_words(n, sentences=True),
        "civil sentences, one insult": lambda n: _fill("Fair point. ", n - 6) + " idiot",
        "capitals": lambda n: _fill("YOU ARE AN IDIOT ", n),
        "curly quotes, unclosed": lambda n: _fill("“", n),
        "straight quotes, unclosed": lambda n: _fill('"', n),
        "apostrophes": lambda n: _fill("'", n),
        "quoted insults": lambda n: _fill("“you idiot” ", n),
        "dated headers": lambda n: _fill("Dave C 03/01/2020 at 4:00 pm\nyou idiot\n", n),
        "on ... wrote headers": lambda n: _fill("On 3 March 2020 at 16:00, Sam H wrote:\nidiot\n", n),
        "whitespace lines with a digit": lambda n: _fill("\t" * 88 + "1\n", n),
        "blockquotes, unclosed": lambda n: _fill("<blockquote>", n),
        "blockquotes, closed": lambda n: _fill("<blockquote>you idiot</blockquote>", n),
        "tags, unclosed": lambda n: _fill("<", n),
        "tags": lambda n: _fill("<p>idiot</p><br/>", n),
        "entities": lambda n: _fill("&amp;&#8217;&nbsp;&", n),
        "names with idiots": lambda n: _fill("Dave is an idiot, Sam is a moron. ", n),
        "exclamations": lambda n: _fill("!", n),
        "dashes": lambda n: _fill(" – ", n),
        "ok then spaces": lambda n: "ok" + _fill(" ", n - 3) + "x",
        "huge hyphenated word": lambda n: _fill("idiot-", n),
        "huge suffix word": lambda n: _fill("bag", n),
        "plurals": lambda n: "idiot" + _fill("s", n - 5),
        "dotted capital I (lower() grows)": lambda n: _fill("İ", n),
        "zero-width joiners": lambda n: _fill("idiot\u200d", n),
        "combining marks": lambda n: _fill("a\u0301\u0302\u0303 ", n),
        "fullwidth letters": lambda n: _fill("ｙｏｕ ｉｄｉｏｔ ", n),
        "right-to-left": lambda n: _fill("\u202eyou idiot\u202c ", n),
        "mixed scripts": lambda n: _fill("ты идиот 你是白痴 you idiot ", n),
    }
)
NAMES = [
    f"{first} {last}"
    for first in ("Dave", "Sam", "Keith", "Rita", "Kim", "Bob", "Alice", "Heenan73")
    for last in ("C", "H", "P", "T")
]
PARTICIPANTS = {n.lower().replace(" ", ""): f"u-{i}" for i, n in enumerate(NAMES)} | {
    n.split()[0].lower(): f"u-{i}" for i, n in enumerate(NAMES)
} | {"alex": "u-alex"}
_T0 = datetime(2021, 6, 1, tzinfo=UTC)


def crafted(n: int = MAX_TEXT_CHARS) -> list[tuple[str, str]]:
    """(family, text of n characters) for every family."""
    return [(family, make(n)[:n]) for family, make in FAMILIES.items()]


def step_fn(text: str, config: Any = None) -> Callable[[], object]:
    """`step` on a thread with 32 named participants, for one crafted comment (rules + the
    fast tier: what the worker runs)."""
    from streams.detect import DetectConfig, step
    from streams.detect.state import ThreadState

    config = config or DetectConfig()
    state = ThreadState("t-adv")
    parent = CommentEvent(comment_id="c0", thread_id="t-adv", author_id="u-0",
                          author_name=NAMES[0], text="I disagree.", created_at=_T0)
    state, _ = step(state, parent, config)
    for i, name in enumerate(NAMES[1:], 1):
        event = CommentEvent(comment_id=f"n{i}", thread_id="t-adv", parent_id="c0",
                             author_id=f"u-{i}", author_name=name, text="ok", created_at=_T0)
        state, _ = step(state, event, config)
    event = CommentEvent(comment_id="c1", thread_id="t-adv", parent_id="c0", author_id="u-9",
                         author_name=NAMES[9], text=text, created_at=_T0)
    return lambda: step(state, event, config)


def texts(max_chars: int = MAX_TEXT_CHARS) -> Iterator[tuple[str, int, str]]:
    for family, make in FAMILIES.items():
        for size in SIZES:
            if size <= max_chars:
                yield family, size, make(size)


def measure(
    *, max_chars: int = MAX_TEXT_CHARS, stop_after: float = 2.0,
    on_result: Callable[[dict[str, Any]], None] | None = None, steps: bool = True,
) -> dict[str, Any]:
    """Score every text (growing per family); return the results, worst first. Each row has
    wall `seconds` and `cpu_seconds` for the scorer and, with `steps`, `step_cpu_seconds`."""
    from streams.detect import RuleScorer, ScoreInput

    scorer = RuleScorer()
    rows: list[dict[str, Any]] = []
    stopped: set[str] = set()
    for family, size, text in texts(max_chars):
        if family in stopped:
            rows.append({"family": family, "chars": size, "seconds": None,
                         "note": "skipped: a shorter text of this family was over the limit"})
            continue
        began, cpu = time.perf_counter(), time.process_time()
        scorer.score_batch([ScoreInput(text, PARTICIPANTS)])
        took = time.perf_counter() - began
        row: dict[str, Any] = {"family": family, "chars": size, "seconds": took,
                               "cpu_seconds": time.process_time() - cpu}
        if steps and took <= stop_after:
            run = step_fn(text)
            cpu = time.process_time()
            run()
            row["step_cpu_seconds"] = time.process_time() - cpu
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
        "over_target_cpu": sum(
            1 for r in timed if max(r["cpu_seconds"], r.get("step_cpu_seconds", 0.0)) > TARGET_SECONDS
        ),
        "skipped": len(rows) - len(timed),
        "worst": timed[:10],
        "rows": rows,
    }


def render(result: dict[str, Any]) -> str:
    lines = [f"adversarial texts: {result['texts']} texts, {result['over_target']} over "
             f"{result['target_seconds'] * 1000:.0f} ms wall "
             f"({result.get('over_target_cpu', '?')} over it in CPU time), {result['skipped']} "
             "skipped (family already over the stop limit)"]
    lines.append("       wall      cpu  step cpu   chars  family")
    for row in result["worst"]:
        step = row.get("step_cpu_seconds")
        lines.append(f"  {row['seconds'] * 1000:6.1f} ms {row.get('cpu_seconds', 0) * 1000:5.1f} ms "
                     f"{(step or 0) * 1000:6.1f} ms  {row['chars']:>6,}  {row['family']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.adversarial")
    parser.add_argument("--max-chars", type=int, default=MAX_TEXT_CHARS)
    parser.add_argument("--stop-after", type=float, default=2.0, metavar="SECONDS")
    args = parser.parse_args(argv)

    def show(row: dict[str, Any]) -> None:
        print(f"{row['seconds'] * 1000:9.1f} ms wall {row['cpu_seconds'] * 1000:7.1f} ms cpu  "
              f"{row['chars']:>6,}  {row['family']}", file=sys.stderr, flush=True)

    result = measure(max_chars=args.max_chars, stop_after=args.stop_after, on_result=show)
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
