"""Where labelled data lives: splits, each a folder with `pairs.jsonl` and/or `threads/`.

The top-level data folder holds two splits, `tuning` (pairs.jsonl + threads/) and `holdout`
(pairs_holdout.jsonl); each sub-folder (blind/, blind2/, ...) is a split of its own.
`first_look.json` records each split's numbers from the first time a model that had never
seen it measured it, before anyone studied its errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FIRST_LOOK = "first_look.json"


@dataclass(frozen=True, slots=True)
class Split:
    name: str
    pair_files: tuple[Path, ...]
    thread_files: tuple[Path, ...]

    def files(self) -> list[Path]:
        out = list(self.pair_files)
        for t in self.thread_files:
            out.append(t)
            exp = t.with_name(t.name.removesuffix(".jsonl") + ".expected.json")
            if exp.exists():
                out.append(exp)
        return out


def discover(root: Path) -> list[Split]:
    """The splits under a data folder, in a fixed order."""
    splits: list[Split] = []
    if (root / "pairs.jsonl").exists() or (root / "threads").is_dir():
        pairs = (root / "pairs.jsonl",) if (root / "pairs.jsonl").exists() else ()
        threads = tuple(sorted((root / "threads").glob("*.jsonl")))
        splits.append(Split("tuning" if pairs else root.name, pairs, threads))
    if (root / "pairs_holdout.jsonl").exists():
        splits.append(Split("holdout", (root / "pairs_holdout.jsonl",), ()))
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "threads"):
        pairs = (sub / "pairs.jsonl",) if (sub / "pairs.jsonl").exists() else ()
        threads = tuple(sorted((sub / "threads").glob("*.jsonl"))) if (sub / "threads").is_dir() else ()
        if pairs or threads:
            splits.append(Split(sub.name, pairs, threads))
    return splits


def data_digest(splits: Iterable[Split], root: Path) -> str:
    """sha256 over the files' relative paths and bytes: a model records what it was made of."""
    h = hashlib.sha256()
    for split in splits:
        for f in split.files():
            h.update(str(f.relative_to(root)).encode() + b"\0")
            h.update(f.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def corpus_digest(splits: Iterable[tuple[Path, Split]]) -> str:
    """One digest for splits from one or more data folders (what a model file records)."""
    parts = [data_digest([s], root) for root, s in splits]
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def load_first_look(root: Path) -> dict[str, dict[str, float]]:
    path = root / FIRST_LOOK
    if not path.exists():
        return {}
    data: dict[str, dict[str, float]] = json.loads(path.read_text(encoding="utf-8"))
    return data
