"""Worker settings from `FLAMEWATCH_*` environment variables, read once at the entry point.

`load_settings()` is the only place that looks at the environment; everything below it takes
the resulting `Settings` (and the `DetectConfig` it derives) as plain objects.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.detect.config import DetectConfig
from streams.detect.tiers import TierConfig, TieredScorer, make_scorer

ENV_PREFIX = "FLAMEWATCH_"

PositiveSeconds = Annotated[float, Field(gt=0)]

# Settings fields that map 1:1 onto DetectConfig fields (same name).
DETECT_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DetectConfig))


class SettingsError(ValueError):
    """Invalid configuration; the message names the environment variable(s) at fault."""


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


_DEFAULTS = DetectConfig()


class Settings(BaseSettings):
    """Everything a worker (and the replay/alerts/demo commands) needs to know."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        case_sensitive=False,
        extra="ignore",
        frozen=True,
    )

    # --- Kafka / Faust ---------------------------------------------------------------
    broker: str = "kafka://127.0.0.1:9092"
    """One or more `kafka://host:port` URLs separated by `;` (or plain `host:port`);
    `kafka+ssl://host:port` connects with TLS (all URLs must use the same scheme)."""
    ssl_cafile: Path | None = None
    """PEM file of the CA(s) that signed the brokers' certificates (default: the system's)."""
    ssl_certfile: Path | None = None
    """PEM client certificate (chain), for brokers that require TLS client authentication."""
    ssl_keyfile: Path | None = None
    """PEM private key of `ssl_certfile` (may be inside `ssl_certfile` instead)."""
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = True
    """Check that the broker's certificate names the host connected to."""
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    """SASL authentication (with `sasl_username` / `sasl_password`); None = no SASL."""
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    app_id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")] = (
        "flamewatch"
    )
    """Faust app id; also the consumer group and the prefix of internal topics."""
    comments_topic: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")] = "comments"
    alerts_topic: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")] = "alerts"
    dlq_topic: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")] = "comments.dlq"
    requests_topic: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")] = (
        "comments.uncertain"
    )
    """Comments the fast tiers are unsure of, for the encoder stage (rules+fast+encoder).
    Default: `<comments topic>.uncertain`."""
    opinions_topic: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")] = (
        "comments.opinions"
    )
    """The encoder stage's second opinions, keyed by thread, read by the worker.
    Default: `<comments topic>.opinions` (co-partitioned with the comments)."""
    encoder_head_path: Path | None = None
    """An encoder head from `flamewatch train --encoder --encoder-out` (default: shipped)."""
    uncertain_low: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1
    uncertain_high: Annotated[float, Field(ge=0.0, le=1.0)] = 0.85
    """The fast tier's probabilities in [low, high) are asked for a second opinion."""
    rules_veto: Annotated[float, Field(ge=0.0, le=1.0)] = 0.15
    """Rules that fire are overruled when the fast tier's probability is below this (0: off)."""
    encoder_batch_size: Annotated[int, Field(ge=1, le=4096)] = 8
    encoder_batch_window: PositiveSeconds = 0.05
    partitions: Annotated[int, Field(ge=1, le=10_000)] = 4
    """Partitions of the comments topic, its rekey topic and the state changelog."""
    replication_factor: Annotated[int, Field(ge=1, le=16)] = 1
    store: str = "memory://"
    """Table store: `memory://` or `rocksdb://` (needs the rocksdict extra)."""
    data_dir: Path | None = None
    """Faust data directory (defaults to `<app_id>-data` in the working directory)."""
    web_enabled: bool = True
    web_port: Annotated[int, Field(ge=1, le=65535)] = 6066
    """Worker web port (1-65535; 0 would let Faust pick nothing usable)."""
    web_host: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9.:_-]+$")] = "127.0.0.1"
    web_token: SecretStr | None = None
    """Bearer token for the worker's web views (all but /healthz, /readyz and /metrics, which
    are open). Unset: those views answer 403. At least 16 characters."""
    session_timeout: Annotated[float, Field(ge=6, le=1800)] = 30.0
    """Consumer group session timeout; Kafka's default group.min/max.session.timeout.ms
    accept 6-1800 s."""
    heartbeat_interval: PositiveSeconds = 3.0
    batch_size: Annotated[int, Field(ge=1, le=100_000)] = 1000
    """Most events handled as one batch (one new state per thread per batch)."""
    batch_window: Annotated[float, Field(ge=0, le=10)] = 0.01
    """After the first event of a batch, how long (seconds) to wait for more before handling
    what has arrived (0: no wait). Bounds the latency batching adds."""
    flush_interval: PositiveSeconds = 0.25
    """Longest time (seconds) between bulk writes of changed thread states to the changelog.
    Offsets are committed only up to the oldest change not written yet, so a longer interval
    means fewer writes and more comments re-processed after a crash."""
    fetch_max_wait: Annotated[float, Field(gt=0, le=30)] = 0.05
    """Longest time (seconds) the broker may hold a fetch request open when it has no new
    records for the partitions in it (Faust's default is 1.5 s; see docs/PERFORMANCE.md)."""
    expiry_interval: PositiveSeconds = 60.0
    """How often (wall-clock seconds) idle threads are looked for."""
    stats_interval: Annotated[float, Field(ge=0)] = 30.0
    """Seconds between stats log lines (0 = never)."""
    max_future_seconds: Annotated[float, Field(ge=0, le=7 * 86400)] = 300.0
    """A comment dated more than this after its record's broker timestamp is dead-lettered
    (`future_timestamp`); also the most the watermark may run ahead of the wall clock."""
    dlq_max_value_bytes: Annotated[int, Field(ge=0, le=512 * 1024)] = 256 * 1024
    """Bytes of the rejected value kept in a dead letter (its full length is recorded)."""
    dlq_max_key_bytes: Annotated[int, Field(ge=0, le=64 * 1024)] = 1024
    """Bytes of the rejected key kept in a dead letter (as its key and in `key_b64`)."""
    max_request_bytes: Annotated[int, Field(ge=64 * 1024, le=64 * 1024 * 1024)] = 1_000_000
    """The producer's max request size; every record the worker produces is kept below it."""
    state_cache_bytes: Annotated[int, Field(ge=0, le=4 * 1024**3)] = 64 * 1024 * 1024
    """Memory for decoded thread states kept between batches (estimated; 0 = no cache)."""
    stuck_seconds: Annotated[float, Field(gt=0, le=86400)] = 120.0
    """/readyz reports the consumer stuck when records wait and no batch finished this long."""

    # --- detection tiers -------------------------------------------------------------
    scorer: Literal["rules", "rules+fast", "rules+fast+encoder"] = "rules+fast+encoder"
    """Scoring tiers: rules only, rules + the fast learned tier, or both plus the encoder's
    second opinions on comments the fast tier is unsure of (default; the worker needs a
    `flamewatch encoder` stage running for those, offline commands ask it in line)."""
    model_path: Path | None = None
    """A fast-tier model file from `flamewatch train --out` (default: the shipped one)."""

    # --- detection thresholds (DetectConfig) --------------------------------------------
    attack_threshold: float = _DEFAULTS.attack_threshold
    heat_threshold: float = _DEFAULTS.heat_threshold
    heated_min_turns: int = _DEFAULTS.heated_min_turns
    warning_threshold: float = _DEFAULTS.warning_threshold
    escalation_repeat: int = _DEFAULTS.escalation_repeat
    cooldown_seconds: float = _DEFAULTS.cooldown_seconds
    max_comments: int = _DEFAULTS.max_comments
    max_participants: int = _DEFAULTS.max_participants
    inactivity_seconds: float = _DEFAULTS.inactivity_seconds
    chain_length: int = _DEFAULTS.chain_length
    max_scored_chars: int = _DEFAULTS.max_scored_chars
    opinion_timeout: Annotated[float, Field(gt=0.0)] = (
        _DEFAULTS.opinion_timeout_seconds
    )
    """Seconds of event time a comment waits for its second opinion (rules+fast+encoder)."""

    @field_validator("broker")
    @classmethod
    def _check_broker(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(";") if p.strip()]
        if not parts:
            raise ValueError("no broker address")
        for part in parts:
            hostport = part.split("://", 1)[1] if "://" in part else part
            if "://" in part and not part.startswith(("kafka://", "kafka+ssl://")):
                raise ValueError(f"{part!r}: only kafka:// and kafka+ssl:// URLs are supported")
            host, sep, port = hostport.rstrip("/").rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"{part!r} is not host:port")
        schemes = {p.split("://", 1)[0] if "://" in p else "kafka" for p in parts}
        if len(schemes) > 1:
            raise ValueError("mix of kafka:// and kafka+ssl:// URLs; use one scheme for all")
        return ";".join(parts)

    @field_validator("model_path", "encoder_head_path")
    @classmethod
    def _check_model_path(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value}: no such model file")
        return value

    @field_validator("web_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @field_validator("store")
    @classmethod
    def _check_store(cls, value: str) -> str:
        if value.split("://", 1)[0] not in ("memory", "rocksdb") or "://" not in value:
            raise ValueError("must be memory:// or rocksdb://")
        return value

    @model_validator(mode="before")
    @classmethod
    def _hand_off_topics(cls, data: Any) -> Any:
        """The encoder hand-off topics follow the comments topic unless named."""
        if isinstance(data, dict):
            comments = data.get("comments_topic") or "comments"
            data.setdefault("requests_topic", f"{comments}.uncertain")
            data.setdefault("opinions_topic", f"{comments}.opinions")
        return data

    @model_validator(mode="after")
    def _check_detect(self) -> Settings:
        try:
            self.detect_config()
        except ValueError as exc:
            raise ValueError(_name_env_vars(str(exc))) from None
        if self.uncertain_low > self.uncertain_high:
            raise ValueError(
                f"{env_name('uncertain_low')} must not be above {env_name('uncertain_high')}"
            )
        if self.heartbeat_interval >= self.session_timeout:
            raise ValueError(
                f"{env_name('heartbeat_interval')} must be lower than {env_name('session_timeout')}"
            )
        problems = []
        if self.sasl_mechanism is not None and not (self.sasl_username and self.sasl_password):
            problems.append(f"{env_name('sasl_mechanism')} needs {env_name('sasl_username')} "
                            f"and {env_name('sasl_password')}")
        if self.sasl_mechanism is None and (self.sasl_username or self.sasl_password):
            problems.append(f"{env_name('sasl_username')}/{env_name('sasl_password')} given "
                            f"without {env_name('sasl_mechanism')} (PLAIN, SCRAM-SHA-256 or "
                            "SCRAM-SHA-512)")
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                problems.append(f"{env_name(name)}: no such file {str(path)!r}")
        if self.ssl_keyfile is not None and self.ssl_certfile is None:
            problems.append(f"{env_name('ssl_keyfile')} needs {env_name('ssl_certfile')}")
        if not self.uses_tls and any(
            getattr(self, n) is not None for n in ("ssl_cafile", "ssl_certfile", "ssl_keyfile")
        ):
            problems.append(f"{env_name('ssl_cafile')}/_CERTFILE/_KEYFILE are set but "
                            f"{env_name('broker')} is not a kafka+ssl:// URL")
        # A dead letter carries its key twice (as key and base64) and its value once (base64),
        # plus up to ~4 KB of detail and metadata: it must fit a producer request.
        dead_letter = self.dlq_max_key_bytes * (1 + 4 / 3) + self.dlq_max_value_bytes * 4 / 3
        if dead_letter + 8192 > self.max_request_bytes:
            problems.append(
                f"{env_name('dlq_max_value_bytes')}/{env_name('dlq_max_key_bytes')} too large "
                f"for {env_name('max_request_bytes')}={self.max_request_bytes}: a dead letter "
                f"could take {int(dead_letter) + 8192} bytes"
            )
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    # --- derived values --------------------------------------------------------------
    def detect_config(self) -> DetectConfig:
        fields = type(self).model_fields
        values = {n: getattr(self, n) for n in DETECT_FIELDS if n in fields}
        values["opinion_timeout_seconds"] = self.opinion_timeout
        return DetectConfig(**values)

    @property
    def uses_encoder(self) -> bool:
        return self.scorer == "rules+fast+encoder"

    def tiered_scorer(self, *, inline_encoder: bool = False) -> TieredScorer:
        """The scorer the settings ask for. The worker leaves the encoder to its own stage;
        offline commands ask it in line (`inline_encoder`)."""
        return make_scorer(
            self.scorer,
            self.model_path,
            inline_encoder=inline_encoder,
            encoder_head=self.encoder_head_path,
            config=TierConfig(
                uncertain_low=self.uncertain_low,
                uncertain_high=self.uncertain_high,
                rules_veto=self.rules_veto,
            ),
        )

    @property
    def bootstrap_servers(self) -> str:
        """The broker list as aiokafka wants it: `host:port,host:port`."""
        return ",".join(p.split("://", 1)[-1].rstrip("/") for p in self.broker.split(";"))

    @property
    def faust_broker(self) -> list[str]:
        """Faust's broker URLs (always kafka://; TLS and SASL go in its credentials)."""
        return [f"kafka://{p.split('://', 1)[-1]}" for p in self.broker.split(";")]

    @property
    def uses_tls(self) -> bool:
        return self.broker.startswith("kafka+ssl://")

    @property
    def security_protocol(self) -> str:
        """PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (from the URL scheme and SASL)."""
        if self.sasl_mechanism is not None:
            return "SASL_SSL" if self.uses_tls else "SASL_PLAINTEXT"
        return "SSL" if self.uses_tls else "PLAINTEXT"

    @property
    def rekey_topic(self) -> str:
        """Internal topic where comments keyed by something else than their thread go."""
        return f"{self.app_id}-{self.comments_topic}-repartition"


def _name_env_vars(message: str) -> str:
    """Rewrite DetectConfig field names in a message into their env variable names."""
    for name in sorted(DETECT_FIELDS, key=len, reverse=True):
        message = re.sub(rf"(?<![A-Za-z_]){name}(?![A-Za-z_])", env_name(name), message)
    return message


def load_settings(
    env: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Read settings from `env` (default: the process environment) or fail with SettingsError.

    The error message has one line per problem, each starting with the variable name.
    """
    try:
        if env is None:
            return Settings(**overrides)
        values: dict[str, Any] = {
            k[len(ENV_PREFIX) :].lower(): v
            for k, v in env.items()
            if k.upper().startswith(ENV_PREFIX)
        }
        values.update(overrides)
        # Bypass the process environment: validate exactly what we were given.
        return _IsolatedSettings(**values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


class _IsolatedSettings(Settings):
    """Settings that ignore the process environment (for an explicit `env` mapping)."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: Any, init_settings: Any, *args: Any, **kwargs: Any
    ) -> tuple[Any, ...]:
        return (init_settings,)


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "__root__"]
        msg = str(err.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        if loc:
            given = err.get("input")
            shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
            lines.append(f"{env_name(loc[0])}: {msg}{shown}")
        else:
            lines.append(msg)
    return "invalid settings:\n  " + "\n  ".join(lines)
