"""Checking a token before it is kept: who it belongs to, its scopes, and whether it can label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from ..clock import Clock
from ..errors import GitHubError, NotFound
from ..github import GitHubClient, Policy
from ..reporting import TokenLimits

LABEL_SCOPES = frozenset({"repo", "public_repo"})


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """What ``GET /user`` (and the board's repositories) said about a token."""

    login: str
    # A classic token's scopes (X-OAuth-Scopes); None for fine-grained and app tokens.
    scopes: tuple[str, ...] | None
    # Repositories of the board the account cannot label (no triage role, or the token lacks Issues: write).
    cannot_label: tuple[str, ...] = ()
    # What the token cannot do, for the user (None when it can do everything the board needs).
    warning: TokenLimits | None = None

    @property
    def scopes_text(self) -> str:
        if self.scopes is None:
            return "fine-grained token (no classic scopes)"
        return ", ".join(self.scopes) if self.scopes else "no scopes"


async def check_token(
    http: httpx.AsyncClient,
    api_url: str,
    token: str,
    repos: Sequence[str] = (),
    *,
    policy: Policy | None = None,
    clock: Clock | None = None,
) -> TokenCheck:
    """Validate ``token`` with ``GET /user``; then see whether it can label the board's repositories.

    Raises the client's ``AuthError`` when GitHub rejects the token, other ``GitHubError``\\ s when it cannot
    be asked. A token that can read but not label is valid: the result carries a ``warning``.
    """
    client = GitHubClient(http, api_url, lambda: token, policy=policy or Policy(retries=1), clock=clock)
    user = await client.current_user()
    scope_missing = user.scopes is not None and not LABEL_SCOPES & set(user.scopes)
    cannot: list[str] = []
    for repo in repos:
        try:
            repository = await client.get_repository(repo)
        except NotFound:
            cannot.append(repo)
            continue
        except GitHubError:
            continue  # not knowing is no reason to refuse a valid token; moves will say what is wrong
        if not repository.can_label:
            cannot.append(repo)
    limits = None
    if scope_missing or cannot:
        limits = TokenLimits(user.login, user.scopes, scope_missing, tuple(cannot))
    return TokenCheck(login=user.login, scopes=user.scopes, cannot_label=tuple(cannot), warning=limits)
