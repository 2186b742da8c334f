"""The pure detection core: scoring, per-thread state, escalation. No I/O, no clocks."""

from streams.detect.config import DetectConfig
from streams.detect.engine import Detector, is_expired, step
from streams.detect.scorer import RuleScorer, Score, ScoreInput, Scorer
from streams.detect.state import CommentRec, ThreadState, decode_state, encode_state

__all__ = [
    "CommentRec",
    "DetectConfig",
    "Detector",
    "RuleScorer",
    "Score",
    "ScoreInput",
    "Scorer",
    "ThreadState",
    "decode_state",
    "encode_state",
    "is_expired",
    "step",
]
