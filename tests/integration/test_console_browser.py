"""The moderator console end to end: real broker, real worker, console subprocess, headless
Chromium (Debian's chromium + chromium-driver through selenium)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from streams.brokers import RunningBroker
from tests.integration.browser import chromium, find_chromium
from tests.integration.console_support import ConsoleProcess, free_port, raw_request
from tests.integration.service_support import (
    SAMPLE,
    Deployment,
    _rename,
    read_all,
    wait_until,
    write_jsonl,
)

pytestmark = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="needs chromium + chromium-driver (apt-get install chromium chromium-driver)")

TOKEN = "it-console-token-" + "x" * 12
SHOTS = os.environ.get("FLAMEWATCH_SCREENSHOTS")  # a folder: save docs screenshots there
XSS_NAME = "<script>window.__xss='name'</script>Bob"
XSS_TARGET = "<img src=x onerror=\"window.__xss='img'\">Mallory"
XSS_TEXT = "Grow up, you absolute idiot. <script>window.__xss='text'</script> Nobody asked you."


@dataclass
class Stack:
    deployment: Deployment
    console: ConsoleProcess
    worker_port: int
    feedback_topic: str
    workdir: Path

    @property
    def url(self) -> str:
        return self.console.url


@pytest.fixture(scope="module")
def stack(broker: RunningBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("console")
    dep = Deployment(broker, workdir, partitions=2)
    worker_port = free_port()
    dep.extra_env = {"FLAMEWATCH_WEB_ENABLED": "true", "FLAMEWATCH_WEB_PORT": str(worker_port)}
    feedback = f"it-{dep.run_id}-feedback"
    env = {**dep.env,
           "FLAMEWATCH_CONSOLE_TOKEN": TOKEN,
           "FLAMEWATCH_CONSOLE_DB": str(workdir / "console.sqlite3"),
           "FLAMEWATCH_CONSOLE_PORT": str(free_port()),
           "FLAMEWATCH_CONSOLE_GROUP": f"it-{dep.run_id}-console",
           "FLAMEWATCH_CONSOLE_FEEDBACK_TOPIC": feedback}
    console = ConsoleProcess(env, workdir / "console.log")
    try:
        dep.create_topics()
        worker = dep.start_worker()
        console.start()
        dep.wait_for_assignment([worker])
        yield Stack(dep, console, worker_port, feedback, workdir)
    finally:
        console.stop()
        dep.kill_all()


@pytest.fixture(scope="module")
def driver(stack: Stack) -> Iterator[Any]:
    with chromium((1400, 900)) as d:
        login(d, stack.url)
        yield d


def login(d: Any, url: str) -> None:
    from selenium.webdriver.common.by import By

    d.get(url + "/")
    assert "/login" in d.current_url
    d.find_element(By.NAME, "moderator").send_keys("Anna (tests)")
    d.find_element(By.NAME, "secret").send_keys(TOKEN)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(lambda: d.current_url.rstrip("/") == url, 10, "the queue after login")


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    wait_until(predicate, timeout, what, lambda: "")


def rows(d: Any) -> list[dict[str, Any]]:
    return list(d.execute_script(
        "return Array.from(document.querySelectorAll('tr.alert-row')).map(r => ({"
        "id: r.dataset.alertId, shown: r.dataset.shownAt, detected: r.dataset.detected,"
        "severity: r.querySelector('.sev').textContent, thread: r.querySelector('.where a')"
        ".textContent, who: r.querySelector('.who').textContent}))"))


def text(d: Any, css: str) -> str:
    """textContent of the first match, read in one go (no stale element between calls)."""
    return str(d.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css))


def feedback_records(stack: Stack) -> list[dict[str, Any]]:
    records = asyncio.run(read_all(stack.deployment.broker.bootstrap, stack.feedback_topic))
    return [orjson.loads(r.value) for r in records]


def offline_sample_alerts() -> list[Any]:
    """What the worker will say about the sample thread (the same core, offline)."""
    from schemas import DecodeError, decode_comment
    from streams.detect import DetectConfig, Detector

    detector = Detector(DetectConfig())
    alerts = []
    for line in SAMPLE.read_bytes().splitlines():
        event = decode_comment(line)
        assert not isinstance(event, DecodeError)
        alerts += detector.process(event)
    return alerts


def expected_sample_alerts() -> int:
    return len(offline_sample_alerts())


def sample_comments() -> dict[str, dict[str, Any]]:
    return {d["comment_id"]: d for d in map(orjson.loads, SAMPLE.read_bytes().splitlines())}


def name_of(author_id: str | None) -> str:
    for doc in sample_comments().values():
        if doc["author_id"] == author_id:
            return str(doc.get("author_name") or author_id)
    return str(author_id)


# --- tests, in the order a moderator meets them --------------------------------------------
def test_every_page_needs_a_login(stack: Stack) -> None:
    pages = ["/", "/stats", "/communities", "/alerts/abc", "/threads/t-1", "/api/alerts",
             "/events", "/static/console.js", "/nothing-here"]
    for path in pages:
        status, headers, _ = raw_request(stack.url + path, headers={"Accept": "text/html"})
        assert status == 302 and headers["Location"].startswith("/login"), (path, status)
        status, _, _ = raw_request(stack.url + path)  # an API client, not a browser
        assert status == 401, (path, status)
        status, _, _ = raw_request(stack.url + path, headers={"Cookie": "fw_session=forged"})
        assert status == 401, (path, status)
    for path in ["/alerts/abc/decision", "/communities", "/logout"]:
        status, _, _ = raw_request(stack.url + path, "POST", b"decision=confirm",
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 401, (path, status)
    for path in ["/healthz", "/readyz", "/metrics"]:
        assert raw_request(stack.url + path)[0] == 200, path
    # A logged-in session still needs the CSRF token for any action.
    status, headers, _ = raw_request(
        stack.url + "/login", "POST", f"secret={TOKEN}&moderator=m".encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    sid = cookie.split(";", 1)[0]
    assert raw_request(stack.url + "/", headers={"Cookie": sid})[0] == 200
    status, _, _ = raw_request(stack.url + "/alerts/abc/decision", "POST", b"decision=confirm",
                               {"Content-Type": "application/x-www-form-urlencoded",
                                "Cookie": sid})
    assert status == 403
    status, _, _ = raw_request(stack.url + "/login", "POST", b"secret=wrong-token-123456",
                               {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401


def test_a_replayed_alert_appears_in_the_open_queue_within_2s(stack: Stack, driver: Any) -> None:
    driver.get(stack.url + "/")
    wait_for(lambda: driver.execute_script(
        "return document.getElementById('live').textContent.includes('live')"), 10, "SSE")
    time.sleep(0.5)
    driver.execute_script("window.__sameDocument = 42")
    expected = expected_sample_alerts()
    assert expected >= 2
    stack.deployment.replay(SAMPLE)
    wait_for(lambda: len(rows(driver)) >= expected, 90, f"{expected} live rows")
    assert driver.execute_script("return window.__sameDocument") == 42, "the page was reloaded"
    found = rows(driver)
    assert len(found) == expected
    for row in found:
        assert row["shown"], "row not added by the live update"
        delay = int(row["shown"]) / 1000.0 - float(row["detected"])
        print(f"{row['severity']}: on screen {delay * 1000:.0f} ms after the worker published")
        assert delay < 2.0


def _open_alert(driver: Any, stack: Stack, alert: Any) -> str:
    """From the queue filtered by the alert's severity, open the alert."""
    driver.get(stack.url + "/?severity=" + alert.severity)
    ids = [r["id"] for r in rows(driver) if r["thread"] == "harbour-road-cycle-lane"]
    assert alert.alert_id in ids
    driver.get(f"{stack.url}/alerts/{alert.alert_id}")
    return str(alert.alert_id)


def test_the_alert_page_highlights_the_spans_that_fired(stack: Stack, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    from streams.console.spans import find_spans, quoted_words

    for alert in offline_sample_alerts():
        _open_alert(driver, stack, alert)
        [score] = [c for c in alert.comments if c.comment_id == alert.trigger_comment_id]
        text = sample_comments()[alert.trigger_comment_id]["text"]
        spans = find_spans(text, quoted_words(score.reasons))
        assert spans, "the sample's trigger comments quote the words that fired"
        marks = [m.text for m in
                 driver.find_elements(By.CSS_SELECTOR, "article.trigger mark.span")]
        assert marks == [text[a:b] for a, b in spans]
        trigger = driver.find_element(By.CSS_SELECTOR, "article.trigger")
        assert f"attack {score.attack:.2f}" in trigger.text
        assert all(reason in trigger.text for reason in score.reasons)
        head = driver.find_element(By.CSS_SELECTOR, ".alert-head").text
        names = f"{name_of(alert.offender_author_id)} → {name_of(alert.target_author_id)}"
        assert names in head and (alert.tier or "rules") in head
        assert len(driver.find_elements(By.CSS_SELECTOR, "article.comment")) == len(alert.chain)


def test_confirm_publishes_exactly_one_feedback_record(stack: Stack, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    [escalation] = [a for a in offline_sample_alerts() if a.severity == "escalation"]
    alert_id = _open_alert(driver, stack, escalation)
    driver.find_element(By.ID, "confirm").click()
    wait_for(lambda: "confirmed" in text(driver, "#status"), 10, "confirmed")
    driver.execute_script("window.__before = 1")
    driver.find_element(By.ID, "confirm").click()  # the same decision again
    wait_for(lambda: driver.execute_script("return window.__before") is None
             and "confirmed" in text(driver, "#status"), 10, "the page after a second confirm")
    status = driver.execute_async_script(  # and a resubmitted form, straight from the page
        "const done = arguments[0]; const body = new URLSearchParams({decision: 'confirm',"
        " csrf: document.querySelector('input[name=csrf]').value});"
        f"fetch('/alerts/{alert_id}/decision', {{method: 'POST', body,"
        " headers: {Accept: 'application/json'}}).then(r => r.json()).then(done);")
    assert status["created"] is False and status["status"] == "confirmed"

    def mine() -> list[dict[str, Any]]:
        return [r for r in feedback_records(stack) if r["alert_id"] == alert_id]

    wait_for(lambda: len(mine()) >= 1, 20, "the feedback record")
    time.sleep(2.0)  # anything extra would have been published by now
    [record] = mine()
    assert record["decision"] == "confirm" and record["schema_version"] == 1
    assert record["moderator"] == "Anna (tests)"
    assert record["pair"]["label"] == "attack"
    trigger = sample_comments()[escalation.trigger_comment_id]
    assert record["pair"]["reply_text"] == trigger["text"]
    from schemas.feedback import Feedback

    Feedback.model_validate(record)
    from streams.console.feedback_export import load_feedback_pairs

    pairs = load_feedback_pairs(stack.workdir / "console.sqlite3")
    assert [p["alert_id"] for p in pairs] == [alert_id]
    assert pairs[0]["label"] == "attack"
    assert pairs[0]["reply_author"] == name_of(escalation.offender_author_id)


def test_script_payloads_in_comments_and_names_render_as_text(stack: Stack, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    lines = [
        {"comment_id": "xss:c1", "thread_id": "xss-thread", "author_id": "u_mallory",
         "author_name": XSS_TARGET, "community": "town",
         "text": "Bins are collected on Tuesdays now. <b>bold</b> claim, I know.",
         "created_at": "2025-03-14T08:00:00Z"},
        {"comment_id": "xss:c2", "thread_id": "xss-thread", "parent_id": "xss:c1",
         "author_id": "u_bob", "author_name": XSS_NAME, "community": "town",
         "text": XSS_TEXT, "created_at": "2025-03-14T08:05:00Z"},
    ]
    driver.get(stack.url + "/")
    if SHOTS:  # the queue after the sample thread, one alert confirmed
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / "console-queue.png"))
    stack.deployment.replay(write_jsonl(stack.workdir / "xss.jsonl", lines))
    wait_for(lambda: any(r["thread"] == "xss-thread" for r in rows(driver)), 60, "xss alert")
    [row] = [r for r in rows(driver) if r["thread"] == "xss-thread"]
    assert XSS_NAME in row["who"] and XSS_TARGET in row["who"]  # live row: as text
    for page in ["/", f"/alerts/{row['id']}", "/threads/xss-thread", "/stats"]:
        driver.get(stack.url + page)
        assert driver.execute_script("return window.__xss") is None, page
        scripts = driver.find_elements(By.TAG_NAME, "script")
        assert all((s.get_attribute("src") or "").split("?")[0].endswith("/static/console.js")
                   for s in scripts), page
        assert not driver.find_elements(By.CSS_SELECTOR, "img"), page
        body = driver.find_element(By.TAG_NAME, "body").text
        if page != "/stats":
            assert "<script>window.__xss=" in body, page
    driver.get(f"{stack.url}/alerts/{row['id']}")
    text = driver.find_element(By.CSS_SELECTOR, "article.trigger p.text").text
    assert text == XSS_TEXT
    marks = [m.text for m in driver.find_elements(By.CSS_SELECTOR, "article.trigger mark.span")]
    assert "Grow up" in marks and "idiot" in " ".join(marks)


def test_the_thread_page_draws_the_reply_graph(stack: Stack, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(stack.url + "/threads/harbour-road-cycle-lane")
    nodes = driver.find_elements(By.CSS_SELECTOR, "svg.graph g.node")
    assert len(nodes) == len(SAMPLE.read_bytes().splitlines())
    assert driver.find_elements(By.CSS_SELECTOR, "svg.graph path.edge.inferred")
    assert driver.find_elements(By.CSS_SELECTOR, "svg.graph path.edge:not(.inferred)")
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.heat g.alert-marker")) == \
        expected_sample_alerts()
    if SHOTS:
        driver.save_screenshot(str(Path(SHOTS) / "console-thread.png"))


def test_metrics_parse_on_worker_and_console(stack: Stack) -> None:
    def families(url: str) -> dict[str, Any]:
        status, headers, body = raw_request(url)
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        return {f.name: f for f in text_string_to_metric_families(body.decode())}

    worker = families(f"http://127.0.0.1:{stack.worker_port}/metrics")
    for name in ("flamewatch_comments_processed", "flamewatch_alerts", "flamewatch_dead_letters",
                 "flamewatch_batch_duration_seconds", "flamewatch_consumer_lag",
                 "flamewatch_active_threads", "flamewatch_state_bytes"):
        assert name in worker, name
    processed = worker["flamewatch_comments_processed"].samples[0].value
    assert processed >= len(SAMPLE.read_bytes().splitlines())
    alerts = {s.labels["severity"]: s.value for s in worker["flamewatch_alerts"].samples
              if s.name.endswith("_total")}
    for alert in offline_sample_alerts():
        assert alerts[alert.severity] >= 1
    assert worker["flamewatch_active_threads"].samples[0].value >= 1
    console = families(stack.url + "/metrics")
    ingested = {s.labels["severity"]: s.value
                for s in console["flamewatch_console_alerts_ingested"].samples
                if s.name.endswith("_total")}
    assert sum(ingested.values()) >= expected_sample_alerts()
    assert console["flamewatch_console_feedback_published"].samples[0].value >= 1
    for port_url in (f"http://127.0.0.1:{stack.worker_port}", stack.url):
        assert raw_request(port_url + "/healthz")[0] == 200
        status, _, body = raw_request(port_url + "/readyz")
        assert status == 200 and json.loads(body)["ready"] is True


def test_the_console_resumes_after_a_restart(stack: Stack, driver: Any) -> None:
    before = api_alerts(driver, stack)
    stack.console.stop()
    copy = [_rename(line, 7) for line in SAMPLE.read_bytes().splitlines() if line.strip()]
    stack.deployment.replay(write_jsonl(stack.workdir / "copy.jsonl", copy))
    stack.console.start()
    login(driver, stack.url)  # sessions live in memory: a restart logs out
    wait_for(lambda: len(api_alerts(driver, stack)) >= len(before) + expected_sample_alerts(),
             60, "the alerts produced while the console was down")
    after = api_alerts(driver, stack)
    ids = [a["alert_id"] for a in after]
    assert len(ids) == len(set(ids)) == len(before) + expected_sample_alerts()
    confirmed = [a for a in after if a["status"] == "confirmed"]
    assert len(confirmed) == 1  # decisions survive too


def api_alerts(driver: Any, stack: Stack) -> list[dict[str, Any]]:
    data = driver.execute_async_script(
        "const done = arguments[0]; fetch('/api/alerts?suppressed=1').then(r => r.json())"
        ".then(done);")
    return list(data["alerts"])
