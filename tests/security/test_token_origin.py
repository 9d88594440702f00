"""Signing in sends the token to the configured API origin only, whatever GitHub (or a proxy) answers."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from triageboard.auth import Credentials, DeviceFlow, KeyringStore, check_token
from triageboard.errors import BadResponse, BadResponseReason, DeviceFlowError
from triageboard.github import Policy

TOKEN = "ghp_" + "o" * 36
API = "https://api.github.com"


def user(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"login": "ferris", "id": 1}, headers={"x-oauth-scopes": "repo"})


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/user",  # another host
        "http://api.github.com/user",  # the same host in clear text
        "https://api.github.com:8443/user",  # another port
    ],
)
def test_validating_a_token_does_not_follow_it_off_the_api_origin(elsewhere: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if str(request.url) == f"{API}/user":
            return httpx.Response(302, headers={"location": elsewhere})
        return user(request)

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            await check_token(http, API, TOKEN, policy=Policy(retries=0))

    with pytest.raises(BadResponse) as refused:
        asyncio.run(go())
    # The redirect off the API origin is refused before anything is sent there: not the token, not even
    # the request (the client follows a GET's redirects itself, on the API origin only).
    assert refused.value.reason is BadResponseReason.REDIRECT_OFFSITE
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert [str(r.url) for r in seen] == [f"{API}/user"]


def test_device_flow_requests_carry_no_token_and_follow_no_redirect() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"location": "https://evil.example/login/device/code"})

    async def go() -> None:
        credentials = Credentials(API, store=KeyringStore(), environ={})
        credentials.use(TOKEN, "pasted token")
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(handler), headers={"Authorization": f"Bearer {TOKEN}"}
        ) as http:
            with pytest.raises(DeviceFlowError) as raised:
                await DeviceFlow(http, API, "client-id").start()
            assert TOKEN not in str(raised.value)

    asyncio.run(go())
    assert [r.url.host for r in seen] == ["github.com"]
    assert "authorization" not in seen[0].headers
