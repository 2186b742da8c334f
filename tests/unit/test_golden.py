"""Every labelled comment scores as recorded in tests/golden/rule_outcomes.jsonl.

A rule change that flips an outcome fails here with a readable diff. When the change is
deliberate, regenerate with `python -m streams.evaluation.golden --write` and list each flip
in the commit message.
"""

from __future__ import annotations

from streams.evaluation import golden


def test_rule_outcomes_match_the_golden_record() -> None:
    differences, _ = golden.diff(golden.load(), golden.current())
    assert not differences, (
        f"{len(differences)} rule outcomes changed "
        "(regenerate deliberately with `python -m streams.evaluation.golden --write`):\n"
        + "\n".join(differences[:60])
    )
