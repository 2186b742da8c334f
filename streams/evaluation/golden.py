"""Golden rule outcomes: what the rule scorer says about every labelled comment, so that any
change to the rules shows up as a readable diff, flip by flip.

    python -m streams.evaluation.golden            # compare, print the differences
    python -m streams.evaluation.golden --write    # regenerate (deliberately!)

Covered: the reply and parent of every pair in pairs.jsonl, pairs_holdout.jsonl, blind/ and
blind2/, and every scored comment of the threads in threads/, blind/threads/ and
blind2/threads/. Other folders under data/ are new data and are not part of the record.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector, RuleScorer, Score, ScoreInput
from streams.evaluation.pairs import load_pairs, pair_events
from streams.evaluation.threads import load_thread

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "rule_outcomes.jsonl"
PAIR_FILES = ("pairs.jsonl", "pairs_holdout.jsonl", "blind/pairs.jsonl", "blind2/pairs.jsonl")
THREAD_DIRS = ("threads", "blind/threads", "blind2/threads")
FIELDS = ("attack", "hostility", "target", "named", "outsider", "peer_heat", "reasons")


class _Recorder:
    """A Scorer that remembers what the rule scorer said about each comment it was asked."""

    def __init__(self) -> None:
        self.rules = RuleScorer()
        self.key = ""
        self.seen: list[tuple[str, str, Score]] = []

    def score_batch(self, items: Sequence[ScoreInput]) -> list[Score]:
        scores = self.rules.score_batch(items)
        for item, score in zip(items, scores, strict=True):
            self.seen.append((self.key, item.text, score))
        return scores


def _reason_text(reason: object) -> str:
    describe = getattr(reason, "describe", None)
    return describe() if callable(describe) else str(reason)


def outcome(score: Score) -> dict[str, object]:
    return {
        "attack": round(score.attack, 3),
        "hostility": round(score.hostility, 3),
        "target": score.target,
        "named": score.named_target,
        "outsider": score.outsider,
        "peer_heat": round(score.peer_heat, 3),
        "reasons": [_reason_text(r) for r in score.reasons],
    }


def _run(rec: _Recorder, prefix: str, events: list[CommentEvent]) -> None:
    detector = Detector(DetectConfig(), scorer=rec)
    for i, event in enumerate(events):
        rec.key = f"{prefix}:{event.comment_id}:{i}"
        detector.process(event)


def _recorded() -> Iterator[tuple[str, str, Score]]:
    rec = _Recorder()
    for name in PAIR_FILES:
        path = DATA / name
        if not path.exists():
            continue
        for pair in load_pairs(path):
            _run(rec, f"{name}:{pair.id}", pair_events(pair))
    for folder in THREAD_DIRS:
        for path in sorted((DATA / folder).glob("*.jsonl")):
            _run(rec, f"{folder}/{path.name}", load_thread(path).events)
    yield from rec.seen


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    text: str
    outcome: dict[str, object]

    def line(self) -> str:
        return json.dumps({"id": self.id, **self.outcome, "text": self.text}, ensure_ascii=False)


def current() -> dict[str, Entry]:
    return {key: Entry(key, text[:160], outcome(score)) for key, text, score in _recorded()}


def load(path: Path = GOLDEN) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            out[obj["id"]] = Entry(obj["id"], obj["text"], {f: obj[f] for f in FIELDS})
    return out


def write(path: Path = GOLDEN) -> int:
    entries = current()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(e.line() + "\n" for e in entries.values()), encoding="utf-8")
    return len(entries)


def diff(golden: dict[str, Entry], now: dict[str, Entry]) -> tuple[list[str], list[str]]:
    """(differences, notes): a changed or vanished outcome is a difference; a comment the
    record does not know yet (new data in a covered file) is only a note."""
    out: list[str] = []
    for key, old in golden.items():
        new = now.get(key)
        if new is None:
            out.append(f"- {key}: no longer scored  {old.text!r}")
            continue
        changed = [f for f in FIELDS if old.outcome[f] != new.outcome[f]]
        if not changed:
            continue
        lines = [f"~ {key}  {new.text[:100]!r}"]
        for f in changed:
            if f == "reasons":
                was, now_r = old.outcome[f], new.outcome[f]
                assert isinstance(was, list) and isinstance(now_r, list)
                lines += [f"    reason - {r}" for r in was if r not in now_r]
                lines += [f"    reason + {r}" for r in now_r if r not in was]
                if set(was) == set(now_r):
                    lines.append(f"    reasons reordered: {now_r}")
            else:
                lines.append(f"    {f}: {old.outcome[f]!r} -> {new.outcome[f]!r}")
        out.append("\n".join(lines))
    notes = [f"+ {key}: not in the record yet" for key in now if key not in golden]
    return out, notes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m streams.evaluation.golden", description=__doc__)
    p.add_argument("--write", action="store_true", help="regenerate the golden file")
    args = p.parse_args(argv)
    if args.write:
        n = write()
        print(f"wrote {n} outcomes to {GOLDEN}")
        return 0
    differences, notes = diff(load(), current())
    for d in differences + notes:
        print(d)
    print(f"{len(differences)} differences, {len(notes)} new comments")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
