"""Masking tokens in any text that may reach a log, a message or a crash report.

Every token the app holds is registered here (``Credentials`` does it), and well-known GitHub token shapes
are masked even when they were never registered. The registry is process-wide on purpose: log filters and
the crash handler have no other way to know what is secret.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"

# ghp_/gho_/ghu_/ghs_/ghr_ (classic, OAuth, user-to-server, server, refresh) and fine-grained PATs.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
    r"|(?<=Bearer )[^\s'\"]+|(?<=token )[A-Za-z0-9_\-.]{20,}",
    re.IGNORECASE,
)
# Shorter strings are too likely to be ordinary words; no real token is this short.
_MIN_SECRET = 4


class _Secrets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()

    def add(self, secret: str) -> None:
        if len(secret) >= _MIN_SECRET:
            with self._lock:
                self._secrets = self._secrets | {secret}

    def snapshot(self) -> frozenset[str]:
        return self._secrets


_SECRETS = _Secrets()


def register_secret(secret: str | None) -> None:
    """Remember ``secret`` so that :func:`redact` masks it from now on (kept for the process's life:
    a token signed out of may still sit in a late log line)."""
    if secret:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered token and anything shaped like a GitHub token replaced by ``***``."""
    # Longest first, so a secret containing another is masked whole.
    for secret in sorted(_SECRETS.snapshot(), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return _TOKEN_SHAPES.sub(MASK, text)


class TokenRedactingFilter(logging.Filter):
    """A logging filter that masks tokens in the message, its arguments and a formatted traceback.

    Attach it to handlers (a filter on a logger does not see records propagated from child loggers).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the line; show it raw
            message = f"{record.msg!r} % {record.args!r}"
        clean = redact(message)
        if clean != message or record.args:
            record.msg = clean
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
