"""The one ``httpx.AsyncClient`` of a session or a CLI run, made for the API it talks to.

Loading the certificate bundle costs a noticeable part of a start. A plain-http API (only allowed on
loopback: the demo sandbox, a local stand-in) needs none, so none is loaded; should such a client ever be
sent to an https URL, it fails closed (no certificate can be verified against an empty trust store).
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..netaddr import is_loopback


def http_client(api_url: str, **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for ``api_url`` (``kwargs`` as httpx takes them)."""
    parts = urlsplit(api_url)
    if parts.scheme == "http" and is_loopback(parts.hostname or "") and "verify" not in kwargs:
        kwargs["verify"] = _trusting_nothing()
    return httpx.AsyncClient(**kwargs)


def _trusting_nothing() -> ssl.SSLContext:
    """Verification on, and no certificate authority: any TLS connection is refused."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context
