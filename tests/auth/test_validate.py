"""Checking a token: GET /user for the login and scopes, the board's repositories for labelling rights."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from triageboard.auth import TokenCheck, check_token
from triageboard.errors import AuthError
from triageboard.wording import describe

TRIAGE = {"admin": False, "maintain": False, "push": False, "triage": True, "pull": True}
READ = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}


def github(scopes: str | None, permissions: dict[str, dict[str, bool]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != "Bearer tok":
            return httpx.Response(401, json={"message": "Bad credentials"})
        headers = {"x-oauth-scopes": scopes} if scopes is not None else {}
        if request.url.path == "/user":
            return httpx.Response(200, json={"login": "ferris", "name": None}, headers=headers)
        repo = request.url.path.removeprefix("/repos/")
        if repo not in permissions:
            return httpx.Response(404, json={"message": "Not Found"})
        body = {"full_name": repo, "private": False, "permissions": permissions[repo]}
        return httpx.Response(200, json=body, headers=headers)

    return httpx.MockTransport(handle)


def check(transport: httpx.MockTransport, repos: tuple[str, ...] = (), token: str = "tok") -> TokenCheck:  # noqa: S107
    async def scenario() -> TokenCheck:
        async with httpx.AsyncClient(transport=transport) as http:
            return await check_token(http, "https://api.github.com", token, repos)

    return asyncio.run(scenario())


def test_classic_token_that_can_label() -> None:
    result = check(github("public_repo, read:org", {"rust-lang/rust": TRIAGE}), ("rust-lang/rust",))
    assert result == TokenCheck("ferris", ("public_repo", "read:org"), (), None)
    assert result.scopes_text == "public_repo, read:org"


def test_classic_token_without_a_label_scope() -> None:
    result = check(github("read:org, gist", {"rust-lang/rust": TRIAGE}), ("rust-lang/rust",))
    assert result.warning is not None
    assert result.warning.scope_missing
    assert "public_repo" in describe(result.warning)
    assert "scopes: read:org, gist" in describe(result.warning)


def test_classic_token_with_no_scopes_at_all() -> None:
    result = check(github("", {}))
    assert result.scopes == ()
    assert result.scopes_text == "no scopes"
    assert result.warning is not None


def test_fine_grained_token_checked_through_repository_permissions() -> None:
    transport = github(None, {"rust-lang/rust": READ, "rust-lang/wg-async": TRIAGE})
    result = check(transport, ("rust-lang/rust", "rust-lang/wg-async", "rust-lang/gone"))
    assert result.scopes is None
    assert result.scopes_text.startswith("fine-grained")
    assert result.cannot_label == ("rust-lang/rust", "rust-lang/gone")
    assert result.warning is not None
    assert result.warning.cannot_label == result.cannot_label
    assert "Issues: read and write" in describe(result.warning)


def test_fine_grained_token_that_can_label() -> None:
    assert check(github(None, {"o/r": TRIAGE}), ("o/r",)).warning is None


def test_rejected_token() -> None:
    with pytest.raises(AuthError):
        check(github("repo", {}), token="wrong")
