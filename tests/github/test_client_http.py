"""The client's HTTP behaviour on a mock transport: headers, token scope, URLs, Link pagination, ETags,
label name encoding, mutation spacing, the operations' parsing."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import httpx
import pytest
from fakeclock import FakeClock
from ghtest import API, TOKEN, Harness, issue_json, json_response

from triageboard.clock import ScaledClock
from triageboard.errors import BadResponse, BadResponseReason, InsecureURL, NotFound
from triageboard.github import (
    GITHUB_API,
    GitHubClient,
    MemoryPageCache,
    Policy,
    TokenAuth,
    host_of,
    is_loopback,
    normalize_api_url,
    web_url,
)
from triageboard.github.client import _next_link
from triageboard.wording import describe

# --- headers and the token ----------------------------------------------------------------------------


def test_every_request_carries_githubs_headers(harness: Harness) -> None:
    harness.run(lambda c: c.get_issue("rust-lang/rust", 1), lambda r: json_response(200, issue_json(1)))
    (request,) = harness.requests
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    assert request.headers["user-agent"].startswith("triageboard/")


def test_no_token_means_no_authorization_header(harness: Harness) -> None:
    harness.run(
        lambda c: c.get_issue("a/b", 1), lambda r: json_response(200, issue_json(1)), token=lambda: None
    )
    assert "authorization" not in harness.requests[0].headers


def test_token_is_asked_for_on_every_request(harness: Harness) -> None:
    tokens = iter(["first", "second"])

    async def go(client: GitHubClient) -> None:
        await client.get_issue("a/b", 1)
        await client.get_issue("a/b", 1)

    harness.run(go, lambda r: json_response(200, issue_json(1)), token=lambda: next(tokens))
    assert [r.headers["authorization"] for r in harness.requests] == ["Bearer first", "Bearer second"]


@pytest.mark.parametrize(
    ("url", "attached"),
    [
        ("https://api.github.com/repos/a/b", True),
        ("https://API.GitHub.com:443/user", True),
        ("https://github.com/rust-lang/rust/issues/1", False),  # html_url
        ("https://avatars.githubusercontent.com/u/1?v=4", False),
        ("http://api.github.com/repos/a/b", False),  # same host, clear text
        ("https://api.github.com:8443/repos/a/b", False),
        ("https://api.github.com.evil.example/repos/a/b", False),
        ("https://evil.example/?https://api.github.com", False),
    ],
)
def test_token_auth_attaches_only_to_the_api_origin(url: str, attached: bool) -> None:
    auth = TokenAuth(API, lambda: TOKEN)
    request = httpx.Request("GET", url, headers={"Authorization": "Bearer stale"})
    flow = auth.auth_flow(request)
    sent = next(flow)
    assert ("authorization" in sent.headers) is attached
    if attached:
        assert sent.headers["authorization"] == f"Bearer {TOKEN}"


def test_token_auth_for_a_loopback_sandbox_checks_the_port() -> None:
    auth = TokenAuth("http://127.0.0.1:8123/api/v3", lambda: TOKEN)
    ok = next(auth.auth_flow(httpx.Request("GET", "http://127.0.0.1:8123/api/v3/user")))
    other = next(auth.auth_flow(httpx.Request("GET", "http://127.0.0.1:9999/api/v3/user")))
    assert ok.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in other.headers


def test_a_redirect_to_another_host_is_refused_not_followed(harness: Harness) -> None:
    """Nothing goes to the other host (not the path, not a search's query), and its answer is never taken
    for GitHub's."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.github.com":
            return httpx.Response(302, headers={"location": "https://elsewhere.example/repos/a/b/issues/1"})
        return json_response(200, issue_json(1, repo="a/b"))

    with pytest.raises(BadResponse) as caught:
        harness.run(lambda c: c.get_issue("a/b", 1), handler)
    assert caught.value.reason is BadResponseReason.REDIRECT_OFFSITE
    assert [r.url.host for r in harness.requests] == ["api.github.com"]
    assert "https://elsewhere.example/repos/a/b/issues/1" in describe(caught.value)


def test_same_origin_redirect_keeps_the_token(harness: Harness) -> None:
    # GitHub answers 301 for a renamed repository; following it must keep working.
    def handler(request: httpx.Request) -> httpx.Response:
        if "/repos/old/name" in request.url.path:
            return httpx.Response(301, headers={"location": f"{API}/repositories/42/issues/1"})
        return json_response(200, issue_json(1, repo="new/name"))

    got = harness.run(lambda c: c.get_issue("old/name", 1), handler)
    assert got.repo == "new/name"
    assert harness.requests[1].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_next_link_to_another_host_is_refused_not_followed(harness: Harness) -> None:
    """A page that sends the listing elsewhere (a proxy's rewrite, an attacker) ends it with a message;
    nothing goes to the other host, with or without the token."""

    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(200, [issue_json(1)], {"link": '<https://mirror.example/page2>; rel="next"'})

    async def go(client: GitHubClient) -> list[int]:
        return [i.number async for page in client.iter_repo_issues("rust-lang/rust") for i in page]

    with pytest.raises(BadResponse) as caught:
        harness.run(go, handler)
    assert caught.value.reason is BadResponseReason.LINK_OFFSITE
    assert [r.url.host for r in harness.requests] == ["api.github.com"]
    assert "mirror.example/page2" in describe(caught.value)
    assert "not followed" in describe(caught.value)


def test_a_relative_next_link_is_resolved_against_the_page(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "page2" in request.url.path:
            return json_response(200, [issue_json(2)])
        return json_response(200, [issue_json(1)], {"link": '<page2?per_page=100>; rel="next"'})

    async def go(client: GitHubClient) -> list[int]:
        return [i.number async for page in client.iter_repo_issues("rust-lang/rust") for i in page]

    assert harness.run(go, handler) == [1, 2]
    assert str(harness.requests[1].url) == "https://api.github.com/repos/rust-lang/rust/page2?per_page=100"
    assert harness.requests[1].headers["authorization"] == f"Bearer {TOKEN}"


def test_an_endless_link_chain_stops_at_the_page_cap(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("page", "1"))
        return json_response(
            200, [issue_json(n)], {"link": f'<https://api.github.com/x?page={n + 1}>; rel="next"'}
        )

    async def go(client: GitHubClient) -> list[int]:
        return [i.number async for page in client.iter_repo_issues("rust-lang/rust") for i in page]

    with pytest.raises(BadResponse) as caught:
        harness.run(go, handler, policy=Policy(max_pages=25))
    assert caught.value.reason is BadResponseReason.TOO_MANY_PAGES
    assert len(harness.requests) == 25
    assert "25 pages" in describe(caught.value)


# --- API URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.github.com", GITHUB_API),
        ("https://api.github.com/", GITHUB_API),
        (" https://github.com ", GITHUB_API),
        ("https://ghe.corp.example", "https://ghe.corp.example/api/v3"),
        ("https://ghe.corp.example/api/v3/", "https://ghe.corp.example/api/v3"),
        ("https://ghe.corp.example:8443/api/v3", "https://ghe.corp.example:8443/api/v3"),
        ("http://127.0.0.1:5000/api/v3", "http://127.0.0.1:5000/api/v3"),
        ("http://127.8.9.10/api/v3", "http://127.8.9.10/api/v3"),
        ("http://localhost/api/v3", "http://localhost/api/v3"),
        ("http://sandbox.localhost:80/api/v3", "http://sandbox.localhost:80/api/v3"),
        ("http://[::1]:5000/api/v3", "http://[::1]:5000/api/v3"),
    ],
)
def test_normalize_api_url_accepts(url: str, expected: str) -> None:
    assert normalize_api_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://api.github.com",
        "http://github.com",
        "http://ghe.corp.example/api/v3",
        "http://192.168.1.10/api/v3",
        "http://0.0.0.0:5000/api/v3",
        "http://localhost.evil.example/api/v3",
        "http://127.0.0.1.nip.io/api/v3",
        "ftp://api.github.com",
        "api.github.com",
        "https://",
        "https://user:pw@ghe.corp.example/api/v3",
        "https://ghe.corp.example/api/v3?x=1",
        "https://ghe.corp.example/api/v3#frag",
    ],
)
def test_normalize_api_url_refuses(url: str) -> None:
    with pytest.raises(InsecureURL) as info:
        normalize_api_url(url)
    assert describe(info.value)


def test_client_refuses_an_insecure_api_url() -> None:
    with pytest.raises(InsecureURL) as caught:
        GitHubClient(httpx.AsyncClient(), "http://ghe.corp.example/api/v3", lambda: TOKEN)
    assert "unencrypted" in describe(caught.value)


def test_hosts_and_web_urls() -> None:
    assert host_of(GITHUB_API) == "github.com"
    assert host_of("https://GHE.corp.example/api/v3") == "ghe.corp.example"
    assert host_of("http://127.0.0.1:5000/api/v3") == "127.0.0.1:5000"
    assert web_url(GITHUB_API) == "https://github.com"
    assert web_url("https://ghe.corp.example/api/v3") == "https://ghe.corp.example"
    assert all(is_loopback(h) for h in ("127.0.0.1", "[::1]", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("10.0.0.1", "example.com"))


# --- Link headers ----------------------------------------------------------------------------------------

NEXT = "https://api.github.com/repositories/1/issues?per_page=100&page=2"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        (f'<{NEXT}>; rel="next", <https://x/last>; rel="last"', NEXT),
        (f'<https://x/prev>; rel="prev", <{NEXT}>; rel="next"', NEXT),
        (f'<{NEXT}>; rel="next"', NEXT),  # no "last"
        (f"<{NEXT}>; rel=next", NEXT),  # unquoted
        (f'<{NEXT}> ;  rel = "next" ', NEXT),  # spaces
        ('<https://x/prev>; rel="prev", <https://x/first>; rel="first"', None),  # the last page
        (f'<{NEXT}>; type="text/html"; rel="next"', NEXT),  # another parameter first
        (f'{NEXT}; rel="next"', None),  # not in angle brackets: not a link
        ('rel="next"', None),
        ('<>; rel="next"', ""),
        pytest.param(
            '<https://api.github.com/repos/o/r/issues?labels=a,b&page=2>; rel="next"',
            "https://api.github.com/repos/o/r/issues?labels=a,b&page=2",
            id="comma-in-url",
        ),
        pytest.param(
            f'<{NEXT}>; rel="next last"',
            NEXT,
            id="rel-list",
        ),
        pytest.param(
            f'<{NEXT}>; rel="Next"',
            NEXT,
            id="rel-case",
        ),
    ],
)
def test_next_link(header: str | None, expected: str | None) -> None:
    assert _next_link(header) == expected


def test_pagination_follows_next_verbatim_to_the_end(harness: Harness) -> None:
    base = "https://api.github.com/repositories/7/issues?page={}&per_page=100&labels=A-async-await"
    pages = {
        1: f'<{base.format(2)}>; rel="next"',
        2: f'<{base.format(3)}>; rel="next", <{base.format(1)}>; rel="first"',
        3: f'<{base.format(2)}>; rel="prev"',
    }

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return json_response(200, [issue_json(page * 10 + n) for n in range(2)], {"link": pages[page]})

    async def go(client: GitHubClient) -> list[list[int]]:
        return [
            [i.number for i in page]
            async for page in client.iter_repo_issues("rust-lang/rust", ["A-async-await"])
        ]

    assert harness.run(go, handler) == [[10, 11], [20, 21], [30, 31]]
    first, second, third = harness.requests
    assert first.url.path == "/repos/rust-lang/rust/issues"
    assert dict(first.url.params) == {
        "state": "open",
        "per_page": "100",
        "sort": "created",
        "direction": "desc",
        "labels": "A-async-await",
    }
    # the Link URL is followed exactly as given, parameters not re-added
    assert (
        str(second.url)
        == "https://api.github.com/repositories/7/issues?page=2&per_page=100&labels=A-async-await"
    )
    assert str(third.url).endswith("page=3&per_page=100&labels=A-async-await")
    # every issue knows its repository even on /repositories/{id} pages
    assert all(r.method == "GET" for r in harness.requests)


def test_repo_issues_since_and_state(harness: Harness) -> None:
    from datetime import datetime, timedelta, timezone

    since = datetime(2024, 5, 6, 9, 0, tzinfo=timezone(timedelta(hours=2)))

    async def go(client: GitHubClient) -> None:
        async for _ in client.iter_repo_issues("a/b", ["x", "y z"], state="all", since=since):
            pass

    harness.run(go, lambda r: json_response(200, []))
    params = harness.requests[0].url.params
    assert params["since"] == "2024-05-06T07:00:00Z"
    assert params["state"] == "all"
    assert params["labels"] == "x,y z"


# --- ETags ------------------------------------------------------------------------------------------------


def test_etag_is_echoed_verbatim_and_a_304_reuses_the_stored_page(harness: Harness) -> None:
    etag = 'W/"5a1b-c0ffee"'
    link = '<https://api.github.com/repositories/7/issues?page=2>; rel="next"'

    def handler(request: httpx.Request) -> httpx.Response:
        page2 = request.url.params.get("page") == "2"
        tag = etag + ("2" if page2 else "")
        if request.headers.get("if-none-match") == tag:
            return httpx.Response(304, headers={"etag": tag})
        body = [issue_json(2)] if page2 else [issue_json(1, "A-async-await")]
        return json_response(200, body, {"etag": tag, **({} if page2 else {"link": link})})

    async def go(client: GitHubClient) -> list[list[int]]:
        runs = []
        for _ in range(2):
            runs.append([i.number async for page in client.iter_repo_issues("a/b") for i in page])
        assert client.stats.not_modified == 2
        assert client.stats.requests == 4
        return runs

    cache = MemoryPageCache()
    assert harness.run(go, handler, cache=cache) == [[1, 2], [1, 2]]
    conditional = [r.headers.get("if-none-match") for r in harness.requests]
    assert conditional == [None, None, etag, etag + "2"]


def test_search_and_writes_are_never_conditional(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/search/issues":
            return json_response(
                200, {"total_count": 0, "incomplete_results": False, "items": []}, {"etag": '"s"'}
            )
        return json_response(200, [{"name": "x"}], {"etag": '"w"'})

    async def go(client: GitHubClient) -> None:
        for _ in range(2):
            async for _page in client.iter_search("org:x"):
                pass
            await client.add_labels("a/b", 1, ["x"])
            await client.get_issue_labels("a/b", 1)

    harness.run(go, handler, cache=MemoryPageCache(), policy=Policy(mutation_spacing=0))
    assert all("if-none-match" not in r.headers for r in harness.requests)


# --- label writes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("needs triage/async", b"needs%20triage%2Fasync"),
        ("100% done", b"100%25%20done"),
        ("🦀 ferris", b"%F0%9F%A6%80%20ferris"),
        ("a?b#c", b"a%3Fb%23c"),
        ("AsyncAwait-Focus", b"AsyncAwait-Focus"),
    ],
)
def test_label_names_are_encoded_once_as_one_path_segment(harness: Harness, name: str, raw: bytes) -> None:
    async def go(client: GitHubClient) -> None:
        await client.remove_label("rust-lang/rust", 9, name)
        await client.get_label("rust-lang/rust", name)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return json_response(200, [])
        return json_response(200, {"name": name, "color": "ededed"})

    harness.run(go, handler, policy=Policy(mutation_spacing=0))
    delete, get = harness.requests
    assert delete.method == "DELETE"
    assert delete.url.raw_path == b"/repos/rust-lang/rust/issues/9/labels/" + raw
    assert get.url.raw_path == b"/repos/rust-lang/rust/labels/" + raw


def test_add_labels_posts_names_and_returns_the_full_list(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content) == {"labels": ["AsyncAwait-Focus", "🦀 ferris"]}
        return json_response(
            200,
            [
                {"name": "C-bug", "color": "f00"},
                {"name": "AsyncAwait-Focus", "color": "00FF00"},
                {"name": "🦀 ferris"},
            ],
        )

    labels = harness.run(lambda c: c.add_labels("a/b", 3, ["AsyncAwait-Focus", "🦀 ferris"]), handler)
    (request,) = harness.requests
    assert (request.method, request.url.path) == ("POST", "/repos/a/b/issues/3/labels")
    assert [(label.name, label.color) for label in labels] == [
        ("C-bug", "ededed"),
        ("AsyncAwait-Focus", "00ff00"),
        ("🦀 ferris", "ededed"),
    ]


def test_remove_label_404_label_does_not_exist_means_already_removed(harness: Harness) -> None:
    answer = harness.run(
        lambda c: c.remove_label("a/b", 3, "gone"),
        lambda r: json_response(404, {"message": "Label does not exist", "documentation_url": "..."}),
    )
    assert answer is None


def test_remove_label_on_a_missing_issue_is_not_found(harness: Harness) -> None:
    with pytest.raises(NotFound):
        harness.run(
            lambda c: c.remove_label("a/b", 3, "x"), lambda r: json_response(404, {"message": "Not Found"})
        )


def test_get_label_absent_is_none_present_is_parsed(harness: Harness) -> None:
    assert (
        harness.run(
            lambda c: c.get_label("a/b", "nope"), lambda r: json_response(404, {"message": "Not Found"})
        )
        is None
    )
    label = harness.run(
        lambda c: c.get_label("a/b", "e-mentor"),
        lambda r: json_response(200, {"name": "E-mentor", "color": "C2E0C6", "description": "has a mentor"}),
    )
    assert label is not None
    assert (label.name, label.color, label.description) == ("E-mentor", "c2e0c6", "has a mentor")
    assert harness.run(lambda c: c.label_exists("a/b", "nope"), lambda r: json_response(404, {})) is False


# --- mutation spacing and time_scale -----------------------------------------------------------------------


@pytest.fixture
def clock(harness: Harness) -> FakeClock:
    return harness.clock


def test_mutations_are_spaced_by_at_least_a_second(harness: Harness, clock: FakeClock) -> None:
    async def go(client: GitHubClient) -> None:
        await client.add_labels("a/b", 1, ["x"])
        await client.get_issue("a/b", 1)  # reads are not spaced
        await client.remove_label("a/b", 1, "y")
        clock.advance(0.25)  # time spent elsewhere counts toward the gap
        await client.add_labels("a/b", 2, ["z"])
        clock.advance(5)  # a mutation long after the last one waits for nothing
        await client.add_labels("a/b", 3, ["z"])

    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(200, issue_json(1) if request.method == "GET" else [])

    harness.run(go, handler)
    assert harness.sleeps == [1.0, 0.75]


def test_mutation_spacing_follows_the_policy(harness: Harness, clock: FakeClock) -> None:
    async def go(client: GitHubClient) -> None:
        for n in range(3):
            await client.add_labels("a/b", n, ["x"])

    harness.run(go, lambda r: json_response(200, []), policy=Policy(mutation_spacing=2.5))
    assert harness.sleeps == pytest.approx([2.5, 2.5])


def test_the_gap_between_mutations_counts_from_the_last_answer(harness: Harness, clock: FakeClock) -> None:
    """A slow answer does not shorten the next gap: GitHub sees the writes a full second apart."""

    def handler(request: httpx.Request) -> httpx.Response:
        clock.advance(0.4)  # the write takes 0.4 s to answer
        return json_response(200, [])

    async def go(client: GitHubClient) -> None:
        await client.add_labels("a/b", 1, ["x"])
        await client.add_labels("a/b", 2, ["y"])

    harness.run(go, handler)
    assert harness.sleeps == pytest.approx([1.0])


class EarlyClock(FakeClock):
    """A clock whose sleeps end a little early (as a coarse Qt timer may)."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds * 0.95)


def test_a_sleep_that_ends_early_still_leaves_a_full_gap() -> None:
    stamps: list[float] = []
    clock = EarlyClock()
    harness = Harness(clock=clock)

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append(clock.monotonic())
        return json_response(200, [])

    async def go(client: GitHubClient) -> None:
        for n in range(3):
            await client.add_labels("a/b", n, ["x"])

    harness.run(go, handler)
    assert len(stamps) == 3
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(stamps))


def test_real_spacing_between_mutations_on_a_scaled_clock() -> None:
    """A whole-process test run's clock (TRIAGEBOARD_TIME_SCALE): a second of spacing, 50 ms of real time."""
    stamps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append(time.monotonic())
        return json_response(200, [])

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = GitHubClient(http, "https://api.github.com", lambda: "t", clock=ScaledClock(0.05))
            await client.add_labels("a/b", 1, ["x"])
            await client.add_labels("a/b", 1, ["y"])

    asyncio.run(go())
    assert stamps[1] - stamps[0] >= 0.045


# --- reading operations ------------------------------------------------------------------------------------


def test_current_user_scopes(harness: Harness) -> None:
    user = harness.run(
        lambda c: c.current_user(),
        lambda r: json_response(
            200, {"login": "octocat", "name": None}, {"x-oauth-scopes": "repo, read:org"}
        ),
    )
    assert (user.login, user.name, user.scopes) == ("octocat", None, ("repo", "read:org"))
    fine_grained = harness.run(lambda c: c.current_user(), lambda r: json_response(200, {"login": "octocat"}))
    assert fine_grained.scopes is None
    no_scopes = harness.run(
        lambda c: c.current_user(), lambda r: json_response(200, {"login": "o"}, {"x-oauth-scopes": ""})
    )
    assert no_scopes.scopes == ()


@pytest.mark.parametrize(
    ("permissions", "can_label"),
    [
        ({"admin": False, "maintain": False, "push": False, "triage": True, "pull": True}, True),
        ({"push": True, "pull": True}, True),
        ({"pull": True, "triage": False}, False),
        (None, False),
    ],
)
def test_repository_permissions(
    harness: Harness, permissions: dict[str, bool] | None, can_label: bool
) -> None:
    data = {"full_name": "rust-lang/rust", "private": False, "permissions": permissions}
    repo = harness.run(lambda c: c.get_repository("rust-lang/rust"), lambda r: json_response(200, data))
    assert repo.full_name == "rust-lang/rust"
    assert repo.can_label is can_label


def test_issue_labels_are_paginated(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") == "2":
            return json_response(200, [{"name": "b"}])
        return json_response(
            200, [{"name": "a"}], {"link": f'<{API}/repos/a/b/issues/1/labels?page=2>; rel="next"'}
        )

    labels = harness.run(lambda c: c.get_issue_labels("a/b", 1), handler)
    assert [label.name for label in labels] == ["a", "b"]


def test_search_pages_and_the_cap(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        if page > 2:
            return json_response(422, {"message": "Only the first 1000 search results are available"})
        items = [issue_json(page * 100 + n, repo="rust-lang/wg-async") for n in range(3)]
        link = f'<{API}/search/issues?q=x&page={page + 1}>; rel="next"'
        return json_response(
            200, {"total_count": 5000, "incomplete_results": page == 2, "items": items}, {"link": link}
        )

    async def go(client: GitHubClient) -> list[tuple[int, bool, list[str]]]:
        return [
            (p.total_count, p.incomplete, [str(i.key) for i in p.issues])
            async for p in client.iter_search("org:rust-lang is:issue")
        ]

    pages = harness.run(go, handler)
    assert pages == [
        (5000, False, ["rust-lang/wg-async#100", "rust-lang/wg-async#101", "rust-lang/wg-async#102"]),
        (5000, True, ["rust-lang/wg-async#200", "rust-lang/wg-async#201", "rust-lang/wg-async#202"]),
    ]
    assert harness.requests[0].url.params["q"] == "org:rust-lang is:issue"
    assert harness.requests[0].url.params["per_page"] == "100"


def test_refresh_rate_limit(harness: Harness) -> None:
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4000",
        "x-ratelimit-reset": "1900000000",
    }
    limits = harness.run(
        lambda c: c.refresh_rate_limit(), lambda r: json_response(200, {"resources": {}}, headers)
    )
    assert limits["core"].remaining == 4000
    assert harness.requests[0].url.path == "/rate_limit"


@pytest.mark.parametrize("name", [".", ".."])
def test_dot_label_names_stay_one_segment(harness: Harness, name: str) -> None:
    async def go(client: GitHubClient) -> None:
        await client.remove_label("a/b", 1, name)
        await client.get_label("a/b", name)

    harness.run(go, lambda r: json_response(200, [] if r.method == "DELETE" else {"name": name}))
    delete, get = harness.requests
    encoded = name.replace(".", "%2E").encode()
    assert delete.url.raw_path == b"/repos/a/b/issues/1/labels/" + encoded
    assert get.url.raw_path == b"/repos/a/b/labels/" + encoded


def test_a_link_cycle_ends_with_an_error(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(harness.requests) > 20:
            return json_response(404, {"message": "the client kept going round the cycle"})
        return json_response(200, [issue_json(1)], {"link": f'<{request.url}>; rel="next"'})

    async def go(client: GitHubClient) -> None:
        async for _ in client.iter_repo_issues("a/b"):
            pass

    with pytest.raises(BadResponse):
        harness.run(go, handler)
