"""Layout of a thread's reply graph and heat chart as plain numbers for an SVG template.

Graph: one lane per author (first to speak on top), comments left to right in time order.
A reply to its parent is a solid edge; a reply inferred from the text (the core's addressee
differs from the parent's author, or there is no parent) is dashed, drawn from the
addressee's latest earlier comment. Edge and node colours follow the reply's heat; the
trigger comments of alerts get a ring and a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.console.analysis import Scored

LANE = 40
STEP = 36
LEFT = 140
TOP = 30
RADIUS = 9
SEVERITY_COLOUR = {"heated": "#e69b00", "personal_attack": "#d0021b", "escalation": "#7b1fa2"}
SEVERITY_SHORT = {"heated": "H", "personal_attack": "PA", "escalation": "ESC"}


def heat_colour(heat: float) -> str:
    """Grey below 0.3, then amber → red."""
    if heat < 0.3:
        return "#9aa5b1"
    t = min(1.0, (heat - 0.3) / 0.5)
    r = int(0xF0 + (0xD0 - 0xF0) * t)
    g = int(0xA0 + (0x02 - 0xA0) * t)
    b = int(0x20 + (0x1B - 0x20) * t)
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass
class Node:
    index: int
    comment_id: str
    x: float
    y: float
    fill: str
    title: str
    ring: str | None = None
    label: str | None = None


@dataclass
class Edge:
    d: str
    stroke: str
    width: float
    dashed: bool
    title: str


@dataclass
class Graph:
    width: int
    height: int
    lanes: list[tuple[float, str]] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def _curve(x1: float, y1: float, x2: float, y2: float) -> str:
    if abs(y1 - y2) < 1:
        lift = min(30.0, 10 + (x2 - x1) / 6)
        return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 - lift:.1f} {x2:.1f},{y2 - lift:.1f} {x2:.1f},{y2:.1f}"
    mid = (x1 + x2) / 2
    return f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"


def layout(comments: Sequence[Any], scores: dict[str, Scored],
           alerts: Sequence[Any], names: dict[str, str]) -> Graph:
    authors: list[str] = []
    for c in comments:
        if c["author_id"] not in authors:
            authors.append(c["author_id"])
    lane_y = {a: TOP + LANE * i + LANE / 2 for i, a in enumerate(authors)}
    graph = Graph(width=int(LEFT + STEP * max(1, len(comments)) + 40),
                  height=int(TOP + LANE * max(1, len(authors)) + 20))
    graph.lanes = [(lane_y[a], names.get(a, a)) for a in authors]
    triggers: dict[str, list[str]] = {}
    for a in alerts:
        triggers.setdefault(a["trigger_comment_id"], []).append(a["severity"])
    position: dict[str, Node] = {}
    by_author_latest: dict[str, list[Node]] = {}
    for i, c in enumerate(comments):
        s = scores.get(c["comment_id"], Scored())
        heat = max(s.attack, s.hostility)
        excerpt = c["text"] if len(c["text"]) <= 140 else c["text"][:140] + "…"
        node = Node(i, c["comment_id"], LEFT + STEP * i + STEP / 2, lane_y[c["author_id"]],
                    heat_colour(heat),
                    f"{names.get(c['author_id'], c['author_id'])}: {excerpt} "
                    f"(attack {s.attack:.2f}, heat {s.hostility:.2f})")
        fired = triggers.get(c["comment_id"])
        if fired:
            worst = max(fired, key=lambda sev: list(SEVERITY_COLOUR).index(sev))
            node.ring = SEVERITY_COLOUR[worst]
            node.label = SEVERITY_SHORT[worst]
        parent = position.get(c["parent_id"]) if c["parent_id"] else None
        parent_author = comments[parent.index]["author_id"] if parent else None
        source, dashed = parent, False
        if s.addressee and s.addressee != c["author_id"] and s.addressee != parent_author:
            earlier = by_author_latest.get(s.addressee)
            if earlier:
                source, dashed = earlier[-1], True
        if source is not None:
            graph.edges.append(Edge(
                _curve(source.x, source.y, node.x, node.y), heat_colour(heat),
                round(1.2 + 3.0 * s.attack, 2), dashed,
                ("inferred reply" if dashed else "reply") + f", heat {heat:.2f}"))
        position[c["comment_id"]] = node
        by_author_latest.setdefault(c["author_id"], []).append(node)
        graph.nodes.append(node)
    return graph


@dataclass
class HeatChart:
    width: int
    height: int
    line: str
    points: list[tuple[float, float, str, str]]
    """x, y, colour, title"""
    markers: list[tuple[float, str, str, float, float, str]]
    """x, colour, label, label x, label y, text-anchor (alerts; labels of close markers are
    staggered, labels near the right edge end at their marker)"""
    ticks: list[tuple[float, str]]
    thresholds: list[tuple[float, str]]


def heat_chart(comments: Sequence[Any], scores: dict[str, Scored], alerts: Sequence[Any],
               width: int = 720, height: int = 180) -> HeatChart:
    left, right, top, bottom = 40, 16, 14, 26
    times = [c["created_at"] for c in comments] + [a["event_time"] for a in alerts]
    t0, t1 = (min(times), max(times)) if times else (0.0, 1.0)
    span = max(t1 - t0, 1.0)

    def x(ts: float) -> float:
        return left + (width - left - right) * (ts - t0) / span

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - v)

    points = []
    for c in comments:
        s = scores.get(c["comment_id"], Scored())
        colour = "#d0021b" if s.attack >= 0.5 else heat_colour(s.hostility)
        points.append((round(x(c["created_at"]), 1), round(y(s.hostility), 1), colour,
                       f"{c['comment_id']}: heat {s.hostility:.2f}, attack {s.attack:.2f}"))
    line = " ".join(f"{px},{py}" for px, py, _, _ in points)
    markers: list[tuple[float, str, str, float, float, str]] = []
    for a in alerts:
        mx = round(x(a["event_time"]), 1)
        close = sum(1 for m in markers if abs(m[0] - mx) < 90)
        near_edge = mx > width - 110
        markers.append((mx, SEVERITY_COLOUR.get(a["severity"], "#333"),
                        a["severity"].replace("_", " "), mx - 3 if near_edge else mx + 3,
                        20.0 + 12.0 * (close % 3), "end" if near_edge else "start"))
    ticks = []
    for k in range(5):
        ts = t0 + span * k / 4
        ticks.append((round(x(ts), 1), datetime.fromtimestamp(ts, UTC).strftime("%H:%M")))
    thresholds = [(round(y(0.3), 1), "0.3"), (round(y(0.5), 1), "0.5")]
    return HeatChart(width, height, line, points, markers, ticks, thresholds)
