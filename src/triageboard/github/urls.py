"""API base URLs: github.com, GitHub Enterprise Server, or the loopback sandbox."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from ..errors import InsecureURL, InsecureURLReason
from ..netaddr import is_loopback

GITHUB_API = "https://api.github.com"


__all__ = ["GITHUB_API", "host_of", "is_loopback", "normalize_api_url", "origin", "segment", "web_url"]


def normalize_api_url(url: str) -> str:
    """Validate an API base URL and return it without a trailing slash.

    ``https://`` anywhere; plain ``http://`` only for this machine (the sandbox), so a token never
    crosses a network in clear text. A bare Enterprise host gets its ``/api/v3`` path.
    """
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InsecureURL(url, InsecureURLReason.NOT_AN_API_URL)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InsecureURL(url, InsecureURLReason.CREDENTIALS_OR_QUERY)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InsecureURL(url, InsecureURLReason.PLAIN_HTTP, parts.hostname)
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
    """Encode a label name (spaces, ``/``, ``%``, emoji) exactly once as one path segment.

    ``.`` and ``..`` are encoded too: left bare, URL normalisation would drop them and
    ``DELETE .../labels/.`` would become ``DELETE .../labels`` (remove every label).
    """
    encoded = quote(name, safe="")
    if encoded in {".", ".."}:
        return encoded.replace(".", "%2E")
    return encoded
