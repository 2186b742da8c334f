"""Moderator decisions as training examples.

A confirmed alert makes its trigger reply an `attack` example, a dismissed one a `none`
example (the console exports them as labelled pairs). Decisions weigh more than written data:
they are real comments from the community the model serves.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from streams.detect import DetectConfig
from streams.evaluation.pairs import Pair
from streams.training.corpus import Example, pair_examples

FEEDBACK_WEIGHT = 2.0


def _pairs_from(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    from streams.console.feedback_export import load_feedback_pairs

    return load_feedback_pairs(path)


def feedback_examples(path: Path, config: DetectConfig) -> list[Example]:
    if not path.exists():
        raise ValueError(f"{path} not found")
    pairs = []
    for n, obj in enumerate(_pairs_from(path), 1):
        try:
            pairs.append(
                Pair(
                    id=str(obj["id"]),
                    parent_author=obj.get("parent_author") or "someone",
                    parent_text=obj.get("parent_text") or "",
                    reply_author=obj["reply_author"],
                    reply_text=obj["reply_text"],
                    label=obj["label"],
                    category=obj.get("category", "feedback"),
                    register=obj.get("register"),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{path}: decision {n} lacks {exc}") from None
    return [
        dataclasses.replace(e, weight=FEEDBACK_WEIGHT)
        for e in pair_examples("feedback", pairs, config)
    ]
