"""Detection thresholds and tiers from FLAMEWATCH_* variables, for the offline commands.

The worker reads the same variables through the same `Settings`, so `flamewatch score`
and the worker run with the same thresholds and the same scorer.
"""

from __future__ import annotations

import sys

from streams.detect import DetectConfig
from streams.detect.learned.model import ModelError
from streams.detect.tiers import TieredScorer
from streams.encoder.embed import EncoderUnavailable
from streams.service.settings import SettingsError, load_settings


def load_detect_config() -> DetectConfig:
    """Read the settings once; on invalid settings print what is wrong and exit 2."""
    try:
        return load_settings().detect_config()
    except SettingsError as exc:
        print(f"flamewatch: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def load_detection() -> tuple[DetectConfig, TieredScorer]:
    """Thresholds and the scorer (FLAMEWATCH_SCORER, FLAMEWATCH_MODEL_PATH); exit 2 if bad."""
    try:
        settings = load_settings()
        return settings.detect_config(), settings.tiered_scorer(inline_encoder=True)
    except (SettingsError, ModelError, EncoderUnavailable) as exc:
        print(f"flamewatch: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
