"""Console settings from `FLAMEWATCH_CONSOLE_*` variables, read once at the entry point.

The broker and topic names come from the worker's settings (`FLAMEWATCH_BROKER`,
`FLAMEWATCH_ALERTS_TOPIC`, `FLAMEWATCH_COMMENTS_TOPIC`), so one environment file serves both.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.service.settings import SettingsError

CONSOLE_PREFIX = "FLAMEWATCH_CONSOLE_"
TopicName = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")]


def console_env(field: str) -> str:
    return CONSOLE_PREFIX + field.upper()


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=CONSOLE_PREFIX, case_sensitive=False, extra="ignore", frozen=True
    )

    db: Path = Path("flamewatch-console.sqlite3")
    """SQLite database file (created, and migrated, at start)."""
    retention_days: Annotated[float, Field(gt=0)] = 30.0
    """Alerts and comments older than this (by arrival) are deleted; decisions are kept."""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 6067
    token: str | None = None
    """Login token (kept in memory only as a hash). Set this or password_hash."""
    password_hash: str | None = None
    """`scrypt$...` from `flamewatch console --hash-password`."""
    login_once: str | None = None
    """A one-time login link secret (`/login/once/<secret>`), used by the demo."""
    group: TopicName = "flamewatch-console"
    """Consumer group of the console's ingest (it resumes from its committed offsets)."""
    feedback_topic: TopicName = "feedback"
    communities: Path | None = None
    """TOML file with per-community thresholds and exemptions (see README)."""
    session_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 12.0
    max_body_bytes: Annotated[int, Field(ge=1024, le=1024 * 1024)] = 16 * 1024
    secure_cookie: bool = False
    """Mark the session cookie Secure (set when the console is served over HTTPS)."""

    @field_validator("token", "password_hash", "login_once", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @field_validator("password_hash")
    @classmethod
    def _hash_format(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("scrypt$"):
            raise ValueError("must be a scrypt$... hash from `flamewatch console --hash-password`")
        return value

    @property
    def has_login(self) -> bool:
        return bool(self.token or self.password_hash)


class _Isolated(ConsoleSettings):
    @classmethod
    def settings_customise_sources(
        cls, settings_cls: Any, init_settings: Any, *args: Any, **kwargs: Any
    ) -> tuple[Any, ...]:
        return (init_settings,)


def load_console_settings(env: Mapping[str, str] | None = None) -> ConsoleSettings:
    """From the process environment (or `env`); SettingsError names the variables at fault."""
    try:
        if env is None:
            return ConsoleSettings()
        values: dict[str, Any] = {
            k[len(CONSOLE_PREFIX):].lower(): v
            for k, v in env.items()
            if k.upper().startswith(CONSOLE_PREFIX)
        }
        return _Isolated(**values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            lines.append(f"{console_env(loc[0])}: {msg}" if loc else msg)
        raise SettingsError("invalid console settings:\n  " + "\n  ".join(lines)) from None
