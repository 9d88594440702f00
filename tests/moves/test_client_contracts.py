"""What the move engine needs from the GitHub client (``github/``, owned by the integrator).

Each xfail marks a bug found in review; the exact fix is in the review report. They turn into passing
tests (strict xfail fails then) once the client is fixed: drop the mark.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from fake_github import API
from fakeclock import FakeClock

from triageboard.errors import GitHubError, Gone, NotFound, RateLimited, Redirected
from triageboard.github import GitHubClient
from triageboard.github.parse import parse_repository


def _call(handler: httpx.MockTransport, work: str) -> object:
    async def main() -> object:
        async with httpx.AsyncClient(transport=handler) as http:
            client = GitHubClient(http, API, lambda: "t0k", clock=FakeClock(time.time()))
            if work == "labels":
                return await client.get_issue_labels("o/r", 1)
            return await client.add_labels("o/r", 1, ["Focus"])

    return asyncio.run(main())


def test_rate_limited_tells_whether_github_sent_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"message": "You have exceeded a secondary rate limit"})

    with pytest.raises(RateLimited) as caught:
        _call(httpx.MockTransport(handler), "labels")
    assert getattr(caught.value, "retry_after", "missing") is None

    def with_header(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"message": "slow down"}, headers={"retry-after": "7"})

    with pytest.raises(RateLimited) as caught:
        _call(httpx.MockTransport(with_header), "labels")
    assert getattr(caught.value, "retry_after", None) == 7.0


def test_gone_is_permanent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(410, json={"message": "This issue was deleted"})

    with pytest.raises(GitHubError) as caught:
        _call(httpx.MockTransport(handler), "labels")
    assert isinstance(caught.value, Gone)
    assert isinstance(caught.value, NotFound)
    assert not caught.value.temporary


def test_redirected_mutation_is_not_reported_as_applied() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.url.path.endswith("/repos/o/r/issues/1/labels"):
            return httpx.Response(301, headers={"location": f"{API}/repositories/42/issues/9/labels"})
        return httpx.Response(200, json=[{"name": "old", "color": "ededed"}])

    with pytest.raises(Redirected) as caught:
        _call(httpx.MockTransport(handler), "add")
    assert caught.value.status == 301
    assert "GET" not in seen


def test_archived_repository_cannot_be_labelled() -> None:
    repo = parse_repository(
        json.loads('{"full_name": "o/r", "archived": true, "permissions": {"push": true, "triage": true}}')
    )
    assert not repo.can_label
