"""Detection thresholds from FLAMEWATCH_* variables, for the offline commands.

The worker reads the same variables through the same `Settings`, so `flamewatch score`
and the worker run with the same thresholds.
"""

from __future__ import annotations

import sys

from streams.detect import DetectConfig
from streams.service.settings import SettingsError, load_settings


def load_detect_config() -> DetectConfig:
    """Read the settings once; on invalid settings print what is wrong and exit 2."""
    try:
        return load_settings().detect_config()
    except SettingsError as exc:
        print(f"flamewatch: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
