"""Synthetic multi-branch comment threads with realistic text, for benchmarks.

Deterministic for a given seed. About 5% of comments are hostile; some threads contain a
two-person flame war flattened into siblings.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from schemas.comment import CommentEvent

TOPICS = [
    "the new bus lanes",
    "the housing target",
    "the match on Saturday",
    "the energy cap",
    "the school closures",
    "the heat pump grant",
    "the bypass",
    "the library hours",
    "the allotment waiting list",
    "the speed cameras",
    "the budget",
    "the water bill",
]
CIVIL = [
    "I think {t} is a reasonable compromise, although the timing is odd.",
    "Has anyone seen the figures for {t}? The report is on the council site.",
    "We tried something similar with {t} in Leeds and it worked out fine in the end.",
    "I'm not convinced about {t}, the costs seem to have doubled since last year.",
    "Fair point, though I'd like to see the consultation responses first.",
    "Thanks, that's a useful link. I hadn't seen the second appendix.",
    "My neighbour works on {t} and says the delays are mostly about funding.",
    "Honestly I can see both sides here. It depends what you value more.",
    "The numbers I saw were closer to 12%, but maybe they've been revised.",
    "Good question. I think the answer is in the minutes from March.",
    "{n} – I agree with most of that, apart from the bit about parking.",
    "That's not quite right, the scheme was approved in 2019, not 2021.",
]
SARCASTIC = [
    "Thanks for being so helpful, {n}. Really moved the debate on.",
    "Are you serious? Did you even read the report on {t}?",
    "Oh please. Nice deflection as usual.",
    "If you say so. Keep telling yourself that.",
]
ATTACKS = [
    "Grow up, {n}. Another hissy fit from you.",
    "You're a pompous prima donna and everyone here knows it.",
    "Crawl back under your rock.",
    "I'd explain {t} to you but I don't have crayons.",
    "He's a troll, ignore him.",
    "You clearly can't read. What an idiot.",
]
OUTSIDER = [
    "Those bastards in the council have wrecked {t}.",
    "The minister is a clown and the whole cabinet are liars.",
    "Bloody developers, parasites the lot of them.",
]
NAMES = [
    "Dave C",
    "Sam H",
    "Steve H",
    "Priya K",
    "Tom B",
    "Ann M",
    "Heenan73",
    "Jo R",
    "Mark W",
    "Lucy F",
    "Raj P",
    "Beth S",
]


def synthetic_events(
    n_comments: int,
    n_threads: int,
    seed: int = 7,
    start: datetime | None = None,
    hostile_share: float = 0.03,
    war_share: float = 0.03,
) -> Iterator[CommentEvent]:
    """`n_comments` events spread over `n_threads` threads, interleaved as on a live site."""
    rng = random.Random(seed)
    t0 = start or datetime(2024, 5, 1, tzinfo=UTC)
    per_thread: dict[int, list[tuple[str, str]]] = {}
    wars: dict[int, tuple[int, int]] = {}
    for i in range(n_comments):
        th = rng.randrange(n_threads)
        thread_id = f"t-{th}"
        comments = per_thread.setdefault(th, [])
        topic = TOPICS[th % len(TOPICS)]
        if not comments and rng.random() < war_share:
            a = rng.randrange(len(NAMES))
            wars[th] = (a, (a + 1 + rng.randrange(len(NAMES) - 1)) % len(NAMES))
        if th in wars and comments and rng.random() < 0.5:
            a, b = wars[th]
            author = NAMES[a if len(comments) % 2 else b]
            other = NAMES[b if len(comments) % 2 else a]
            pool = ATTACKS if rng.random() < 0.5 else SARCASTIC
            parent: str | None = comments[0][0]
        else:
            author = rng.choice(NAMES)
            other = comments[-1][1] if comments else rng.choice(NAMES)
            r = rng.random()
            pool = ATTACKS if r < hostile_share / 2 else OUTSIDER if r < hostile_share else CIVIL
            parent = rng.choice(comments)[0] if comments and rng.random() < 0.8 else None
        text = rng.choice(pool).format(t=topic, n=other.split()[0])
        cid = f"{thread_id}-c{len(comments)}"
        comments.append((cid, author))
        yield CommentEvent(
            comment_id=cid,
            thread_id=thread_id,
            parent_id=parent,
            author_id="u-" + author.lower().replace(" ", ""),
            author_name=author,
            text=text,
            created_at=t0 + timedelta(seconds=i * 0.5),
        )
