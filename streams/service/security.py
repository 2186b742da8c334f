"""TLS and SASL for every Kafka connection (worker, replay, alerts, demo, topic admin).

`FLAMEWATCH_BROKER=kafka+ssl://host:port` turns TLS on (`FLAMEWATCH_SSL_CAFILE` for a private
CA, `FLAMEWATCH_SSL_CERTFILE`/`_KEYFILE` for client certificates); `FLAMEWATCH_SASL_MECHANISM`
(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) with `FLAMEWATCH_SASL_USERNAME`/`_PASSWORD` adds SASL.
The same settings give aiokafka's keyword arguments (`client_options`) and Faust's
`broker_credentials` (`faust_credentials`), so no client can be left on plaintext by mistake.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streams.service.settings import Settings


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The client TLS context, or None for plaintext."""
    if not settings.uses_tls:
        return None
    context = ssl.create_default_context(
        purpose=ssl.Purpose.SERVER_AUTH,
        cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None,
    )
    context.check_hostname = settings.ssl_check_hostname
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.ssl_certfile is not None:
        password = (
            settings.ssl_key_password.get_secret_value() if settings.ssl_key_password else None
        )
        context.load_cert_chain(
            str(settings.ssl_certfile),
            str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
            password=password,
        )
    return context


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer/Consumer/AdminClient."""
    options: dict[str, Any] = {"security_protocol": settings.security_protocol}
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.sasl_mechanism is not None:
        options["sasl_mechanism"] = settings.sasl_mechanism
        options["sasl_plain_username"] = settings.sasl_username
        options["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    return options


def faust_credentials(settings: Settings) -> Any:
    """Faust's `broker_credentials` (None for plaintext without SASL)."""
    import faust

    context = ssl_context(settings)
    if settings.sasl_mechanism is not None:
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value() if settings.sasl_password else None,
            ssl_context=context,
            mechanism=settings.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
