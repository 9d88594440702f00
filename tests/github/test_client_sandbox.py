"""The client against the real sandbox over loopback HTTP (no Qt): pagination, ETags, label names,
error mapping with injected faults, fetch_board for the presets and the org search, permissions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote_plus

import pytest
from ghtest import live
from sandboxkit import Fault, Sandbox

from triageboard.board import Board, BoardSpec, Column, Issue, preset
from triageboard.errors import (
    AuthError,
    BadResponse,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    SearchLimitReached,
    TimedOut,
    Unavailable,
    ValidationFailed,
)
from triageboard.github import GitHubClient, MemoryPageCache, Policy, fetch_board
from triageboard.wording import describe

BOARD_REPOS = ("rust-lang/rust", "rust-lang/wg-async")


def sandbox_issues(sb: Sandbox, repo: str) -> list[dict[str, Any]]:
    """Every issue and pull request of ``repo`` as the sandbox itself holds them."""
    return [sb.issue(repo, n) for n in sb.issue_numbers(repo, state="all", pull_requests=None)]


def expected_in_scope(sb: Sandbox, spec: BoardSpec) -> set[str]:
    """What the board must show, worked out from the sandbox's raw JSON (not through the board module)."""
    wanted = {n.casefold() for n in (*spec.area_labels, *spec.triage_labels)}
    keys = set()
    for repo in spec.repos:
        for data in sandbox_issues(sb, repo):
            names = {label["name"].casefold() for label in data["labels"]}
            if data["state"] == "open" and "pull_request" not in data and names & wanted:
                keys.add(f"{repo}#{data['number']}")
    return keys


# --- pagination and conditional requests ----------------------------------------------------------------


def test_pagination_to_the_end_matches_the_sandbox(sandbox: Sandbox) -> None:
    async def go(client: GitHubClient) -> list[list[Issue]]:
        return [page async for page in client.iter_repo_issues("rust-lang/rust", state="all")]

    pages = live(sandbox, go)
    assert len(pages) > 3  # several pages of 100
    assert all(len(page) == 100 for page in pages[:-1])
    numbers = [i.number for page in pages for i in page]
    assert len(numbers) == len(set(numbers))
    assert sorted(numbers) == sandbox.issue_numbers("rust-lang/rust", state="all", pull_requests=None)
    # pull requests come through the issues endpoint and are marked as such
    prs = {i.number for page in pages for i in page if i.is_pull_request}
    assert prs == set(sandbox.issue_numbers("rust-lang/rust", state="all", pull_requests=True))


def test_label_filtered_series_is_complete(sandbox: Sandbox) -> None:
    async def go(client: GitHubClient) -> list[int]:
        return [
            i.number
            async for page in client.iter_repo_issues("rust-lang/rust", ["a-ASYNC-await"])
            for i in page
        ]

    numbers = live(sandbox, go)
    assert sorted(numbers) == sandbox.issue_numbers(
        "rust-lang/rust", labels=["A-async-await"], state="open", pull_requests=None
    )


def test_304_is_free_and_reuses_the_stored_pages(sandbox: Sandbox) -> None:
    cache = MemoryPageCache()

    async def go(client: GitHubClient) -> tuple[list[Issue], list[Issue], int, int, int]:
        first = [i async for page in client.iter_repo_issues("rust-lang/rust", state="all") for i in page]
        pages = client.stats.requests
        remaining = sandbox.rate_limit(sandbox.token)["remaining"]
        second = [i async for page in client.iter_repo_issues("rust-lang/rust", state="all") for i in page]
        after = sandbox.rate_limit(sandbox.token)["remaining"]
        assert client.stats.not_modified == pages
        return first, second, remaining, after, pages

    first, second, remaining, after, pages = live(sandbox, go, cache=cache)
    assert pages > 1
    assert second == first
    assert after == remaining  # the 304s did not count against the primary limit
    assert sandbox.stats()["not_modified"] == pages
    # ... and a change someone else makes is seen: the page's ETag changes
    number = sandbox.issue_numbers("rust-lang/rust")[0]
    sandbox.edit_labels_as("someone-else", "rust-lang/rust", number, add=["E-mentor"])

    async def again(client: GitHubClient) -> Issue:
        got = [i async for page in client.iter_repo_issues("rust-lang/rust", state="all") for i in page]
        return next(i for i in got if i.number == number)

    assert live(sandbox, again, cache=cache).has_label("E-mentor")


# --- labels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["needs triage/async", "🦀 ferris", "100% done", "brand new/odd %label"])
def test_odd_label_names_round_trip(sandbox: Sandbox, name: str) -> None:
    repo = "rust-lang/rust"
    number = sandbox.issue_numbers(repo, labels=["A-async-await"])[0]
    before = sandbox.issue_labels(repo, number)
    assert name not in before

    async def go(client: GitHubClient) -> tuple[Any, ...]:
        added = await client.add_labels(repo, number, [name])
        mid = sandbox.issue_labels(repo, number)
        removed = await client.remove_label(repo, number, name)
        again = await client.remove_label(repo, number, name)  # already gone: None, not an error
        label = await client.get_label(repo, name)
        return added, mid, removed, again, label

    sandbox.clear_request_log()
    added, mid, removed, again, label = live(sandbox, go)
    assert name in [label.name for label in added]
    assert mid == [*before, name]
    assert removed is not None
    assert [label.name for label in removed] == before
    assert again is None
    assert label is not None
    assert label.name == name  # the label now exists in the repository
    assert sandbox.issue_labels(repo, number) == before
    deletes = [r for r in sandbox.request_log if r.method == "DELETE"]
    assert len(deletes) == 2
    # encoded once: the sandbox decodes the path once and finds the label
    assert all(r.path.endswith("/labels/" + quote(name, safe="")) for r in deletes)
    assert [r.status for r in deletes] == [200, 404]


def test_labels_are_matched_case_insensitively(sandbox: Sandbox) -> None:
    repo = "rust-lang/rust"
    number = sandbox.issue_numbers(repo, labels=["AsyncAwait-Other"])[0]

    async def go(client: GitHubClient) -> Any:
        label = await client.get_label(repo, "asyncawait-other")
        removed = await client.remove_label(repo, number, "ASYNCAWAIT-OTHER")
        added = await client.add_labels(repo, number, ["asyncawait-focus"])
        return label, removed, added

    label, removed, added = live(sandbox, go)
    assert label.name == "AsyncAwait-Other"
    assert "AsyncAwait-Other" not in [x.name for x in removed]
    assert "AsyncAwait-Focus" in [x.name for x in added]  # the existing label, not a new one
    assert "asyncawait-focus" not in sandbox.label_names(repo)


def test_get_label_absent_and_label_exists(sandbox: Sandbox) -> None:
    async def go(client: GitHubClient) -> tuple[Any, bool, bool]:
        return (
            await client.get_label("rust-lang/rust", "AsyncAwait-Never"),
            await client.label_exists("rust-lang/rust", "AsyncAwait-Focus"),
            await client.label_exists("rust-lang/rust", "AsyncAwait-Never"),
        )

    assert live(sandbox, go) == (None, True, False)
    assert "AsyncAwait-Never" not in sandbox.label_names("rust-lang/rust")  # a GET never creates


# --- users, tokens, permissions ---------------------------------------------------------------------


def test_current_user_and_scopes(sandbox: Sandbox) -> None:
    user = live(sandbox, lambda c: c.current_user())
    assert user.login == "ferris"
    assert user.scopes == ("public_repo", "read:org")
    sandbox.add_token("tb-fine", login="finn", fine_grained=True, permission="triage")
    fine = live(sandbox, lambda c: c.current_user(), token="tb-fine")
    assert (fine.login, fine.scopes) == ("finn", None)


def test_repository_permissions(sandbox: Sandbox) -> None:
    sandbox.add_token("tb-reader", login="reader", permission="read")
    writable = live(sandbox, lambda c: c.get_repository("rust-lang/rust"))
    read_only = live(sandbox, lambda c: c.get_repository("rust-lang/rust"), token="tb-reader")
    reference = live(sandbox, lambda c: c.get_repository("rust-lang/reference"))
    assert writable.full_name == "rust-lang/rust"
    assert writable.can_label
    assert not read_only.can_label
    assert not reference.can_label  # every token only reads it


def test_read_only_token_gets_permission_denied_on_writes(sandbox: Sandbox) -> None:
    sandbox.add_token("tb-reader", login="reader", permission="read")
    repo = "rust-lang/rust"
    number = sandbox.issue_numbers(repo, labels=["AsyncAwait-Other"])[0]
    before = sandbox.issue_labels(repo, number)
    with pytest.raises(PermissionDenied) as info:
        live(sandbox, lambda c: c.add_labels(repo, number, ["AsyncAwait-Focus"]), token="tb-reader")
    assert "triage" in describe(info.value)
    with pytest.raises(PermissionDenied):
        live(sandbox, lambda c: c.remove_label(repo, number, "AsyncAwait-Other"), token="tb-reader")
    assert sandbox.issue_labels(repo, number) == before


def test_bad_token_is_auth_error(sandbox: Sandbox) -> None:
    with pytest.raises(AuthError) as info:
        live(sandbox, lambda c: c.current_user(), token="tb-wrong")
    assert "tb-wrong" not in describe(info.value)
    assert "rejected the token" in describe(info.value)


def test_no_token_asks_for_a_sign_in_rather_than_blaming_a_token(sandbox: Sandbox) -> None:
    with pytest.raises(AuthError) as info:
        live(sandbox, lambda c: c.current_user(), token="")
    assert "needs a sign-in" in describe(info.value)


def test_missing_repository_and_issue_are_not_found(sandbox: Sandbox) -> None:
    with pytest.raises(NotFound):
        live(sandbox, lambda c: c.get_repository("rust-lang/no-such-repo"))
    with pytest.raises(NotFound):
        live(sandbox, lambda c: c.get_issue("rust-lang/rust", 999_999))


# --- injected faults -------------------------------------------------------------------------------------


def _first(client: GitHubClient) -> Any:
    return client.get_issue("rust-lang/rust", 1)


@pytest.fixture
def issue_number(sandbox: Sandbox) -> int:
    return sandbox.issue_numbers("rust-lang/rust", labels=["A-async-await"])[0]


def test_5xx_is_retried_and_recovers(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="status", status=502, count=2))
    got = live(sandbox, lambda c: c.get_issue("rust-lang/rust", issue_number))
    assert got.number == issue_number
    assert sandbox.stats()["by_status"].get("502") == 2


def test_persistent_5xx_is_unavailable(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="status", status=503, count=None))
    with pytest.raises(Unavailable) as info:
        live(
            sandbox,
            lambda c: c.get_issue("rust-lang/rust", issue_number),
            policy=Policy(retries=2),
        )
    assert type(info.value) is Unavailable
    assert info.value.status == 503


def test_html_error_page_is_unavailable(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="html", count=None))
    with pytest.raises(Unavailable):
        live(
            sandbox,
            lambda c: c.get_issue("rust-lang/rust", issue_number),
            policy=Policy(retries=1),
        )


def test_connection_reset_is_offline(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="reset", count=None))
    with pytest.raises(Offline):
        live(
            sandbox,
            lambda c: c.get_issue("rust-lang/rust", issue_number),
            policy=Policy(retries=1),
        )


def test_a_single_reset_is_retried(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="reset", count=1))
    assert live(sandbox, lambda c: c.get_issue("rust-lang/rust", issue_number)).number == issue_number


def test_a_stalled_answer_times_out(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="timeout", seconds=2, count=None))
    with pytest.raises(TimedOut) as info:
        live(
            sandbox,
            lambda c: c.get_issue("rust-lang/rust", issue_number),
            policy=Policy(retries=0, read_timeout=0.2),
        )
    assert "did not answer in time (nothing complete within 0.2 s)" in describe(info.value)


def test_malformed_json_is_bad_response(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="malformed", count=1))
    with pytest.raises(BadResponse):
        live(sandbox, lambda c: c.get_issue("rust-lang/rust", issue_number))


def test_huge_body_is_bad_response(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="huge", size=300_000, count=1))
    with pytest.raises(BadResponse):
        live(
            sandbox,
            lambda c: c.get_issue("rust-lang/rust", issue_number),
            policy=Policy(max_body_bytes=100_000),
        )


def test_422_is_validation_failed(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="status", status=422, method="POST", message="Validation Failed", count=1))
    with pytest.raises(ValidationFailed) as info:
        live(sandbox, lambda c: c.add_labels("rust-lang/rust", issue_number, ["E-mentor"]))
    assert not isinstance(info.value, SearchLimitReached)
    assert "Validation Failed" in describe(info.value)


def test_search_past_the_cap_ends_the_series_quietly(sandbox: Sandbox) -> None:
    message = "Only the first 1000 search results are available"
    sandbox.inject(Fault(kind="status", status=422, path=r"/search/issues", message=message, count=1))

    async def go(client: GitHubClient) -> int:
        return len([p async for p in client.iter_search("org:rust-lang label:A-async-await")])

    assert live(sandbox, go) == 0


def test_secondary_rate_limit_with_retry_after(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="secondary", seconds=30, method="POST", count=1))
    with pytest.raises(RateLimited) as info:
        live(sandbox, lambda c: c.add_labels("rust-lang/rust", issue_number, ["E-mentor"]), policy=Policy())
    err = info.value
    assert err.secondary
    assert 28 < err.seconds_left() <= 30
    assert "E-mentor" not in sandbox.issue_labels("rust-lang/rust", issue_number)


def test_429_primary_rate_limit_fault(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.inject(Fault(kind="rate429", seconds=120, count=1))
    with pytest.raises(RateLimited) as info:
        live(sandbox, lambda c: c.get_issue("rust-lang/rust", issue_number), policy=Policy())
    assert not info.value.secondary
    assert 100 < info.value.seconds_left() <= 122


def test_exhausted_primary_limit_resumes_at_the_reset(sandbox: Sandbox, issue_number: int) -> None:
    sandbox.set_rate_limit(sandbox.token, remaining=0, reset_in=900)
    reset = sandbox.rate_limit(sandbox.token)["reset"]
    with pytest.raises(RateLimited) as info:
        live(sandbox, lambda c: c.get_issue("rust-lang/rust", issue_number), policy=Policy())
    assert not info.value.secondary
    assert info.value.resume_at == datetime.fromtimestamp(reset, UTC)


def test_rate_limit_state_follows_every_response(sandbox: Sandbox, issue_number: int) -> None:
    async def go(client: GitHubClient) -> tuple[int, int, str]:
        await client.get_issue("rust-lang/rust", issue_number)
        first = client.rate_limits["core"].remaining
        await client.get_issue("rust-lang/rust", issue_number)
        second = client.rate_limits["core"].remaining
        async for _ in client.iter_search("repo:rust-lang/wg-async label:AsyncAwait-Focus"):
            pass
        return first, second, client.rate_limits["search"].resource

    first, second, search = live(sandbox, go)
    assert second == first - 1
    assert search == "search"
    assert sandbox.rate_limit(sandbox.token)["remaining"] == second


# --- fetching a whole board ------------------------------------------------------------------------------


def fetch(sandbox: Sandbox, spec: BoardSpec, pages: list[list[Issue]] | None = None) -> Any:
    spec = spec.with_sources(api_url=sandbox.api_url)
    return live(sandbox, lambda c: fetch_board(c, spec, pages.append if pages is not None else None))


def test_fetch_board_default_preset_takes_every_in_scope_issue_once(sandbox: Sandbox) -> None:
    spec = preset("rust-async")
    pages: list[list[Issue]] = []
    result = fetch(sandbox, spec, pages)
    keys = [str(i.key) for i in result.issues]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_in_scope(sandbox, spec)
    assert result.notices == []
    assert not any(i.is_pull_request or i.state != "open" for i in result.issues)
    # triage label without the area label is included
    orphans = [i for i in result.issues if not i.has_label("A-async-await")]
    assert orphans
    assert all(any(i.has_label(n) for n in spec.triage_labels) for i in orphans)
    # pages arrive as they are fetched, and together hold everything
    assert {str(i.key) for page in pages for i in page} == set(keys)
    # the board built from it: the dataset's documented composition (6/30/100/60, 3 conflicts)
    board = Board(spec)
    board.replace_all(result.issues)
    assert {name: c.total for name, c in board.counts().items()} == {
        "Focus": 6,
        "OnDeck": 30,
        "Other": 100,
        "Uncategorized": 60,
    }
    assert len(board.conflicts()) == 3


def test_fetch_board_2021_preset(sandbox: Sandbox) -> None:
    spec = preset("rust-async-2021")
    result = fetch(sandbox, spec)
    keys = [str(i.key) for i in result.issues]
    assert len(keys) == len(set(keys))
    area = {
        f"{repo}#{d['number']}"
        for repo in BOARD_REPOS
        for d in sandbox_issues(sandbox, repo)
        if d["state"] == "open"
        and "pull_request" not in d
        and any(x["name"].casefold() == "a-async-await" for x in d["labels"])
    }
    assert area <= set(keys)


def test_fetch_board_2021_leaves_out_unrelated_priority_issues(sandbox: Sandbox) -> None:
    number = sandbox.create_issue(
        "rust-lang/rust", "Unrelated codegen crash", labels=["P-high", "T-compiler"]
    )
    result = fetch(sandbox, preset("rust-async-2021"))
    assert number not in {i.number for i in result.issues if i.repo == "rust-lang/rust"}


@pytest.mark.parametrize(
    "spec", [preset("rust-async").with_sources(query="org:rust-lang"), preset("rust-async-org")]
)
def test_fetch_board_org_search_path(sandbox: Sandbox, spec: BoardSpec) -> None:
    sandbox.clear_request_log()
    result = fetch(sandbox, spec)
    keys = [str(i.key) for i in result.issues]
    assert len(keys) == len(set(keys))
    # the org search covers the board's repositories and any other rust-lang repository
    org_repos = {"rust-lang/rust", "rust-lang/wg-async", "rust-lang/reference"}
    expected = expected_in_scope(sandbox, spec.with_sources(repos=sorted(org_repos)))
    assert set(keys) == expected
    assert result.notices == []
    searches = [r for r in sandbox.request_log if r.path.endswith("/search/issues")]
    assert searches
    assert all(r.resource == "search" for r in searches)
    assert not [r for r in sandbox.request_log if "/repos/" in r.path and r.path.endswith("/issues")]


def test_fetch_board_search_past_the_cap_is_split_and_complete() -> None:
    """1,234 results: more than search returns for one query, so the loader splits it by creation date
    (disjoint ranges under the cap) and merges them: every issue, no notice, no page past the cap."""
    spec = BoardSpec(
        name="big",
        query="repo:triageboard-demo/big",
        area_labels=("C-bug",),
        columns=(Column("Bugs", ("bug",)), Column("Inbox")),
    )
    with Sandbox(token="tb-big", seed=1, extra_issues=1234) as sb:
        result = fetch(sb, spec)
        log = sb.request_log
    numbers = sorted(i.number for i in result.issues)
    assert numbers == list(range(1, 1235))
    assert result.notices == []
    searches = [r for r in log if r.path.endswith("/search/issues")]
    assert all(r.status == 200 for r in searches)  # never a 422 past the cap
    assert any("created" in unquote_plus(r.query) for r in searches)


def test_fetch_board_error_in_one_series_is_raised_not_grouped(sandbox: Sandbox) -> None:
    sandbox.inject(Fault(kind="status", status=401, path=r"wg-async/issues", count=None))
    with pytest.raises(AuthError):
        fetch(sandbox, preset("rust-async"))


def test_series_run_at_most_max_series_at_once(sandbox: Sandbox) -> None:
    sandbox.inject(Fault(kind="latency", seconds=0.15, count=None))
    spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
    in_flight = 0
    peak = 0

    async def go(client: GitHubClient) -> None:
        nonlocal in_flight, peak
        original = client._once

        async def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await original(*args, **kwargs)
            finally:
                in_flight -= 1

        client._once = counting  # type: ignore[method-assign]
        await fetch_board(client, spec)

    live(sandbox, go, policy=Policy(max_series=2))
    assert peak == 2
