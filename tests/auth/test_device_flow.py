"""The device flow client against scripted GitHub answers (the sandbox tests cover the real exchange)."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs

import httpx
import pytest
from fakeclock import FakeClock

from triageboard.auth import DeviceFlow
from triageboard.clock import ScaledClock
from triageboard.errors import AccessDenied, CodeExpired, DeviceFlowDisabled, DeviceFlowError

CODE = {
    "device_code": "dc-123",
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://github.com/login/device",
    "expires_in": 900,
    "interval": 5,
}


class Script:
    """Answers the device-code request with ``CODE`` and each poll with the next scripted body."""

    def __init__(self, polls: list[dict[str, object]], *, start: tuple[int, object] = (200, CODE)) -> None:
        self.polls = list(polls)
        self.start = start
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/login/device/code":
            status, body = self.start
            return httpx.Response(status, json=body)
        assert request.url.path == "/login/oauth/access_token"
        return httpx.Response(200, json=self.polls.pop(0))


def run(script: Script, api_url: str = "https://api.github.com", **kwargs: object) -> tuple[str, list[float]]:
    """Sign in on a fake clock: the polls' waits are recorded and cost no time."""
    clock = FakeClock()

    async def scenario() -> str:
        auth_default = httpx.BasicAuth("must-not", "be-sent")
        async with httpx.AsyncClient(transport=httpx.MockTransport(script), auth=auth_default) as http:
            flow = DeviceFlow(http, api_url, "client-abc", clock=clock, **kwargs)  # type: ignore[arg-type]
            code = await flow.start()
            assert code.user_code == "WDJB-MJHT"
            return await flow.wait_for_token(code)

    return asyncio.run(scenario()), clock.slept


def pending() -> dict[str, object]:
    return {"error": "authorization_pending"}


def test_pending_slow_down_then_token() -> None:
    slow_down = {"error": "slow_down", "interval": 10}
    script = Script([pending(), slow_down, pending(), {"access_token": "gho_ok"}])
    token, slept = run(script)
    assert token == "gho_ok"
    assert slept == [5, 5, 10, 10]  # the interval GitHub gave, then the longer one it asked for
    start, *polls = script.requests
    assert str(start.url) == "https://github.com/login/device/code"
    assert parse_qs(start.content.decode()) == {"client_id": ["client-abc"], "scope": ["public_repo"]}
    for request in script.requests:
        assert request.headers["accept"] == "application/json"
        assert "authorization" not in request.headers
    assert parse_qs(polls[0].content.decode()) == {
        "client_id": ["client-abc"],
        "device_code": ["dc-123"],
        "grant_type": ["urn:ietf:params:oauth:grant-type:device_code"],
    }


def test_slow_down_without_interval_adds_five_seconds() -> None:
    _token, slept = run(Script([{"error": "slow_down"}, {"access_token": "t"}]))
    assert slept == [5, 10]


def test_a_scaled_clock_shrinks_the_real_waits() -> None:
    """A whole-process test run's clock: GitHub's 5 s interval takes 50 ms of real time."""
    script = Script([pending(), {"access_token": "t"}])

    async def scenario() -> float:
        async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
            flow = DeviceFlow(http, "https://api.github.com", "c", clock=ScaledClock(0.01))
            code = await flow.start()
            started = time.monotonic()
            await flow.wait_for_token(code)
            return time.monotonic() - started

    assert 0.09 <= asyncio.run(scenario()) < 5


def test_enterprise_endpoints_hang_off_the_host() -> None:
    script = Script([{"access_token": "t"}])
    run(script, api_url="https://ghe.example.com/api/v3", scope="repo")
    assert [str(r.url) for r in script.requests] == [
        "https://ghe.example.com/login/device/code",
        "https://ghe.example.com/login/oauth/access_token",
    ]
    assert parse_qs(script.requests[0].content.decode())["scope"] == ["repo"]


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        ("access_denied", AccessDenied, "cancelled in the browser"),
        ("expired_token", CodeExpired, "expired"),
        ("device_flow_disabled", DeviceFlowDisabled, "paste a token"),
        ("incorrect_device_code", DeviceFlowError, "did not recognise"),
        ("something_new", DeviceFlowError, "something_new"),
    ],
)
def test_terminal_errors(error: str, kind: type[Exception], words: str) -> None:
    script = Script([pending(), {"error": error, "error_description": "..."}])
    with pytest.raises(kind, match=words):
        run(script)
    assert len(script.requests) == 3  # no polling after a terminal answer


def test_disabled_at_the_start() -> None:
    script = Script([], start=(400, {"error": "device_flow_disabled"}))
    with pytest.raises(DeviceFlowDisabled):
        run(script)


def test_unknown_client_id_is_a_plain_message() -> None:
    script = Script([], start=(404, {"error": "Not Found"}))
    with pytest.raises(DeviceFlowError, match="GitHub refused the sign-in"):
        run(script)
    script = Script([], start=(404, "<html>nope</html>"))
    with pytest.raises(DeviceFlowError, match="no device flow"):
        run(script)


def test_gives_up_when_the_code_expires_locally() -> None:
    clock = FakeClock()
    started = clock.monotonic()
    polls = [pending() for _ in range(400)]

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(Script(polls))) as http:
            flow = DeviceFlow(http, "https://api.github.com", "c", clock=clock)
            await flow.wait_for_token(await flow.start())

    with pytest.raises(CodeExpired):
        asyncio.run(scenario())
    assert 900 <= clock.monotonic() - started <= 905


def test_unreachable_host_is_a_message() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
            await DeviceFlow(http, "https://ghe.example.com/api/v3", "c").start()

    with pytest.raises(DeviceFlowError, match=r"Cannot reach ghe\.example\.com"):
        asyncio.run(scenario())


def test_malformed_code_answer() -> None:
    script = Script([], start=(200, {"device_code": "x"}))
    with pytest.raises(DeviceFlowError, match="incomplete"):
        run(script)
