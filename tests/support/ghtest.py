"""Helpers for the client tests (imported as ``ghtest``): run a coroutine against a mock transport, no Qt."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from fakeclock import FakeClock

from triageboard.clock import Clock, SystemClock
from triageboard.github import GitHubClient, MemoryPageCache, Policy

T = TypeVar("T")
TOKEN = "ghp_secret0123456789"
API = "https://api.github.com"


@dataclass
class Harness:
    """Runs ``fn(client)`` in a fresh event loop with a fresh ``httpx.AsyncClient``, closing everything.

    The client runs on a fake clock (its waits are recorded in ``sleeps`` and cost no time) unless
    ``real_sleep``."""

    clock: FakeClock = field(default_factory=lambda: FakeClock(time.time()))
    requests: list[httpx.Request] = field(default_factory=list)

    @property
    def sleeps(self) -> list[float]:
        return self.clock.slept

    def run(
        self,
        fn: Callable[[GitHubClient], Awaitable[T]],
        handler: Callable[[httpx.Request], httpx.Response] | None = None,
        *,
        api_url: str = API,
        token: Callable[[], str | None] = lambda: TOKEN,
        policy: Policy | None = None,
        cache: MemoryPageCache | None = None,
        real_sleep: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> T:
        def recording(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            assert handler is not None
            return handler(request)

        async def main() -> T:
            chosen = transport or httpx.MockTransport(recording)
            clock: Clock = SystemClock() if real_sleep else self.clock
            async with httpx.AsyncClient(transport=chosen) as http:
                client = GitHubClient(
                    http, api_url, token, policy=policy or Policy(), cache=cache, clock=clock
                )
                return await fn(client)

        return asyncio.run(main())


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps(data).encode()
    merged = {"content-type": "application/json; charset=utf-8", **(headers or {})}
    return httpx.Response(status, headers=merged, content=body)


def issue_json(number: int, *labels: str, repo: str = "rust-lang/rust", **extra: Any) -> dict[str, Any]:
    return {
        "url": f"{API}/repos/{repo}/issues/{number}",
        "repository_url": f"{API}/repos/{repo}",
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "number": number,
        "title": f"issue {number}",
        "state": "open",
        "labels": [{"name": n, "color": "ededed", "description": None} for n in labels],
        "assignee": None,
        "assignees": [],
        "user": {"login": "someone"},
        "comments": 0,
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-01-03T03:04:05Z",
        "closed_at": None,
        "body": "body",
        **extra,
    }


def live(
    sandbox: Any,
    fn: Callable[[GitHubClient], Awaitable[T]],
    *,
    token: str | None = None,
    policy: Policy | None = None,
    cache: MemoryPageCache | None = None,
    seen: list[httpx.Request] | None = None,
) -> T:
    """Runs ``fn(client)`` against the live sandbox over loopback HTTP, in a fresh event loop.

    ``seen`` collects every request sent (with its body), through an httpx event hook.
    """

    async def record(request: httpx.Request) -> None:
        if seen is not None:
            await request.aread()
            seen.append(request)

    async def main() -> T:
        async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
            chosen = sandbox.token if token is None else token
            # A fake clock: backoffs and write spacing cost no time (the sandbox keeps real time).
            client = GitHubClient(
                http,
                sandbox.api_url,
                lambda: chosen,
                policy=policy or Policy(),
                cache=cache,
                clock=FakeClock(time.time()),
            )
            return await fn(client)

    return asyncio.run(main())
