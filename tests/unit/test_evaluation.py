"""The issue's acceptance bar, on the project's own labelled data, as regression tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.cli.main import main
from streams.detect import DetectConfig
from streams.evaluation.pairs import evaluate_pairs, load_pairs, metrics
from streams.evaluation.threads import evaluate_thread, load_thread

DATA = Path(__file__).resolve().parents[2] / "streams" / "evaluation" / "data"
CFG = DetectConfig()


def test_personal_attack_f1_on_the_tuning_pairs_is_at_least_0_90() -> None:
    pairs = load_pairs(DATA / "pairs.jsonl")
    assert len(pairs) >= 200
    m = metrics((r.expected, r.predicted) for r in evaluate_pairs(pairs, CFG))
    assert m.f1 >= 0.90, m


@pytest.mark.parametrize(
    "name", sorted(p.name.removesuffix(".jsonl") for p in (DATA / "threads").glob("*.jsonl"))
)
def test_every_labelled_thread_gets_its_expected_alerts(name: str) -> None:
    result = evaluate_thread(load_thread(DATA / "threads" / f"{name}.jsonl"), CFG)
    missing = [
        (e.severity, e.by_comment_id) for e, a in result.matched if a is None and not e.optional
    ]
    assert result.passed, (missing, [(a.severity, a.trigger_comment_id) for a in result.alerts])


def test_civil_and_outsider_threads_raise_nothing() -> None:
    for name in ("civil_policy_argument", "outsider_hostility", "hard_negatives_mix"):
        result = evaluate_thread(load_thread(DATA / "threads" / f"{name}.jsonl"), CFG)
        assert result.alerts == [], name


def test_flattened_flame_war_escalates_by_the_fourth_hostile_turn() -> None:
    case = load_thread(DATA / "threads" / "flattened_flame_war.jsonl")
    result = evaluate_thread(case, CFG)
    order = [e.comment_id for e in case.events]
    escalation = next(a for a in result.alerts if a.severity == "escalation")
    assert order.index(escalation.trigger_comment_id) <= order.index("c-112")
    first_attack = next(a for a in result.alerts if a.severity == "personal_attack")
    assert (first_attack.offender_author_id, first_attack.target_author_id) == ("u-42", "u-77")


def test_eval_command_prints_metrics_and_thread_verdicts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["eval", "--split", "tuning"]) == 0
    out = capsys.readouterr().out
    assert "personal attack: precision" in out and "F1" in out
    assert "== thread flattened_flame_war: PASS" in out


def test_thread_comments_are_counted_by_target() -> None:
    """Per comment of a thread: an attack counts as caught only on its labelled target."""
    from streams.evaluation.report import SplitReport

    case = load_thread(DATA / "threads" / "flattened_flame_war.jsonl")
    result = evaluate_thread(case, CFG)
    right = SplitReport("right")
    right.count_comments(result.comment_truth)
    assert right.thread_attacks == len(case.attack_comments)
    assert right.thread_attacks_caught == right.thread_attacks  # this thread passes in full
    assert right.thread_non_attacks == len(result.comment_truth) - right.thread_attacks
    # the same predictions against labels that name someone else as the target
    relabelled = [(None if t is None else "u-somebody-else", p) for t, p in result.comment_truth]
    wrong = SplitReport("wrong")
    wrong.count_comments(relabelled)
    assert (wrong.thread_attacks_caught, wrong.thread_attacks_wrong_target) == (
        0, right.thread_attacks)


def test_a_thread_only_split_prints_no_pair_metrics() -> None:
    from streams.evaluation.report import SplitReport, format_reports

    line = format_reports([SplitReport("threads-only", threads=3, threads_passed=1)]).splitlines()[1]
    assert "0.00" not in line and line.split()[2:5] == ["-", "-", "-"] and "1/3" in line
