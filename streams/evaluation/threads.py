"""Labelled threads: expected alerts (severity, offender, target, by which comment) vs actual."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.alert import Alert
from schemas.codec import DecodeError, decode_comment
from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector
from streams.detect.tiers import TieredScorer

if TYPE_CHECKING:
    from streams.evaluation.forecast import ForecastResult


@dataclass(frozen=True, slots=True)
class Expected:
    severity: str
    offender: str | None
    target: str | None
    by_comment_id: str | None
    note: str = ""
    optional: bool = False
    """Allowed (an early warning) but not required."""


@dataclass(slots=True)
class ThreadCase:
    name: str
    events: list[CommentEvent]
    expect_no_alerts: bool
    expected: list[Expected]
    attack_comments: dict[str, str] = field(default_factory=dict)
    description: str = ""
    register: str = ""


@dataclass(slots=True)
class ThreadResult:
    case: ThreadCase
    alerts: list[Alert]
    matched: list[tuple[Expected, Alert | None]]
    extra: list[Alert]
    comment_truth: list[tuple[str | None, str | None]]
    """(target per labels, predicted target) for every comment of the thread; None: not an
    attack."""
    forecast: ForecastResult | None = None
    """Early warnings: episodes warned before their first attack, civil pairs warned."""

    @property
    def passed(self) -> bool:
        if self.case.expect_no_alerts:
            return not self.alerts
        return all(a is not None or e.optional for e, a in self.matched)


def load_thread(path: Path) -> ThreadCase:
    events = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        ev = decode_comment(line)
        if isinstance(ev, DecodeError):
            raise ValueError(f"{path}:{n}: {ev.reason}: {ev.detail}")
        events.append(ev)
    exp_path = path.with_name(path.name.removesuffix(".jsonl") + ".expected.json")
    spec = json.loads(exp_path.read_text(encoding="utf-8")) if exp_path.exists() else {}
    expected = [
        Expected(
            e["severity"],
            e.get("offender_author_id"),
            e.get("target_author_id"),
            e.get("by_comment_id"),
            e.get("note", ""),
            bool(e.get("optional", False)),
        )
        for e in spec.get("expected", [])
    ]
    return ThreadCase(
        name=path.name.removesuffix(".jsonl"),
        events=events,
        expect_no_alerts=bool(spec.get("expect_no_alerts", not expected)),
        expected=expected,
        attack_comments=dict(spec.get("attack_comments", {})),
        description=spec.get("description", ""),
        register=spec.get("register", ""),
    )


def evaluate_thread(
    case: ThreadCase, config: DetectConfig, scorer: TieredScorer | None = None
) -> ThreadResult:
    detector = Detector(config, scorer)
    alerts: list[Alert] = []
    position: dict[str, int] = {}
    for i, event in enumerate(case.events):
        position.setdefault(event.comment_id, i)
        alerts.extend(detector.process(event))
    used: set[str] = set()
    matched: list[tuple[Expected, Alert | None]] = []
    for exp in case.expected:
        limit = position.get(exp.by_comment_id or "", len(case.events))
        found = None
        for alert in alerts:
            # an escalation raised by an attack also reports that attack
            implied = exp.severity == "personal_attack" and alert.severity == "escalation"
            if alert.severity != exp.severity and not implied:
                continue
            if alert.alert_id in used and not implied:
                continue
            pair = {exp.offender, exp.target}
            # an escalation of the pair, still in its cooldown, already covers a retaliation
            covered = implied and set(alert.participants) == pair
            if exp.offender and alert.offender_author_id != exp.offender and not covered:
                continue
            wrong_target = exp.target and alert.target_author_id != exp.target
            if exp.severity != "heated" and wrong_target and not covered:
                continue
            if position.get(alert.trigger_comment_id, 0) > limit:
                continue
            found = alert
            break
        if found is not None and found.severity == exp.severity:
            used.add(found.alert_id)
        matched.append((exp, found))
    extra = [a for a in alerts if a.alert_id not in used]
    truth = []
    states = detector.states
    counted: set[str] = set()
    for event in case.events:
        rec = states[event.thread_id].comments.get(event.comment_id)
        if rec is None or event.comment_id in counted:
            continue
        counted.add(event.comment_id)
        predicted = rec.target if rec.attack >= config.attack_threshold else None
        truth.append((case.attack_comments.get(event.comment_id), predicted))
    from streams.evaluation.forecast import forecast_result

    thread_id = case.events[0].thread_id if case.events else ""
    fc = forecast_result(case, alerts, states.get(thread_id))
    return ThreadResult(case, alerts, matched, extra, truth, fc)
