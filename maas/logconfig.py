"""Logging for the entry point: request ids on every line, credentials masked wherever they slip in."""

from __future__ import annotations

import contextvars
import logging
import re

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Session tokens, API keys, bearer headers and password fields, in whatever message they appear.
_SECRETS = re.compile(r"(m[tk]_[A-Za-z0-9_\-]{8,}|(?i:bearer)\s+\S+|(?i:\"?password\"?\s*[:=]\s*)\"?[^\",\s}]+)")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def redact(text: str) -> str:
    return _SECRETS.sub("[redacted]", text)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
