"""Every failure becomes one of the client's errors, with a message fit for the user and no token in it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from ghtest import TOKEN, Harness, issue_json, json_response

from triageboard.errors import (
    AuthError,
    BadRequest,
    BadResponse,
    BadResponseReason,
    BrokenAnswer,
    GitHubError,
    LegallyBlocked,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    SearchLimitReached,
    TimedOut,
    Unavailable,
    ValidationFailed,
)
from triageboard.github import GitHubClient, Policy, RateLimit
from triageboard.wording import Front, describe


async def get_issue(client: GitHubClient) -> object:
    return await client.get_issue("rust-lang/rust", 1)


def fails(harness: Harness, handler: object, policy: Policy | None = None) -> GitHubError:
    with pytest.raises(GitHubError) as info:
        harness.run(get_issue, handler, policy=policy)  # type: ignore[arg-type]
    err = info.value
    # the user-facing sentence never carries the token or an Authorization header
    assert TOKEN not in describe(err)
    assert "Bearer" not in describe(err)
    return err


def reset_in(seconds: int) -> str:
    return str(int(time.time()) + seconds)


def test_401_is_auth_error(harness: Harness) -> None:
    err = fails(harness, lambda r: json_response(401, {"message": "Bad credentials"}))
    assert type(err) is AuthError
    assert err.status == 401
    assert not err.temporary
    assert "Sign in again" in describe(err)


def test_403_without_rate_limit_is_permission_denied(harness: Harness) -> None:
    headers = {
        "x-ratelimit-remaining": "4990",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-reset": reset_in(60),
    }
    err = fails(
        harness, lambda r: json_response(403, {"message": "Resource not accessible by integration"}, headers)
    )
    assert type(err) is PermissionDenied
    assert "Resource not accessible by integration" in describe(err)
    assert "triage" in describe(err)


@pytest.mark.parametrize("status", [403, 429])
def test_primary_rate_limit_resumes_at_reset(harness: Harness, status: int) -> None:
    reset = int(time.time()) + 600
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-resource": "core",
    }
    err = fails(harness, lambda r: json_response(status, {"message": "API rate limit exceeded"}, headers))
    assert isinstance(err, RateLimited)
    assert not err.secondary
    assert err.temporary
    assert err.resume_at == datetime.fromtimestamp(reset, UTC)
    assert 590 < err.seconds_left() <= 600
    assert not harness.sleeps  # the client does not sit on a rate limit; the caller decides


def test_githubs_announced_waits_are_obeyed_as_sent(harness: Harness) -> None:
    reset = int(time.time()) + 1000
    headers = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    err = fails(harness, lambda r: json_response(403, {"message": "x"}, headers), Policy())
    assert isinstance(err, RateLimited)
    assert err.resume_at == datetime.fromtimestamp(reset, UTC)
    err = fails(harness, lambda r: json_response(429, {}, {"retry-after": "40"}), Policy())
    assert isinstance(err, RateLimited)
    assert 38 < err.seconds_left() <= 40


@pytest.mark.parametrize(
    ("status", "headers", "message", "wait"),
    [
        (403, {"retry-after": "30"}, "You have exceeded a secondary rate limit", 30),
        (429, {"retry-after": "7"}, "", 7),
        (403, {"x-ratelimit-remaining": "42"}, "You have exceeded a secondary rate limit. Please wait", 60),
        (429, {}, "", 60),
        (429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, "", 60),  # HTTP-date: fall back to default
        (403, {"retry-after": "12", "x-ratelimit-remaining": "0"}, "", 12),  # retry-after wins
    ],
)
def test_secondary_rate_limit(
    harness: Harness, status: int, headers: dict[str, str], message: str, wait: int
) -> None:
    err = fails(harness, lambda r: json_response(status, {"message": message}, headers))
    assert isinstance(err, RateLimited)
    assert err.secondary
    assert wait - 2 < err.seconds_left() <= wait
    assert "slow down" in describe(err)


def test_secondary_default_wait_follows_the_policy(harness: Harness) -> None:
    policy = Policy(secondary_default_wait=100.0)
    err = fails(harness, lambda r: json_response(429, {}), policy)
    assert isinstance(err, RateLimited)
    assert 98 < err.seconds_left() <= 100


@pytest.mark.parametrize("value", ["1e12", "inf", "nan", "-5"])
def test_absurd_retry_after_does_not_crash(harness: Harness, value: str) -> None:
    err = fails(harness, lambda r: json_response(429, {}, {"retry-after": value}))
    assert isinstance(err, RateLimited)
    assert 0 < err.seconds_left() <= 3600  # never an endless wait


def test_404_is_not_found(harness: Harness) -> None:
    err = fails(harness, lambda r: json_response(404, {"message": "Not Found"}))
    assert type(err) is NotFound
    assert "api.github.com/repos/rust-lang/rust/issues/1" in describe(err)


def test_422_is_validation_failed_with_githubs_message(harness: Harness) -> None:
    err = fails(harness, lambda r: json_response(422, {"message": "Validation Failed", "errors": []}))
    assert type(err) is ValidationFailed
    assert "Validation Failed" in describe(err)


def test_422_search_cap_is_search_limit_reached(harness: Harness) -> None:
    body = {"message": "Only the first 1000 search results are available"}
    err = fails(harness, lambda r: json_response(422, body))
    assert isinstance(err, SearchLimitReached)
    assert isinstance(err, ValidationFailed)
    assert "1,000" in describe(err)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_then_unavailable(harness: Harness, status: int) -> None:
    policy = Policy(retries=3, backoff_base=0.5)
    err = fails(harness, lambda r: httpx.Response(status, text="<html>oops</html>"), policy)
    assert type(err) is Unavailable
    assert err.temporary
    assert len(harness.requests) == 4
    # exponential backoff with jitter, on the session's clock
    assert len(harness.sleeps) == 3
    for attempt, delay in enumerate(harness.sleeps):
        assert 0.5 * 2**attempt * 0.5 <= delay <= 2**attempt * 0.5


def test_5xx_then_success(harness: Harness) -> None:
    answers = iter([httpx.Response(502), httpx.Response(503), json_response(200, issue_json(1))])

    async def go(client: GitHubClient) -> object:
        got = await client.get_issue("rust-lang/rust", 1)
        assert client.stats.retries == 2
        assert client.stats.failures == {"Unavailable": 2}
        return got

    got = harness.run(go, lambda r: next(answers))
    assert got.number == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset")]
)
def test_connection_errors_are_unavailable_after_retries(harness: Harness, exc: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    err = fails(harness, handler, Policy(retries=2))
    # a read that times out is no answer in time; an answer broken off (or not HTTP) is the server's doing,
    # not a missing network; the others are no connection
    kinds: dict[type[Exception], type[Exception]] = {
        httpx.ReadTimeout: TimedOut,
        httpx.RemoteProtocolError: BrokenAnswer,
    }
    expected = kinds.get(type(exc), Offline)
    assert type(err) is expected
    assert isinstance(err, Unavailable)
    assert len(harness.requests) == 3
    assert "refused" not in describe(err) or "Cannot reach" in describe(err)


def test_unexpected_status_is_bad_response(harness: Harness) -> None:
    err = fails(harness, lambda r: json_response(418, {"message": "I'm a teapot"}))
    assert type(err) is BadResponse


def test_304_without_a_stored_page_is_bad_response(harness: Harness) -> None:
    err = fails(harness, lambda r: httpx.Response(304))
    assert type(err) is BadResponse
    assert err.reason is BadResponseReason.NOT_MODIFIED
    assert "proxy" in describe(err, Front.CLI)  # what is wrong, and where to look


def test_400_is_a_request_github_could_not_read_and_asks_for_a_report(harness: Harness) -> None:
    err = fails(harness, lambda r: json_response(400, {"message": "Problems parsing JSON"}))
    assert type(err) is BadRequest
    assert not err.temporary  # the same request gets the same answer
    text = describe(err, Front.CLI)
    assert "Problems parsing JSON" in text
    assert "report it" in text


def test_451_is_a_legal_block_and_says_how_to_go_on_without_it(harness: Harness) -> None:
    err = fails(harness, lambda r: json_response(451, {"message": "Repository access blocked"}))
    assert type(err) is LegallyBlocked
    assert not err.temporary
    assert "legal reasons" in describe(err, Front.CLI)
    assert "--repo" in describe(err, Front.CLI)
    assert "--repo" not in describe(err, Front.WINDOW)


# --- malformed answers: BadResponse, never a crash ---------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, headers={"content-type": "application/json"}, content=b'{"number": 1, "title": '),
        httpx.Response(200, headers={"content-type": "application/json"}, content=b"\xff\xfe\x00garbage"),
        httpx.Response(
            200, headers={"content-type": "text/html"}, content=b"<html><body>Login</body></html>"
        ),
        httpx.Response(200, headers={"content-type": "application/json"}, content=b"<!DOCTYPE html><html>"),
        httpx.Response(200, content=b""),
        json_response(200, []),
        json_response(200, "an issue"),
        json_response(200, {"title": "no number"}),
        json_response(200, {"number": "1", "title": "string number"}),
        json_response(200, {"number": True, "title": "bool number"}),
        json_response(200, {"number": 1}),
        json_response(200, issue_json(1, labels="bug")),
        json_response(200, issue_json(1, labels=[{"color": "fff"}])),
        json_response(200, issue_json(1, labels=[None])),
        json_response(200, issue_json(1, assignees={"login": "x"})),
        json_response(200, issue_json(1, created_at="yesterday")),
        json_response(200, issue_json(1, created_at=12)),
        json_response(200, issue_json(1, state=None, title=None)),
    ],
    ids=lambda r: r.content[:30].decode("utf-8", "replace"),
)
def test_malformed_issue_is_bad_response(harness: Harness, response: httpx.Response) -> None:
    err = fails(harness, lambda r: response)
    assert type(err) is BadResponse
    assert err.temporary


def test_tolerated_shapes_parse(harness: Harness) -> None:
    data = issue_json(5, repo="rust-lang/wg-async")
    data["labels"] = [
        "plain-string",
        {"name": "x", "color": None, "description": None},
        {"name": "y", "color": "ZZZ"},
    ]
    data["assignees"] = None
    data["assignee"] = {"login": "solo"}
    data["body"] = None
    data["pull_request"] = {"url": "..."}
    got = harness.run(get_issue, lambda r: json_response(200, data))
    assert got.repo == "rust-lang/wg-async"  # type: ignore[attr-defined]
    assert [(label.name, label.color) for label in got.labels] == [  # type: ignore[attr-defined]
        ("plain-string", "ededed"),
        ("x", "ededed"),
        ("y", "ededed"),
    ]
    assert got.assignees == ("solo",)  # type: ignore[attr-defined]
    assert got.body == ""  # type: ignore[attr-defined]
    assert got.is_pull_request  # type: ignore[attr-defined]


def test_body_over_the_declared_cap_is_bad_response(harness: Harness) -> None:
    policy = Policy(max_body_bytes=1000)
    err = fails(harness, lambda r: json_response(200, issue_json(1, body="x" * 5000)), policy)
    assert type(err) is BadResponse
    assert "larger" in describe(err)


def test_streamed_body_over_the_cap_is_bad_response(harness: Harness) -> None:
    async def endless() -> AsyncIterator[bytes]:
        yield b'{"number": 1, "title": "'
        for _ in range(100):
            yield b"x" * 1000

    policy = Policy(max_body_bytes=10_000)
    response = httpx.Response(200, headers={"content-type": "application/json"}, content=endless())
    assert "content-length" not in response.headers
    err = fails(harness, lambda r: response, policy)
    assert type(err) is BadResponse


def test_undecodable_content_encoding_is_bad_response(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # a stream, so the bytes are decoded while the client reads them (content= would decode here)
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(b"not gzip"))

    err = fails(harness, handler)
    assert type(err) is BadResponse


def test_redirect_loop_is_a_github_error(harness: Harness) -> None:
    err = fails(harness, lambda r: httpx.Response(302, headers={"location": str(r.url)}))
    assert isinstance(err, GitHubError)


@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("search", {"items": []}),
        ("search", {"total_count": 3, "items": None}),
        ("search", [1, 2]),
        # a search item names its repository only in its URLs
        ("search", {"total_count": 1, "items": [{"number": 1, "title": "t", "labels": []}]}),
        ("labels", {"labels": []}),
        ("user", {"name": "x"}),
        ("repo", {"full_name": "a/b", "permissions": ["triage"]}),
        ("repo", {"permissions": {}}),
    ],
)
def test_other_operations_refuse_wrong_shapes(harness: Harness, method: str, data: object) -> None:
    async def go(client: GitHubClient) -> object:
        if method == "search":
            return [p async for p in client.iter_search("org:x")]
        if method == "labels":
            return await client.add_labels("a/b", 1, ["x"])
        if method == "user":
            return await client.current_user()
        return await client.get_repository("a/b")

    with pytest.raises(BadResponse):
        harness.run(go, lambda r: json_response(200, data), policy=Policy(mutation_spacing=0))


def test_rate_limit_state_is_read_from_every_response(harness: Harness) -> None:
    reset = int(time.time()) + 3000
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4321",
        "x-ratelimit-used": "679",
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-resource": "core",
    }

    async def go(client: GitHubClient) -> tuple[dict[str, RateLimit], list[RateLimit]]:
        seen: list[RateLimit] = []
        client._on_rate_limit = seen.append
        await client.get_issue("a/b", 1)
        with pytest.raises(NotFound):
            await client.get_issue("a/b", 2)  # error answers count too
        return client.rate_limits, seen

    answers = iter(
        [
            json_response(200, issue_json(1), headers),
            json_response(404, {}, {**headers, "x-ratelimit-remaining": "4320"}),
        ]
    )
    limits, seen = harness.run(go, lambda r: next(answers))
    core = limits["core"]
    assert (core.limit, core.remaining, core.used) == (5000, 4320, 679)
    assert core.reset_at == datetime.fromtimestamp(reset, UTC)
    assert [s.remaining for s in seen] == [4321, 4320]


def test_garbage_rate_limit_headers_are_ignored(harness: Harness) -> None:
    headers = {
        "x-ratelimit-limit": "lots",
        "x-ratelimit-remaining": "1",
        "x-ratelimit-reset": "1507651200000",
    }

    async def go(client: GitHubClient) -> object:
        await client.get_issue("a/b", 1)
        return client.rate_limits

    assert harness.run(go, lambda r: json_response(200, issue_json(1), headers)) == {}


def test_resume_time_is_in_the_future_for_a_reset_in_the_past(harness: Harness) -> None:
    headers = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset_in(-100)}
    err = fails(harness, lambda r: json_response(403, {}, headers))
    assert isinstance(err, RateLimited)
    assert err.resume_at >= datetime.now(UTC) - timedelta(seconds=2)
