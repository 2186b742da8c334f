"""Plain configuration for the detection core (no settings library, no environment)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DetectConfig:
    """Thresholds and bounds. Times are seconds of event time."""

    attack_threshold: float = 0.5
    """A comment whose attack score reaches this is a personal attack on its target."""
    heat_threshold: float = 0.3
    """A comment whose hostility reaches this counts as a hot turn in a dyad."""
    heated_min_turns: int = 2
    """Turns in a dyad needed before a `heated` early warning."""
    warning_threshold: float = 0.65
    """Forecast probability (forecast.py) at which a dyad gets a `heated` early warning."""
    escalation_repeat: int = 3
    """One side attacking the other this many times is an escalation even if unanswered."""
    cooldown_seconds: float = 1800.0
    """No repeated alert for the same dyad at the same or a lower severity within this."""
    max_comments: int = 64
    """Comments kept per thread; the oldest are evicted first."""
    max_participants: int = 64
    """Participants (author ids with names) remembered per thread."""
    inactivity_seconds: float = 48 * 3600.0
    """A thread with no event for this long is forgotten."""
    chain_length: int = 8
    """Comments of the exchange quoted in an alert's chain."""
    max_scored_chars: int = 20_000
    """Only the first this many characters of a comment are read (the reasons say so)."""
    opinion_timeout_seconds: float = 300.0
    """A comment held for the encoder stage's second opinion is decided on the fast tier's
    score alone once a later comment of its thread comes this much later in event time
    without the opinion (the stage is down or far behind): an alert is late, not lost."""

    def __post_init__(self) -> None:
        if not 0.0 < self.attack_threshold <= 1.0:
            raise ValueError("attack_threshold must be in (0, 1]")
        if not 0.0 < self.warning_threshold <= 1.0:
            raise ValueError("warning_threshold must be in (0, 1]")
        if not 0.0 < self.heat_threshold <= 1.0:
            raise ValueError("heat_threshold must be in (0, 1]")
        if self.max_comments < 2 or self.max_participants < 2:
            raise ValueError("max_comments and max_participants must be at least 2")
        if self.cooldown_seconds < 0 or self.inactivity_seconds <= 0:
            raise ValueError("cooldown_seconds must be >= 0 and inactivity_seconds > 0")
        if self.max_scored_chars < 100:
            raise ValueError("max_scored_chars must be at least 100")
        if self.heated_min_turns < 2 or self.escalation_repeat < 2 or self.chain_length < 2:
            raise ValueError("heated_min_turns, escalation_repeat and chain_length must be >= 2")
