"""Dyad trajectories: decide heated -> personal_attack -> escalation alerts, with a cooldown."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.alert import SEVERITY_RANK, Alert, CommentScore
from streams.detect.config import DetectConfig
from streams.detect.findings import render
from streams.detect.forecast import forecast, warning_probability
from streams.detect.ids import alert_id, dyad_key
from streams.detect.state import CommentRec


def _partner(rec: CommentRec, config: DetectConfig) -> str | None:
    if rec.attack >= config.attack_threshold and rec.target and rec.target != rec.author_id:
        return rec.target
    return rec.addressee if rec.addressee != rec.author_id else None


def exchange(comments: dict[str, CommentRec], a: str, b: str) -> list[CommentRec]:
    """Comments between a and b, in arrival order."""
    # (runs over every kept comment for every answered one: kept to plain comparisons)
    return [
        r
        for r in comments.values()
        if (r.author_id == a and (r.addressee == b or r.target == b))
        or (r.author_id == b and (r.addressee == a or r.target == a))
    ]


def _hot(rec: CommentRec, config: DetectConfig) -> bool:
    """Heat between the participants: hostility that is not about outsiders."""
    return rec.peer_heat >= config.heat_threshold


def _is_attack(rec: CommentRec, on: str, config: DetectConfig) -> bool:
    return rec.attack >= config.attack_threshold and rec.target == on


def evaluate(
    thread_id: str,
    comments: dict[str, CommentRec],
    alerted: dict[str, tuple[int, float]],
    trigger: CommentRec,
    config: DetectConfig,
) -> list[Alert]:
    """Alerts this comment triggers. Updates `alerted` (a copy owned by the caller)."""
    offender = trigger.author_id
    partner = _partner(trigger, config)
    if partner is None:
        return []
    turns = exchange(comments, offender, partner)
    if not turns or turns[-1].comment_id != trigger.comment_id:
        turns = [t for t in turns if t.comment_id != trigger.comment_id] + [trigger]
    attacking = _is_attack(trigger, partner, config)
    by_offender = sum(
        1 for t in turns if t.author_id == offender and _is_attack(t, partner, config)
    )
    by_partner = sum(1 for t in turns if t.author_id == partner and _is_attack(t, offender, config))

    severity: str | None = None
    reasons: list[str] = []
    score = trigger.attack
    if attacking:
        first = render(trigger.reasons[:1], trigger.target)[0] if trigger.reasons else "attack"
        reasons.append(f"{offender} attacked {partner} in {trigger.comment_id}: {first}")
        if by_partner >= 1:
            severity = "escalation"
            reasons.append(
                f"mutual attacks: {offender} -> {partner} x{by_offender}, "
                f"{partner} -> {offender} x{by_partner}"
            )
            score = max(trigger.attack, max(t.attack for t in turns if t.author_id == partner))
        elif by_offender >= config.escalation_repeat:
            severity = "escalation"
            reasons.append(f"{offender} keeps attacking {partner}: {by_offender} attacks")
        else:
            severity = "personal_attack"
    elif by_offender == 0 and by_partner == 0:
        p = warning_probability(turns, config.heated_min_turns)
        fc = forecast(turns, config.heated_min_turns) if p >= config.warning_threshold else None
        if fc is not None:
            severity = "heated"
            score = fc.probability
            reasons.append(
                f"warning {fc.probability:.2f}: {offender} and {partner} may be heading for "
                f"personal attacks ({fc.why})"
            )
            for t in turns[-2:]:
                reasons.extend(render(t.reasons[:1], t.target))
    if severity is None:
        return []

    key = dyad_key(offender, partner)
    rank = SEVERITY_RANK[severity]
    last = alerted.get(key)
    if last is not None and rank <= last[0] and trigger.edit_ts - last[1] < config.cooldown_seconds:
        return []
    alerted[key] = (rank, trigger.edit_ts)
    chain = turns[-config.chain_length :]
    when = datetime.fromtimestamp(trigger.edit_ts, UTC)
    target = partner if severity != "heated" else None
    return [
        Alert(
            alert_id=alert_id(thread_id, key, severity, trigger.comment_id),
            thread_id=thread_id,
            severity=severity,  # type: ignore[arg-type]
            trigger_comment_id=trigger.comment_id,
            chain=[c.comment_id for c in chain],
            participants=sorted({offender, partner}),
            offender_author_id=offender,
            target_author_id=target,
            score=round(min(max(score, 0.0), 1.0), 3),
            comments=[
                CommentScore(
                    comment_id=c.comment_id,
                    author_id=c.author_id,
                    attack=c.attack,
                    hostility=c.hostility,
                    target_author_id=c.target if c.attack >= config.attack_threshold else None,
                    reasons=render(c.reasons, c.target),
                    reason_spans=[
                        None if r.start is None or r.end is None else (r.start, r.end)
                        for r in c.reasons
                    ],
                    tier=c.tier,
                )
                for c in chain
            ],
            reasons=_dedupe(reasons),
            event_time=when,
            detected_at=when,
            tier=trigger.tier,
        )
    ]


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for it in items:
        if it not in seen:
            seen.add(it)
            out.append(it)
    return out[:8]
