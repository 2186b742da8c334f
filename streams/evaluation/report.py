"""Per-split measurement: P/R/F1 on pairs, civil second-person replies flagged, categories,
tiers, thread verdicts. Shared by `flamewatch eval` and `flamewatch train --report`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from streams.detect import DetectConfig
from streams.detect.tiers import TieredScorer
from streams.evaluation.pairs import PairResult, evaluate_pairs, load_pairs, metrics
from streams.evaluation.splits import Split
from streams.evaluation.threads import ThreadResult, evaluate_thread, load_thread


@dataclass(slots=True)
class SplitReport:
    split: str
    pairs: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    civil_you_flagged: float | None = None
    """Share of civil second-person replies flagged as attacks."""
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)
    threads_passed: int = 0
    threads: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)
    """True positives by the tier that decided them."""
    episodes: int = 0
    episodes_warned: int = 0
    episodes_alerted: int = 0
    """Episodes with any alert on the pair (warning or early attack alert) before the first
    attack: a looser measure than `episodes_warned`, reported beside it."""
    lead_comments: list[int] = field(default_factory=list)
    lead_minutes: list[float] = field(default_factory=list)
    civil_pairs: int = 0
    civil_pairs_warned: int = 0
    thread_attacks: int = 0
    """Comments of the threads labelled as attacks ..."""
    thread_attacks_caught: int = 0
    """... of them scored as attacks on the labelled target ..."""
    thread_attacks_wrong_target: int = 0
    """... and as attacks on someone else."""
    thread_non_attacks: int = 0
    thread_non_attacks_flagged: int = 0
    """Comments labelled as no attack but scored as an attack on someone."""
    pair_results: list[PairResult] = field(default_factory=list, repr=False)
    thread_results: list[ThreadResult] = field(default_factory=list, repr=False)

    def count_comments(self, truth: Sequence[tuple[str | None, str | None]]) -> None:
        """Add a thread's (labelled target, predicted target) per comment."""
        for expected, predicted in truth:
            if expected is None:
                self.thread_non_attacks += 1
                self.thread_non_attacks_flagged += predicted is not None
            else:
                self.thread_attacks += 1
                self.thread_attacks_caught += predicted == expected
                self.thread_attacks_wrong_target += predicted not in (None, expected)

    def summary(self) -> dict[str, object]:
        return {
            "pairs": self.pairs,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "civil_you_flagged": None
            if self.civil_you_flagged is None
            else round(self.civil_you_flagged, 4),
            "threads_passed": self.threads_passed,
            "threads": self.threads,
            "by_tier": dict(sorted(self.by_tier.items())),
            "episodes": self.episodes,
            "episodes_warned": self.episodes_warned,
            "episodes_alerted": self.episodes_alerted,
            "median_lead_comments": _median(self.lead_comments),
            "median_lead_minutes": _median(self.lead_minutes),
            "civil_pairs": self.civil_pairs,
            "civil_pairs_warned": self.civil_pairs_warned,
            "thread_attacks": self.thread_attacks,
            "thread_attacks_caught": self.thread_attacks_caught,
            "thread_attacks_wrong_target": self.thread_attacks_wrong_target,
            "thread_non_attacks": self.thread_non_attacks,
            "thread_non_attacks_flagged": self.thread_non_attacks_flagged,
            "by_category": {c: list(v) for c, v in self.by_category.items()},
        }


def measure_split(
    split: Split, config: DetectConfig, scorer: TieredScorer | None = None
) -> SplitReport:
    rep = SplitReport(split.name)
    results = []
    for path in split.pair_files:
        results.extend(evaluate_pairs(load_pairs(path), config, scorer))
    rep.pair_results = results
    if results:
        m = metrics((r.expected, r.predicted) for r in results)
        rep.pairs, rep.precision, rep.recall, rep.f1 = len(results), m.precision, m.recall, m.f1
        cats: dict[str, list[bool]] = defaultdict(list)
        for r in results:
            cats[r.pair.category].append(r.expected == r.predicted)
            if r.expected and r.predicted:
                rep.by_tier[r.tier] = rep.by_tier.get(r.tier, 0) + 1
        rep.by_category = {c: (sum(v), len(v)) for c, v in sorted(cats.items())}
        civil = [r for r in results if r.pair.category == "civil_second_person"]
        if civil:
            rep.civil_you_flagged = sum(r.predicted for r in civil) / len(civil)
    for path in split.thread_files:
        res = evaluate_thread(load_thread(path), config, scorer)
        rep.thread_results.append(res)
        rep.threads += 1
        rep.threads_passed += res.passed
        rep.count_comments(res.comment_truth)
        if res.forecast is not None:
            fc = res.forecast
            rep.episodes += len(fc.episodes)
            for ep in fc.episodes:
                rep.episodes_alerted += ep.alerted_at is not None
                if ep.warned_at is not None:
                    rep.episodes_warned += 1
                    rep.lead_comments.append(ep.lead_comments or 0)
                    rep.lead_minutes.append(round(ep.lead_minutes or 0.0, 1))
            rep.civil_pairs += fc.civil_pairs
            rep.civil_pairs_warned += fc.civil_pairs_warned
    return rep


def _median(xs: Sequence[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    mid = len(s) // 2
    return float(s[mid]) if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def format_forecast(reports: Sequence[SplitReport]) -> str:
    lines = [f"{'split':10s} {'episodes warned early':>21s} {'median lead':>18s} "
             f"{'civil pairs warned':>18s} {'any alert early':>15s}"]
    totals = [0, 0, 0, 0, 0]
    leads: list[float] = []
    mins: list[float] = []
    for r in reports:
        if not r.episodes and not r.civil_pairs:
            continue
        lead = _median(r.lead_comments)
        lm = _median(r.lead_minutes)
        lead_s = "-" if lead is None else f"{lead:.0f} comments, {lm:.0f} min"
        lines.append(
            f"{r.split:10s} {r.episodes_warned:>14d}/{r.episodes:<6d} {lead_s:>18s} "
            f"{r.civil_pairs_warned:>11d}/{r.civil_pairs:<6d} {r.episodes_alerted:>8d}/{r.episodes:<6d}"
        )
        totals = [totals[0] + r.episodes_warned, totals[1] + r.episodes,
                  totals[2] + r.civil_pairs_warned, totals[3] + r.civil_pairs,
                  totals[4] + r.episodes_alerted]
        leads += r.lead_comments
        mins += r.lead_minutes
    lead = _median(leads)
    lines.append(
        f"{'total':10s} {totals[0]:>14d}/{totals[1]:<6d} "
        f"{'-' if lead is None else f'{lead:.0f} comments, {_median(mins):.0f} min':>18s} "
        f"{totals[2]:>11d}/{totals[3]:<6d} {totals[4]:>8d}/{totals[1]:<6d}"
    )
    lines.append(
        "(any alert early: a warning or an attack alert on the pair before its first labelled"
        " attack)"
    )
    return "\n".join(lines)


def format_reports(
    reports: Sequence[SplitReport], first_look: dict[str, dict[str, float]] | None = None
) -> str:
    first_look = first_look or {}
    lines = [
        f"{'split':10s} {'pairs':>5s} {'P':>5s} {'R':>5s} {'F1':>5s} {'first-look F1':>13s} "
        f"{'civil-you flagged':>17s} {'threads':>7s}  tiers of true positives"
    ]
    for r in reports:
        civil = "-" if r.civil_you_flagged is None else f"{r.civil_you_flagged:.1%}"
        tiers = ", ".join(f"{k} {v}" for k, v in sorted(r.by_tier.items()))
        first = first_look.get(r.split, {}).get("f1")
        first_s = "-" if first is None else f"{first:.2f}"
        prf = (f"{r.precision:5.2f} {r.recall:5.2f} {r.f1:5.2f}" if r.pairs
               else f"{'-':>5s} {'-':>5s} {'-':>5s}")  # threads only: no pair metrics
        lines.append(
            f"{r.split:10s} {r.pairs:5d} {prf} "
            f"{first_s:>13s} {civil:>17s} {r.threads_passed:>3d}/{r.threads:<3d}  {tiers}"
        )
    return "\n".join(lines)


def format_thread_comments(reports: Sequence[SplitReport]) -> str:
    """Per comment of the labelled threads: attacks caught on the right target, on a wrong
    one, and non-attacks flagged (splits without threads are left out)."""
    lines = [f"{'split':10s} {'attacks caught':>16s} {'wrong target':>12s} "
             f"{'non-attacks flagged':>21s}"]
    for r in reports:
        if not r.thread_attacks and not r.thread_non_attacks:
            continue
        caught = f"{r.thread_attacks_caught}/{r.thread_attacks}"
        share = r.thread_non_attacks_flagged / r.thread_non_attacks if r.thread_non_attacks else 0
        flagged = f"{r.thread_non_attacks_flagged}/{r.thread_non_attacks} ({share:.1%})"
        lines.append(f"{r.split:10s} {caught:>16s} {r.thread_attacks_wrong_target:>12d} "
                     f"{flagged:>21s}")
    return "\n".join(lines)
