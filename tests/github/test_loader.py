"""What a board fetch asks GitHub for, and how it reports a cut or partial search (mock transport)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from ghtest import API, Harness, issue_json, json_response

from triageboard.board import BoardSpec, Column, preset
from triageboard.errors import NotFound
from triageboard.github import GitHubClient, fetch_board, repo_series, search_query
from triageboard.github.loader import SPLIT_PIECES
from triageboard.wording import describe


def test_repo_series_one_per_area_label_and_one_per_column_because_labels_means_and() -> None:
    assert repo_series(preset("rust-async")) == [
        (repo, labels)
        for repo in ("rust-lang/rust", "rust-lang/wg-async")
        for labels in (
            ("A-async-await",),
            ("AsyncAwait-Focus",),
            ("AsyncAwait-OnDeck",),
            ("AsyncAwait-Other",),
        )
    ]
    # a 2021 column is found by all its labels at once, never by "P-high" alone
    assert repo_series(preset("rust-async-2021").with_sources(repos=["rust-lang/rust"])) == [
        ("rust-lang/rust", ("A-async-await",)),
        ("rust-lang/rust", ("P-high", "AsyncAwait-Triaged")),
        ("rust-lang/rust", ("P-medium", "AsyncAwait-Triaged")),
        ("rust-lang/rust", ("P-low", "AsyncAwait-Triaged")),
    ]


def test_repo_series_without_area_labels_takes_the_whole_repository() -> None:
    spec = BoardSpec(name="x", repos=("a/b",), columns=(Column("Now", ("now",)), Column("Inbox")))
    assert repo_series(spec) == [("a/b", ())]


def test_repo_series_dedupes_label_sets_case_insensitively() -> None:
    spec = BoardSpec(
        name="x",
        repos=("a/b",),
        area_labels=("Area",),
        columns=(
            Column("Now", ("AREA",)),
            Column("Later", ("x", "Y")),
            Column("Again", ("y", "X")),
            Column("Inbox"),
        ),
    )
    assert repo_series(spec) == [("a/b", ("Area",)), ("a/b", ("x", "Y"))]


def test_search_query_adds_scope_and_or_of_board_labels() -> None:
    spec = preset("rust-async").with_sources(query="org:rust-lang")
    assert search_query(spec) == (
        'org:rust-lang is:issue is:open label:"A-async-await","AsyncAwait-Focus","AsyncAwait-OnDeck",'
        '"AsyncAwait-Other"'
    )
    wide = BoardSpec(
        name="w",
        query="org:x",
        area_labels=('odd "name"',),
        columns=(Column("Inbox"),),
        include_pull_requests=True,
        include_closed=True,
    )
    assert search_query(wide) == 'org:x label:"odd name"'
    # 2021: AsyncAwait-Triaged is on every column, so it finds them all without fetching every P-high issue
    org_2021 = preset("rust-async-2021").with_sources(query="org:rust-lang")
    assert (
        search_query(org_2021) == 'org:rust-lang is:issue is:open label:"A-async-await","AsyncAwait-Triaged"'
    )


async def _fetch(client: GitHubClient, spec: BoardSpec) -> object:
    return await fetch_board(client, spec)


SEARCH_SPEC = BoardSpec(
    name="s",
    query="org:rust-lang",
    area_labels=("A-async-await",),
    columns=(Column("Now", ("now",)), Column("Inbox")),
)


def search_pages(total: int, per_page: int, pages: int, incomplete: bool = False):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        items = [issue_json(page * 1000 + n, "A-async-await") for n in range(per_page)]
        link = f'<{API}/search/issues?q=x&page={page + 1}>; rel="next"' if page < pages else ""
        body = {"total_count": total, "incomplete_results": incomplete, "items": items}
        return json_response(200, body, {"link": link} if link else {})

    return handler


def test_a_search_no_split_gets_under_the_cap_says_so_and_stops_asking(harness: Harness) -> None:
    """A server that claims 4,321 results for every range: the split gives up (boundedly) and says so."""
    result = harness.run(lambda c: _fetch(c, SEARCH_SPEC), search_pages(total=4321, per_page=5, pages=3))
    got = len(result.issues)  # type: ignore[attr-defined]
    assert got > 0
    (fact,) = result.notices  # type: ignore[attr-defined]
    notice = describe(fact)
    assert f"{got:,} of 4,321" in notice
    assert "--repo" in notice
    searches = [r for r in harness.requests if r.url.path.endswith("/search/issues")]
    assert len(searches) <= 2 + SPLIT_PIECES  # it sees that ranges do not narrow, and stops
    assert all(int(r.url.params.get("page", "1")) <= 10 for r in searches)


CREATED_BASE = datetime(2020, 1, 1, tzinfo=UTC)


def dated_search(count: int, *, same_second: int = 0) -> Callable[[httpx.Request], httpx.Response]:
    """A search over ``count`` issues created an hour apart (the last ``same_second`` in one second) that
    honours ``created:LO..HI`` (HI may be ``*``), the order of creation, pages of ``per_page``, Link headers,
    and the 1,000 cap."""
    created = [CREATED_BASE + timedelta(hours=n) for n in range(count - same_second)]
    created += [CREATED_BASE + timedelta(hours=count)] * same_second

    def stamp(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    def handler(request: httpx.Request) -> httpx.Response:
        q = request.url.params["q"]
        lo, hi = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
        for word in q.split():
            if word.startswith("created:"):
                a, _, b = word.removeprefix("created:").partition("..")
                lo = stamp(a)
                hi = stamp(b) if b != "*" else hi
        numbers = [n + 1 for n, c in enumerate(created) if lo <= c <= hi]
        if request.url.params.get("order") == "desc":
            numbers.reverse()
        per_page = int(request.url.params.get("per_page", "30"))
        page = int(request.url.params.get("page", "1"))
        if page * per_page > 1000 + per_page - 1:
            return json_response(422, {"message": "Only the first 1000 search results are available"})
        chosen = numbers[(page - 1) * per_page : page * per_page][: max(0, 1000 - (page - 1) * per_page)]
        items = [
            issue_json(n, "A-async-await", created_at=created[n - 1].strftime("%Y-%m-%dT%H:%M:%SZ"))
            for n in chosen
        ]
        last = max(1, -(-min(len(numbers), 1000) // per_page))
        links = []
        if page < last:
            query = dict(request.url.params)
            links.append(f'<{request.url.copy_merge_params({**query, "page": str(page + 1)})}>; rel="next"')
            links.append(f'<{request.url.copy_merge_params({**query, "page": str(last)})}>; rel="last"')
        headers = {"link": ", ".join(links)} if links else {}
        body = {"total_count": len(numbers), "incomplete_results": False, "items": items}
        return json_response(200, body, headers)

    return handler


def test_a_search_past_1000_is_split_by_creation_date_and_complete(harness: Harness) -> None:
    result = harness.run(lambda c: _fetch(c, SEARCH_SPEC), dated_search(2500))
    numbers = sorted(i.number for i in result.issues)  # type: ignore[attr-defined]
    assert numbers == list(range(1, 2501))
    assert result.notices == []  # type: ignore[attr-defined]
    searches = [r for r in harness.requests if r.url.path.endswith("/search/issues")]
    assert all(int(r.url.params.get("page", "1")) <= 10 for r in searches)  # never past the cap
    ranged = [r.url.params["q"] for r in searches if "created:" in r.url.params["q"]]
    assert ranged  # it was split
    # 2,500 results in 25 pages, plus the first page and a few ranges' first pages
    assert len(searches) <= 25 + 1 + 8


def test_a_range_of_one_second_over_the_cap_is_cut_and_said(harness: Harness) -> None:
    result = harness.run(lambda c: _fetch(c, SEARCH_SPEC), dated_search(1500, same_second=1200))
    got = len(result.issues)  # type: ignore[attr-defined]
    assert 1000 <= got < 1500
    (fact,) = result.notices  # type: ignore[attr-defined]
    assert f"{got:,} of 1,500" in describe(fact)


def test_incomplete_search_gives_a_notice(harness: Harness) -> None:
    result = harness.run(
        lambda c: _fetch(c, SEARCH_SPEC), search_pages(total=10, per_page=5, pages=2, incomplete=True)
    )
    (fact,) = result.notices  # type: ignore[attr-defined]
    assert "incomplete" in describe(fact)


def test_complete_search_gives_no_notice(harness: Harness) -> None:
    result = harness.run(lambda c: _fetch(c, SEARCH_SPEC), search_pages(total=10, per_page=5, pages=2))
    assert result.notices == []  # type: ignore[attr-defined]
    assert len(result.issues) == 10  # type: ignore[attr-defined]


def test_fetch_drops_out_of_scope_items_and_dedupes_across_series(harness: Harness) -> None:
    spec = preset("rust-async").with_sources(repos=["rust-lang/rust"])

    def handler(request: httpx.Request) -> httpx.Response:
        label = request.url.params["labels"]
        both = issue_json(1, "A-async-await", "AsyncAwait-Focus")
        pr = issue_json(2, label, pull_request={"url": "x"})
        closed = issue_json(3, label, state="closed")
        mine = issue_json(10 + len(label), label)
        return json_response(200, [both, pr, closed, mine])

    pages: list[object] = []

    async def go(client: GitHubClient) -> object:
        return await fetch_board(client, spec, pages.append)

    result = harness.run(go, handler)
    numbers = sorted(i.number for i in result.issues)  # type: ignore[attr-defined]
    assert numbers == sorted({1, *(10 + len(n) for n in ("A-async-await", *spec.triage_labels))})
    assert len(pages) == 4
    assert all(params in {r.url.params["labels"] for r in harness.requests} for params in spec.triage_labels)


def test_first_error_is_raised_and_no_partial_result(harness: Harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["labels"] == "AsyncAwait-Other":
            return json_response(404, {"message": "Not Found"})
        return json_response(200, [issue_json(1, "A-async-await")])

    with pytest.raises(NotFound):
        harness.run(lambda c: _fetch(c, preset("rust-async")), handler)


def test_a_split_search_waits_out_the_search_rate_limit(harness: Harness) -> None:
    """Search allows 30 requests a minute: a big split meets it, waits until the announced reset (on the
    clock) and goes on, rather than failing the load."""
    inner = dated_search(2500)
    limited = {"done": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if "created:" in request.url.params["q"] and not limited["done"]:
            limited["done"] = True
            reset = int(harness.clock.time()) + 40
            headers = {
                "x-ratelimit-remaining": "0",
                "x-ratelimit-limit": "30",
                "x-ratelimit-reset": str(reset),
            }
            headers["x-ratelimit-resource"] = "search"
            return json_response(403, {"message": "API rate limit exceeded"}, headers)
        return inner(request)

    result = harness.run(lambda c: _fetch(c, SEARCH_SPEC), handler)
    assert len(result.issues) == 2500  # type: ignore[attr-defined]
    assert any(35 <= s <= 45 for s in harness.sleeps)
