"""The pure core: `step(state, event) -> (state, alerts)`.

No I/O, no clocks: time comes only from event timestamps. The offline CLI and the Faust
worker both call `step`, so they produce identical alerts for the same input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from schemas.alert import Alert
from schemas.comment import CommentEvent
from schemas.opinion import SecondOpinion
from streams.detect.addressing import (
    addressee_from_text,
    addressee_from_tree,
    addressee_in_chat,
    name_lookup,
    shingles,
    third_person_target,
)
from streams.detect.config import DetectConfig
from streams.detect.escalation import evaluate
from streams.detect.findings import Reason
from streams.detect.forecast import cues
from streams.detect.ids import text_hash
from streams.detect.learned.features import Signals
from streams.detect.replies import Replies, added, attach, replies
from streams.detect.scorer import RuleScorer, ScoreInput, Scorer
from streams.detect.state import CommentRec, ThreadState
from streams.detect.text import leading_name, named_participants, prepare
from streams.detect.tiers import TieredScorer, make_scorer, opinion_note

_RULES = RuleScorer()
_DEFAULT: list[TieredScorer] = []


def default_scorer() -> TieredScorer:
    """Rules + the shipped fast model (loaded once, on first use)."""
    if not _DEFAULT:
        _DEFAULT.append(make_scorer("rules+fast"))
    return _DEFAULT[0]


def is_expired(state: ThreadState, watermark: float, config: DetectConfig) -> bool:
    """True when the thread saw no event for `inactivity_seconds` of event time."""
    return watermark - state.last_ts > config.inactivity_seconds


def step(
    state: ThreadState | None,
    event: CommentEvent | SecondOpinion,
    config: DetectConfig,
    scorer: TieredScorer | Scorer | None = None,
) -> tuple[ThreadState, list[Alert]]:
    """Apply one event to a thread's state. Returns the new state and the alerts it raises.

    `scorer` is a TieredScorer (default: rules + the shipped fast model) or any plain
    `Scorer`. A `SecondOpinion` (the encoder tier's score of a comment the fast tiers were
    unsure of) re-decides that comment and may raise or upgrade an alert. The input state
    is not modified. Duplicates (an id already applied) and stale edits
    return the state unchanged and no alerts.
    """
    if isinstance(event, SecondOpinion):
        if state is None or state.thread_id != event.thread_id:
            return state or ThreadState(thread_id=event.thread_id), []
        return _opinion(state, event, config, scorer or default_scorer())
    ts = event.created_at.timestamp()
    if state is None or state.thread_id != event.thread_id:
        state = ThreadState(thread_id=event.thread_id)
    elif state.comments or state.gone:
        if ts < state.last_ts - config.inactivity_seconds:
            return state, []  # older than the retention horizon: cannot be judged any more
        if ts - state.last_ts > config.inactivity_seconds:
            # a fresh start, but the ids already applied stay known: replays change nothing
            gone = dict.fromkeys([*state.gone, *state.comments])
            while len(gone) > 3 * config.max_comments:
                del gone[next(iter(gone))]
            state = ThreadState(thread_id=event.thread_id, last_ts=ts, gone=gone)

    if event.event_type == "deleted":
        return _delete(state, event, ts), []
    released: list[Alert] = []
    if isinstance(scorer, TieredScorer) and scorer.defer_uncertain:
        state, released = _release_held(state, ts, config)
    state, alerts = _comment(state, event, ts, config, scorer)
    return state, released + alerts


def _comment(
    state: ThreadState,
    event: CommentEvent,
    ts: float,
    config: DetectConfig,
    scorer: TieredScorer | Scorer | None,
) -> tuple[ThreadState, list[Alert]]:
    existing = state.comments.get(event.comment_id)
    if event.event_type == "edited" and existing is not None:
        h = text_hash(event.text)
        if (ts, h) <= (existing.edit_ts, existing.text_hash):
            return state, []
        return _apply(state, event, ts, config, scorer or default_scorer(), existing)
    if existing is not None or event.comment_id in state.gone:
        return state, []
    return _apply(state, event, ts, config, scorer or default_scorer(), None)


def _opinion(
    state: ThreadState, op: SecondOpinion, config: DetectConfig, scorer: TieredScorer | Scorer
) -> tuple[ThreadState, list[Alert]]:
    rec = state.comments.get(op.comment_id)
    if rec is None or rec.text_hash != op.text_hash or rec.tier == "encoder" or not rec.uncertain:
        return state, []  # gone, edited since, applied or released: nothing to re-decide
    tiers = scorer if isinstance(scorer, TieredScorer) else default_scorer()
    attack = tiers.blend(rec.fast, op.probability, rec.attack, rec.tier)
    reasons = rec.reasons
    if attack >= config.attack_threshold > rec.attack:
        reasons = (opinion_note(op.probability, rec.fast).compact(), *rec.reasons)
    elif attack < config.attack_threshold <= rec.attack:
        note = opinion_note(op.probability, rec.fast, ": not an attack")
        reasons = (note.compact(), *rec.reasons[1:])
    peer = max(rec.peer_heat, round(op.probability * tiers.config.heat_weight, 3))
    new_rec = replace(
        rec,
        attack=attack,
        peer_heat=peer,
        hostility=max(rec.hostility, peer),
        tier="encoder",
        uncertain=False,
        reasons=reasons[:6],
    )
    comments = dict(state.comments)
    comments[rec.comment_id] = new_rec
    alerts: list[Alert] = []
    alerted = state.alerted
    # a held comment was not judged when it came (see _apply): judge it now, as offline
    if tiers.defer_uncertain or attack >= config.attack_threshold > rec.attack:
        alerted = dict(alerted)
        alerts = evaluate(state.thread_id, comments, alerted, new_rec, config)
        while len(alerted) > config.max_participants:
            del alerted[next(iter(alerted))]
    new = ThreadState(state.thread_id, state.last_ts, comments, state.names, state.gone, alerted)
    return attach(new, replies(state)), alerts  # (the same comments, one re-decided)


def _release_held(
    state: ThreadState, ts: float, config: DetectConfig
) -> tuple[ThreadState, list[Alert]]:
    """Comments held for a second opinion that never came within the timeout are decided on
    the fast tier's score alone (the offline path never holds, so never gets here)."""
    limit = ts - config.opinion_timeout_seconds
    stale = [r for r in state.comments.values() if r.uncertain and r.tier == "fast" and r.edit_ts < limit]
    if not stale:
        return state, []
    comments = dict(state.comments)
    alerted = dict(state.alerted)
    alerts: list[Alert] = []
    for rec in stale:
        p = rec.fast if rec.fast is not None else rec.attack
        reasons = rec.reasons
        if p >= config.attack_threshold:
            note = Reason(
                "model", "model {p} (no second opinion within {s} s)",
                fields=(("p", f"{p:.2f}"), ("s", f"{config.opinion_timeout_seconds:.0f}")),
                tier="fast",
            )
            reasons = (note.compact(), *rec.reasons)[:6]
        decided = replace(rec, attack=p, uncertain=False, reasons=reasons)
        comments[rec.comment_id] = decided
        alerts.extend(evaluate(state.thread_id, comments, alerted, decided, config))
    while len(alerted) > config.max_participants:
        del alerted[next(iter(alerted))]
    new = ThreadState(state.thread_id, state.last_ts, comments, state.names, state.gone, alerted)
    return attach(new, replies(state)), alerts  # (the same comments, some decided)


def _delete(state: ThreadState, event: CommentEvent, ts: float) -> ThreadState:
    comments = state.comments
    if event.comment_id in comments:
        comments = dict(comments)
        del comments[event.comment_id]
    gone = state.gone
    if event.comment_id not in gone:
        gone = dict(gone)
        gone[event.comment_id] = None
    return ThreadState(
        state.thread_id, max(state.last_ts, ts), comments, state.names, gone, state.alerted
    )


def _apply(
    state: ThreadState,
    event: CommentEvent,
    ts: float,
    config: DetectConfig,
    scorer: TieredScorer | Scorer,
    existing: CommentRec | None,
) -> tuple[ThreadState, list[Alert]]:
    author = event.author_id
    names = dict(state.names)
    names.pop(author, None)
    names[author] = event.author_name or names.get(author) or state.names.get(author) or author
    while len(names) > config.max_participants:
        del names[next(iter(names))]
    index = replies(state)
    state = attach(
        ThreadState(
            state.thread_id, state.last_ts, state.comments, names, state.gone, state.alerted
        ),
        index,
    )

    prepared = prepare(event.text, config.max_scored_chars)
    lookup = name_lookup(state, exclude=author)
    addressee = addressee_from_text(prepared, lookup, state, author)
    if addressee is None:
        addressee = addressee_from_tree(state, author, event.parent_id)
    if addressee is None and event.parent_id is None and state.comments:
        addressee = addressee_in_chat(state, author, ts, prepared.own)
    if addressee is None and existing is not None:
        addressee = existing.addressee
    parent = state.comments.get(event.parent_id) if event.parent_id else None
    context_outsider = parent.outsider if parent is not None else False
    tier = "rules"
    fast: float | None = None
    uncertain = False
    if isinstance(scorer, TieredScorer):
        score = _RULES.score_prepared(prepared, lookup, context_outsider)
        lead = leading_name(prepared.own, lookup) if lookup else None
        others = [a for a in named_participants(prepared.own, lookup) if a != addressee] if lookup else []
        signals = Signals(
            rule_attack=score.attack,
            rule_hostility=score.hostility,
            rule_peer_heat=score.peer_heat,
            rule_target=score.target,
            outsider=score.outsider,
            addressed=addressee is not None,
            lead_name=lead is not None or bool(prepared.mentions),
            named=bool(others),
            parent_hostility=parent.hostility if parent is not None else 0.0,
            parent_attack=parent.attack if parent is not None else 0.0,
            elsewhere=score.elsewhere,
        )
        d = scorer.decide(prepared.own, score, signals, config.attack_threshold)
        attack, peer_heat, kind, named_target, reasons = (
            d.attack, d.peer_heat, d.target, d.named_target, d.reasons
        )
        tier, fast, uncertain = d.tier, d.fast, d.uncertain
        if kind == "named" and named_target is None and others:
            named_target = others[0]  # a learned tier decided: the participant talked about
    elif type(scorer) is RuleScorer:  # the same as its score_batch, without preparing again
        score = scorer.score_prepared(prepared, lookup, context_outsider)
        attack, peer_heat, kind, named_target, reasons = (
            score.attack, score.peer_heat, score.target, score.named_target, score.reasons
        )
    else:
        score = scorer.score_batch(
            [ScoreInput(event.text, lookup, context_outsider, config.max_scored_chars)]
        )[0]
        attack, peer_heat, kind, named_target, reasons = (
            score.attack, score.peer_heat, score.target, score.named_target, score.reasons
        )
    target = _resolve_target(state, author, addressee, kind, named_target)
    rec = CommentRec(
        comment_id=event.comment_id,
        author_id=author,
        parent_id=event.parent_id,
        ts=existing.ts if existing else ts,
        edit_ts=ts,
        text_hash=text_hash(event.text),
        addressee=addressee,
        target=target,
        target_kind=kind,
        attack=attack,
        hostility=max(score.hostility, peer_heat),
        reasons=_reasons(reasons),
        shingles=shingles(prepared.own),
        outsider=score.outsider,
        peer_heat=peer_heat,
        tier=tier,
        fast=fast,
        uncertain=uncertain,
        cues=cues(prepared.own, reasons, bool(prepared.quoted)),
    )
    comments = dict(state.comments)
    comments[rec.comment_id] = rec
    new_index = added(index, rec, existing, ())
    relinked = _relink_orphans(comments, rec, new_index)
    gone = state.gone
    if len(comments) > config.max_comments:
        gone = dict(gone)
        evicted = []
        while len(comments) > config.max_comments:
            oldest = next(iter(comments))
            evicted.append(comments.pop(oldest))
            gone[oldest] = None
        if new_index is not None:
            new_index = added(new_index, rec, rec, evicted)
        while len(gone) > 3 * config.max_comments:
            del gone[next(iter(gone))]
    alerts: list[Alert] = []
    alerted = state.alerted
    # every answered comment moves its dyad's trajectory: the forecast may warn on it
    held = uncertain and isinstance(scorer, TieredScorer) and scorer.defer_uncertain
    if rec.addressee is not None or rec.target is not None or relinked:
        alerted = dict(alerted)
        # a held comment is judged once its second opinion (or its timeout) decides it
        alerts = [] if held else evaluate(state.thread_id, comments, alerted, rec, config)
        for orphan in relinked:
            if orphan.comment_id in comments:
                alerts.extend(evaluate(state.thread_id, comments, alerted, orphan, config))
        while len(alerted) > config.max_participants:
            del alerted[next(iter(alerted))]
    new = ThreadState(state.thread_id, max(state.last_ts, ts), comments, names, gone, alerted)
    return attach(new, new_index), alerts


def _resolve_target(
    state: ThreadState, author: str, addressee: str | None, kind: str, named: str | None
) -> str | None:
    if kind == "second":
        target = addressee
    elif kind == "named":
        target = named
    elif kind == "third":
        target = third_person_target(state, author, addressee)
    else:
        return None
    return target if target != author else None


def _reasons(reasons: tuple[Reason | str, ...]) -> tuple[Reason, ...]:
    """Kept structured, compact (rendered with the target only when an alert is built); a
    scorer that gives plain strings gets them wrapped."""
    return tuple((Reason.text(r) if isinstance(r, str) else r).compact() for r in reasons)


def _relink_orphans(
    comments: dict[str, CommentRec], parent: CommentRec, index: Replies | None
) -> list[CommentRec]:
    """Replies that arrived before this comment now know whom they answer. `index`: the
    reply tree of `comments` (None: scan them)."""
    pid, author = parent.comment_id, parent.author_id
    if index is not None:
        kids = index.get(pid)
        if not kids:
            return []
        candidates = [comments[cid] for cid in kids]
    else:
        candidates = [r for r in comments.values() if r.parent_id == pid]
    orphans = [r for r in candidates if r.addressee is None and r.author_id != author]
    out: list[CommentRec] = []
    for rec in orphans:
        cid = rec.comment_id
        target = rec.target
        if rec.target_kind == "second":
            target = parent.author_id
        # reasons stay structured: rendered with the new target when an alert is built
        fixed = replace(rec, addressee=parent.author_id, target=target)
        comments[cid] = fixed
        out.append(fixed)
    return out


class Detector:
    """Offline driver: one state per thread in memory, events in arrival order."""

    def __init__(
        self, config: DetectConfig | None = None, scorer: TieredScorer | Scorer | None = None
    ) -> None:
        self.config = config or DetectConfig()
        self.scorer = scorer
        self.states: dict[str, ThreadState] = {}

    def process(self, event: CommentEvent) -> list[Alert]:
        state, alerts = step(self.states.get(event.thread_id), event, self.config, self.scorer)
        self.states[event.thread_id] = state
        return alerts

    def run(self, events: Iterable[CommentEvent]) -> Iterator[Alert]:
        for event in events:
            yield from self.process(event)
