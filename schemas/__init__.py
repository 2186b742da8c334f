"""Wire models (pydantic v2) and orjson codecs shared by the CLI and the worker."""

from schemas.alert import SCHEMA_VERSION, SEVERITY_RANK, Alert, CommentScore, Severity
from schemas.codec import (
    DecodeError,
    dead_letter,
    decode_alert,
    decode_comment,
    encode_alert,
    encode_comment,
    encode_dead_letter,
)
from schemas.comment import MAX_TEXT_CHARS, CommentEvent
from schemas.deadletter import DeadLetter
from schemas.feedback import Feedback, FeedbackPair

__all__ = [
    "MAX_TEXT_CHARS",
    "SCHEMA_VERSION",
    "SEVERITY_RANK",
    "Alert",
    "CommentEvent",
    "CommentScore",
    "DeadLetter",
    "DecodeError",
    "Feedback",
    "FeedbackPair",
    "Severity",
    "dead_letter",
    "decode_alert",
    "decode_comment",
    "encode_alert",
    "encode_comment",
    "encode_dead_letter",
]
