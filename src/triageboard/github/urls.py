"""API base URLs: github.com, GitHub Enterprise Server, or the loopback sandbox."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlsplit

from .errors import InsecureURL

GITHUB_API = "https://api.github.com"


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_api_url(url: str) -> str:
    """Validate an API base URL and return it without a trailing slash.

    ``https://`` anywhere; plain ``http://`` only for this machine (the sandbox), so a token never
    crosses a network in clear text. A bare Enterprise host gets its ``/api/v3`` path.
    """
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InsecureURL(f"{url!r} is not an API URL; use https://api.github.com or https://HOST/api/v3")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InsecureURL(f"{url!r} must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InsecureURL(
            f"refusing plain http:// for {parts.hostname}: the token would travel unencrypted. "
            "Use https:// (plain http is allowed only for 127.0.0.1/localhost)"
        )
    if parts.hostname in {"github.com", "www.github.com"}:
        return GITHUB_API
    if parts.hostname != "api.github.com" and parts.path in {"", "/"} and parts.scheme == "https":
        text = f"{text}/api/v3"
    return text


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) — what must match before the token is attached to a request."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def host_of(api_url: str) -> str:
    """The host a token belongs to: ``github.com`` for api.github.com, else the API's host[:port]."""
    parts = urlsplit(api_url)
    if parts.hostname == "api.github.com":
        return "github.com"
    return parts.netloc.lower()


def web_url(api_url: str) -> str:
    """Where people and OAuth go: ``https://github.com``, or ``https://HOST`` (Enterprise, sandbox)."""
    parts = urlsplit(api_url)
    if parts.hostname == "api.github.com":
        return "https://github.com"
    return f"{parts.scheme}://{parts.netloc}"


def segment(name: str) -> str:
    """Encode a label name (spaces, ``/``, ``%``, emoji) exactly once as one path segment."""
    return quote(name, safe="")
