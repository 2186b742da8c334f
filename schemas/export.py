"""Export the JSON Schema of every wire model to schemas/json/ (python -m schemas.export)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from schemas.alert import Alert
from schemas.comment import CommentEvent
from schemas.deadletter import DeadLetter
from schemas.feedback import Feedback
from schemas.opinion import ScoreRequest, SecondOpinion

MODELS: dict[str, type[BaseModel]] = {
    "comment_event.v1.schema.json": CommentEvent,
    "alert.v1.schema.json": Alert,
    "dead_letter.v1.schema.json": DeadLetter,
    "score_request.v1.schema.json": ScoreRequest,
    "second_opinion.v1.schema.json": SecondOpinion,
    "feedback.v1.schema.json": Feedback,
}
OUT_DIR = Path(__file__).parent / "json"


def render(model: type[BaseModel]) -> str:
    return (
        json.dumps(model.model_json_schema(mode="serialization"), indent=2, sort_keys=True) + "\n"
    )


def main() -> int:
    OUT_DIR.mkdir(exist_ok=True)
    for name, model in MODELS.items():
        (OUT_DIR / name).write_text(render(model))
        print(f"wrote {OUT_DIR / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
