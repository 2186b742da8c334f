"""Login, sessions and CSRF.

- The secret is a token (`FLAMEWATCH_CONSOLE_TOKEN`, held in memory only as its SHA-256) or
  a password whose scrypt hash is configured (`FLAMEWATCH_CONSOLE_PASSWORD_HASH`).
- A session is a random id in an HttpOnly, SameSite=Strict cookie; sessions live in memory
  (a restart logs everyone out) and expire.
- Every state-changing request (POST) must carry the session's CSRF token (form field
  `csrf` or header `X-CSRF-Token`) and, when the browser sends one, a same-origin `Origin`.
- Without a session, pages redirect to /login and everything else answers 401; only
  /healthz, /readyz, /metrics, the login page and its stylesheet are open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

COOKIE = "fw_session"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/login", "/static/console.css"})
PUBLIC_PREFIXES = ("/login/once/",)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 10
FAILURE_WINDOW = 300.0


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    b64 = base64.urlsafe_b64encode
    return (f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}$"
            f"{b64(digest).decode()}")


def verify_password(password: str, encoded: str) -> bool:
    try:
        kind, n, r, p, salt, digest = encoded.split("$")
        if kind != "scrypt":
            return False
        want = base64.urlsafe_b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.urlsafe_b64decode(salt),
                             n=int(n), r=int(r), p=int(p), dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


class Credentials:
    """What a login is checked against. The token itself is not kept."""

    def __init__(self, token: str | None = None, password_hash: str | None = None,
                 login_once: str | None = None) -> None:
        if not token and not password_hash:
            raise ValueError("no login configured")
        self._token_digest = hashlib.sha256(token.encode()).digest() if token else None
        self._password_hash = password_hash
        self._once_digest = hashlib.sha256(login_once.encode()).digest() if login_once else None

    def check(self, secret: str) -> bool:
        if not secret:
            return False
        ok = False
        if self._token_digest is not None:
            ok = hmac.compare_digest(hashlib.sha256(secret.encode()).digest(),
                                     self._token_digest)
        if not ok and self._password_hash is not None:
            ok = verify_password(secret, self._password_hash)
        return ok

    def use_once(self, secret: str) -> bool:
        """The one-time login link: valid once, then gone."""
        if self._once_digest is None:
            return False
        if hmac.compare_digest(hashlib.sha256(secret.encode()).digest(), self._once_digest):
            self._once_digest = None
            return True
        return False


@dataclass
class Session:
    moderator: str
    csrf: str
    expires: float


@dataclass
class Sessions:
    ttl: float
    _by_id: dict[str, Session] = field(default_factory=dict)
    _failures: dict[str, list[float]] = field(default_factory=dict)

    def create(self, moderator: str) -> tuple[str, Session]:
        self._expire()
        sid = secrets.token_urlsafe(32)
        session = Session(moderator, secrets.token_urlsafe(32), time.time() + self.ttl)
        self._by_id[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        session = self._by_id.get(sid)
        if session is None:
            return None
        if session.expires < time.time():
            del self._by_id[sid]
            return None
        return session

    def drop(self, sid: str | None) -> None:
        if sid:
            self._by_id.pop(sid, None)

    def _expire(self) -> None:
        now = time.time()
        for sid in [s for s, v in self._by_id.items() if v.expires < now]:
            del self._by_id[sid]

    # --- failed logins, per client address ----------------------------------------------
    def locked_out(self, client: str) -> bool:
        now = time.time()
        recent = [t for t in self._failures.get(client, []) if now - t < FAILURE_WINDOW]
        self._failures[client] = recent
        return len(recent) >= MAX_FAILURES

    def failed(self, client: str) -> None:
        self._failures.setdefault(client, []).append(time.time())


def csrf_ok(session: Session, supplied: str | None) -> bool:
    if not supplied:
        return False
    return hmac.compare_digest(session.csrf.encode(), supplied.encode())


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def safe_next(target: str | None) -> str:
    """Only local absolute paths (no `//host`, no scheme) are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
