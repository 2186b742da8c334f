"""Per-thread rolling state: immutable records, bounded, with a compact byte encoding."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from streams.detect.findings import Reason

STATE_VERSION = 4
"""3: + tier, fast, uncertain, cues. 4: reasons are structured (rule, template with a
{target} slot, offsets into the comment, tier; Reason.compact()); 1-3 (still read): reasons
are rendered text."""
_READABLE_VERSIONS = (1, 2, 3, 4)
_TEXT_REASONS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class CommentRec:
    """What the core remembers of one comment (never its full text)."""

    comment_id: str
    author_id: str
    parent_id: str | None
    ts: float
    """Event time (epoch seconds) of the creation."""
    edit_ts: float
    """Event time of the version scored (creation or latest edit)."""
    text_hash: int
    addressee: str | None
    """Author id this comment answers (from parent, names, quotes or alternation)."""
    target: str | None
    """Author id the strongest attack is aimed at, once resolved."""
    target_kind: str
    attack: float
    hostility: float
    reasons: tuple[Reason, ...]
    """Structured; rendered with `target` when an alert is built."""
    shingles: tuple[int, ...] = ()
    """Sampled hashes of word triples, to recognise later quotes of this comment."""
    outsider: bool = False
    """The comment talks about people outside the conversation."""
    peer_heat: float = 0.0
    """Hostility aimed at participants (outsider-directed heat left out)."""
    tier: str = "rules"
    """Which tier decided the attack score: rules, fast or encoder."""
    fast: float | None = None
    """The fast learned tier's probability, when it ran."""
    uncertain: bool = False
    """The fast tier was unsure: a second opinion (encoder tier) may still arrive."""
    cues: int = 0
    """Bit mask of conversational cues (forecast.py): opens with 'you', asks, hedges..."""


@dataclass(frozen=True, slots=True)
class ThreadState:
    """Everything the core keeps for one thread. Treat as immutable; `step` returns a new one."""

    thread_id: str
    last_ts: float = 0.0
    comments: dict[str, CommentRec] = field(default_factory=dict)
    """Kept comments in arrival order (bounded by DetectConfig.max_comments)."""
    names: dict[str, str] = field(default_factory=dict)
    """author id -> display name, least recently active first (bounded)."""
    gone: dict[str, None] = field(default_factory=dict)
    """Ids of comments applied but no longer kept (deleted or evicted), so that replays of
    them change nothing (bounded by 3 x max_comments, oldest forgotten first)."""
    alerted: dict[str, tuple[int, float]] = field(default_factory=dict)
    """dyad key -> (severity rank, event time) of its last alert, for the cooldown."""
    replies: tuple[dict[str, CommentRec], dict[str | None, tuple[str, ...]]] | None = field(
        default=None, init=False, compare=False, repr=False
    )
    """Derived, never encoded (replies.py): (the comments dict it describes, parent id -> ids
    of its kept replies in arrival order)."""

    @property
    def seen(self) -> set[str]:
        """Every comment id this state still knows was applied (kept or gone)."""
        return self.comments.keys() | self.gone.keys()


def encode_state(state: ThreadState) -> bytes:
    """Compact JSON array encoding (orjson)."""
    recs = [
        [
            r.comment_id,
            r.author_id,
            r.parent_id,
            r.ts,
            r.edit_ts,
            r.text_hash,
            r.addressee,
            r.target,
            r.target_kind,
            r.attack,
            r.hostility,
            list(map(_encode_reason, r.reasons)) if r.reasons else [],
            list(r.shingles),
            int(r.outsider),
            r.peer_heat,
            r.tier,
            r.fast,
            int(r.uncertain),
            r.cues,
        ]
        for r in state.comments.values()
    ]
    return orjson.dumps(
        [
            STATE_VERSION,
            state.thread_id,
            state.last_ts,
            recs,
            list(state.names.items()),
            list(state.gone),
            [[k, v[0], v[1]] for k, v in state.alerted.items()],
        ]
    )


def decode_state(data: bytes) -> ThreadState:
    """Inverse of encode_state. Raises ValueError on data of another version."""
    obj = orjson.loads(data)
    if not isinstance(obj, list) or not obj or obj[0] not in _READABLE_VERSIONS:
        raise ValueError(f"unsupported thread state encoding: {str(obj)[:40]}")
    version, thread_id, last_ts, recs, names, gone, alerted = obj
    reason = Reason.text if version in _TEXT_REASONS else _decode_reason
    comments = {
        r[0]: CommentRec(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            tuple(map(reason, r[11])) if r[11] else (),
            tuple(r[12]),
            bool(r[13]),
            r[14],
            *((r[15], r[16], bool(r[17])) if len(r) > 15 else ()),
            *((r[18],) if len(r) > 18 else ()),
        )
        for r in recs
    }
    return ThreadState(
        thread_id=thread_id,
        last_ts=last_ts,
        comments=comments,
        names={a: n for a, n in names},
        gone=dict.fromkeys(gone),
        alerted={k: (rank, ts) for k, rank, ts in alerted},
    )


def _encode_reason(r: Reason) -> list[object]:
    """[rule, template with only {target} left, start, end(, tier)]: see Reason.compact()."""
    r = r.compact()
    if r.tier == "rules":
        return [r.rule, r.template, r.start, r.end]
    return [r.rule, r.template, r.start, r.end, r.tier]


def _decode_reason(x: list) -> Reason:
    return Reason(x[0], x[1], "", x[2], x[3], (), x[4] if len(x) > 4 else "rules")
