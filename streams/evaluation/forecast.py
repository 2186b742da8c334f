"""Early-warning metrics on labelled threads: was each attack episode warned of before its
first attack, how far ahead (comments, minutes), and how often did warnings fall on pairs
that argued but never attacked each other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas.alert import Alert
from streams.detect.escalation import exchange
from streams.detect.state import ThreadState
from streams.evaluation.threads import ThreadCase

WARNING_SEVERITIES = frozenset({"heated", "warning"})


@dataclass(frozen=True, slots=True)
class Episode:
    pair: frozenset[str]
    first_attack: str
    warned_at: str | None
    lead_comments: int | None
    lead_minutes: float | None
    alerted_at: str | None = None
    """The first alert of any severity on the pair before its first attack (a warning, or an
    attack alert raised early on the sarcasm before it): the moderator had a heads-up."""


@dataclass(slots=True)
class ForecastResult:
    episodes: list[Episode] = field(default_factory=list)
    civil_pairs: int = 0
    """Pairs with 3+ turns between them that never attacked each other."""
    civil_pairs_warned: int = 0


def forecast_result(
    case: ThreadCase, alerts: Iterable[Alert], state: ThreadState | None
) -> ForecastResult:
    order: dict[str, int] = {}
    when: dict[str, float] = {}
    author: dict[str, str] = {}
    for i, e in enumerate(case.events):
        if e.event_type == "created" and e.comment_id not in order:
            order[e.comment_id] = i
            when[e.comment_id] = e.created_at.timestamp()
            author[e.comment_id] = e.author_id
    firsts: dict[frozenset[str], str] = {}
    for cid, target in case.attack_comments.items():
        if cid not in order or cid not in author:
            continue
        pair = frozenset((author[cid], target))
        if pair not in firsts or order[cid] < order[firsts[pair]]:
            firsts[pair] = cid
    alerts = list(alerts)
    warnings = [a for a in alerts if a.severity in WARNING_SEVERITIES]
    res = ForecastResult()
    for pair, first in sorted(firsts.items(), key=lambda kv: order[kv[1]]):
        before = [
            w for w in warnings
            if frozenset(w.participants) == pair and order.get(w.trigger_comment_id, 1 << 30)
            < order[first]
        ]
        early = next(
            (a.trigger_comment_id for a in alerts if frozenset(a.participants) == pair
             and order.get(a.trigger_comment_id, 1 << 30) < order[first]),
            None,
        )
        if before:
            w = before[0]
            res.episodes.append(Episode(
                pair, first, w.trigger_comment_id, order[first] - order[w.trigger_comment_id],
                (when[first] - when[w.trigger_comment_id]) / 60.0, early,
            ))
        else:
            res.episodes.append(Episode(pair, first, None, None, None, early))
    if state is not None:
        authors = sorted({r.author_id for r in state.comments.values()})
        for i, a in enumerate(authors):
            for b in authors[i + 1 :]:
                pair = frozenset((a, b))
                if pair in firsts or len(exchange(state.comments, a, b)) < 3:
                    continue
                res.civil_pairs += 1
                if any(frozenset(w.participants) == pair for w in warnings):
                    res.civil_pairs_warned += 1
    return res
