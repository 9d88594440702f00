"""The token the app is using right now, held in memory, and where it came from and goes to.

``GitHubClient(http, api_url, token=credentials.token)`` reads it on every request, so signing in again
swaps the token without rebuilding anything.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ..github import check_token_sendable
from ..github.urls import host_of, normalize_api_url
from .keyring_store import KeyringStore
from .redact import register_secret
from .sources import env_token, env_vars_for

log = logging.getLogger(__name__)

KEYRING = "keyring"


class Credentials:
    """The current token for one API host. ``token`` is the sync getter the GitHub client calls."""

    def __init__(
        self,
        api_url: str,
        *,
        store: KeyringStore | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.api_url = normalize_api_url(api_url)
        self.host = host_of(self.api_url)
        self.store = store or KeyringStore()
        self._environ = environ
        self._token: str | None = None
        self.origin = ""  # "GH_TOKEN", "keyring", "device flow", "pasted token", "gh CLI", or "" (none)

    def token(self) -> str | None:
        return self._token

    def __repr__(self) -> str:  # never the token
        state = f"from {self.origin}" if self._token else "signed out"
        return f"<Credentials {self.host} {state}>"

    @property
    def env_var(self) -> str | None:
        """The environment variable that supplies a token for this host, if one is set."""
        found = env_token(self.host, self._environ)
        return found[1] if found else None

    def env_vars(self) -> tuple[str, ...]:
        return env_vars_for(self.host)

    def use(self, token: str, origin: str) -> None:
        """Hold ``token`` in memory for this session (not stored). Raises ``MalformedToken`` (naming
        ``origin``, never the token) for one that cannot be sent in a header."""
        register_secret(token)
        check_token_sendable(token, origin)
        self._token = token
        self.origin = origin

    def forget(self) -> None:
        """Stop using the token (e.g. GitHub rejected it) without touching the keyring."""
        self._token, self.origin = None, ""

    async def load(self) -> str | None:
        """Find a token: the environment first, then the keyring. None when there is none.

        Raises ``KeyringUnavailable`` when there is no environment token and the keyring cannot be read,
        ``MalformedToken`` when the token found cannot be sent (a line break, a non-ASCII letter, 100 KB).
        """
        found = env_token(self.host, self._environ)
        if found is not None:
            self.use(found[0], found[1])
            return found[0]
        token = await self.store.get(self.host)
        if token:
            self.use(token, KEYRING)
            log.info("using the token stored in the keyring for %s", self.host)
            return token
        self._token, self.origin = None, ""
        return None

    async def store_token(self, token: str, origin: str) -> None:
        """Keep a token that was validated: into the keyring, then into use.

        Raises ``KeyringUnavailable`` without changing the token in use when the keyring cannot take it.
        """
        register_secret(token)
        check_token_sendable(token, origin)
        await self.store.set(self.host, token)
        self.use(token, origin)
        log.info("signed in to %s (%s); token stored in the keyring", self.host, origin)

    async def sign_out(self) -> bool:
        """Forget the token and remove this host's keyring entry. False when the keyring held none.

        The token is dropped from memory even when the keyring then fails (``KeyringUnavailable``).
        """
        self._token, self.origin = None, ""
        removed = await self.store.delete(self.host)
        log.info("signed out of %s", self.host)
        return removed
