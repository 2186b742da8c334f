"""Worker settings: FLAMEWATCH_* variables, validated once, errors name the variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from streams.detect.config import DetectConfig
from streams.service.settings import Settings, SettingsError, load_settings


def test_defaults() -> None:
    s = load_settings({})
    assert (s.broker, s.app_id, s.partitions, s.store, s.web_port) == (
        "kafka://127.0.0.1:9092", "flamewatch", 4, "memory://", 6066,
    )
    assert (s.comments_topic, s.alerts_topic, s.dlq_topic) == ("comments", "alerts", "comments.dlq")
    assert s.rekey_topic == "flamewatch-comments-repartition"
    assert s.detect_config() == DetectConfig()


def test_thresholds_map_onto_detect_config() -> None:
    s = load_settings({
        "FLAMEWATCH_ATTACK_THRESHOLD": "0.7",
        "FLAMEWATCH_COOLDOWN_SECONDS": "60",
        "FLAMEWATCH_MAX_COMMENTS": "20",
        "FLAMEWATCH_INACTIVITY_SECONDS": "3600",
    })
    config = s.detect_config()
    assert config.attack_threshold == 0.7
    assert config.cooldown_seconds == 60.0
    assert config.max_comments == 20
    assert config.inactivity_seconds == 3600.0


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAMEWATCH_APP_ID", "from-env")
    monkeypatch.setenv("FLAMEWATCH_PARTITIONS", "8")
    s = load_settings()
    assert (s.app_id, s.partitions) == ("from-env", 8)


def test_explicit_mapping_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLAMEWATCH_PARTITIONS", "not a number")
    assert load_settings({"FLAMEWATCH_PARTITIONS": "2"}).partitions == 2


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"FLAMEWATCH_PARTITIONS": "four"}, "FLAMEWATCH_PARTITIONS"),
        ({"FLAMEWATCH_PARTITIONS": "0"}, "FLAMEWATCH_PARTITIONS"),
        ({"FLAMEWATCH_WEB_PORT": "70000"}, "FLAMEWATCH_WEB_PORT"),
        ({"FLAMEWATCH_STORE": "redis://"}, "FLAMEWATCH_STORE"),
        ({"FLAMEWATCH_BROKER": "http://host:9092"}, "FLAMEWATCH_BROKER"),
        ({"FLAMEWATCH_BROKER": "host-without-port"}, "FLAMEWATCH_BROKER"),
        ({"FLAMEWATCH_APP_ID": "has spaces"}, "FLAMEWATCH_APP_ID"),
        ({"FLAMEWATCH_ATTACK_THRESHOLD": "1.5"}, "FLAMEWATCH_ATTACK_THRESHOLD"),
        ({"FLAMEWATCH_HEAT_THRESHOLD": "hot"}, "FLAMEWATCH_HEAT_THRESHOLD"),
        ({"FLAMEWATCH_MAX_COMMENTS": "1"}, "FLAMEWATCH_MAX_COMMENTS"),
        ({"FLAMEWATCH_INACTIVITY_SECONDS": "0"}, "FLAMEWATCH_INACTIVITY_SECONDS"),
        ({"FLAMEWATCH_BATCH_SIZE": "0"}, "FLAMEWATCH_BATCH_SIZE"),
        ({"FLAMEWATCH_WEB_ENABLED": "perhaps"}, "FLAMEWATCH_WEB_ENABLED"),
        (
            {"FLAMEWATCH_SESSION_TIMEOUT": "7", "FLAMEWATCH_HEARTBEAT_INTERVAL": "7"},
            "FLAMEWATCH_HEARTBEAT_INTERVAL",
        ),
    ],
)
def test_invalid_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(env)
    assert variable in str(info.value)


def test_several_problems_are_all_reported() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"FLAMEWATCH_PARTITIONS": "x", "FLAMEWATCH_WEB_PORT": "-1"})
    assert "FLAMEWATCH_PARTITIONS" in str(info.value)
    assert "FLAMEWATCH_WEB_PORT" in str(info.value)


def test_broker_lists() -> None:
    s = load_settings({"FLAMEWATCH_BROKER": "kafka://a:9092; b:9093"})
    assert s.bootstrap_servers == "a:9092,b:9093"
    assert s.faust_broker == ["kafka://a:9092", "kafka://b:9093"]


def test_settings_are_frozen() -> None:
    s = load_settings({})
    with pytest.raises(ValidationError):
        s.partitions = 2  # type: ignore[misc]
    assert isinstance(s, Settings)


def test_encoder_hand_off_topics_follow_the_comments_topic_unless_named() -> None:
    from streams.service.settings import load_settings

    s = load_settings({"FLAMEWATCH_COMMENTS_TOPIC": "site-a"})
    assert (s.requests_topic, s.opinions_topic) == ("site-a.uncertain", "site-a.opinions")
    s = load_settings({"FLAMEWATCH_COMMENTS_TOPIC": "site-a", "FLAMEWATCH_OPINIONS_TOPIC": "op"})
    assert (s.requests_topic, s.opinions_topic) == ("site-a.uncertain", "op")
    assert load_settings({}).scorer == "rules+fast+encoder"
