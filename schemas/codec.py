"""orjson codecs for the wire models. Decoding returns a value or an error value; it never raises."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from schemas.alert import Alert
from schemas.comment import CommentEvent
from schemas.deadletter import DeadLetter, DeadLetterReason
from schemas.opinion import ScoreRequest, SecondOpinion

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class DecodeError:
    """Why a message could not be turned into a CommentEvent."""

    reason: DeadLetterReason
    detail: str


def _classify(err: ValidationError) -> DecodeError:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    kind = first.get("type", "")
    detail = f"{loc}: {first.get('msg', '')}" if loc else str(first.get("msg", ""))
    if loc == "text" and kind == "string_too_long":
        return DecodeError("oversize_text", detail)
    if loc == "created_at":
        return DecodeError("bad_timestamp", detail)
    return DecodeError("schema_error", detail)


def _decode(raw: bytes | str, model_for: Callable[[dict[str, Any]], type[M]]) -> M | DecodeError:
    """Parse one JSON object and validate it with the model `model_for(obj)` names."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return DecodeError("invalid_json", str(exc))
    if not isinstance(obj, dict):
        return DecodeError("schema_error", f"expected a JSON object, got {type(obj).__name__}")
    try:
        return model_for(obj).model_validate(obj)
    except ValidationError as exc:
        return _classify(exc)


def decode_comment(raw: bytes | str) -> CommentEvent | DecodeError:
    """Parse one JSON document into a CommentEvent, or say why not."""
    return _decode(raw, lambda _: CommentEvent)


def decode_event(raw: bytes | str) -> CommentEvent | SecondOpinion | DecodeError:
    """A record of the worker's input: a comment, or the encoder tier's second opinion
    (`"kind": "opinion"`). Never raises."""
    return _decode(
        raw,
        lambda obj: SecondOpinion if obj.get("kind") == "opinion" else CommentEvent,  # type: ignore[return-value]
    )


def decode_request(raw: bytes | str) -> ScoreRequest | DecodeError:
    """A record of the encoder stage's input. Never raises."""
    return _decode(raw, lambda _: ScoreRequest)


def encode_model(model: ScoreRequest | SecondOpinion) -> bytes:
    return orjson.dumps(model.model_dump(mode="json"))


def encode_comment(event: CommentEvent) -> bytes:
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))


def encode_alert(alert: Alert) -> bytes:
    return orjson.dumps(alert.model_dump(mode="json"))


def decode_alert(raw: bytes | str) -> Alert:
    return Alert.model_validate(orjson.loads(raw))


def dead_letter(
    error: DecodeError,
    raw: bytes,
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None = None,
    message_timestamp: datetime | None = None,
    now: datetime | None = None,
    raw_length: int | None = None,
    key_length: int | None = None,
) -> DeadLetter:
    """`raw` and `key` as given (already cut by the caller, if at all); `raw_length` and
    `key_length` are the original lengths (default: those of `raw` and `key`)."""
    raw_length = len(raw) if raw_length is None else raw_length
    key_length = (len(key) if key is not None else None) if key_length is None else key_length
    return DeadLetter(
        reason=error.reason,
        detail=error.detail,
        raw_b64=base64.b64encode(raw).decode("ascii"),
        raw_length=raw_length,
        raw_truncated=raw_length > len(raw),
        key_b64=base64.b64encode(key).decode("ascii") if key is not None else None,
        key_length=key_length,
        key_truncated=key is not None and key_length is not None and key_length > len(key),
        topic=topic,
        partition=partition,
        offset=offset,
        message_timestamp=message_timestamp,
        dead_lettered_at=now or datetime.now(UTC),
    )


def encode_dead_letter(record: DeadLetter) -> bytes:
    return orjson.dumps(record.model_dump(mode="json"))
