"""What a board fetch asks GitHub for, and how it reports a cut or partial search (mock transport)."""

from __future__ import annotations

import httpx
import pytest
from ghtest import API, Harness, issue_json, json_response

from triageboard.board import BoardSpec, Column, preset
from triageboard.errors import NotFound
from triageboard.github import GitHubClient, fetch_board, repo_series, search_query
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


def test_cut_search_gives_a_notice_that_says_what_to_do(harness: Harness) -> None:
    result = harness.run(lambda c: _fetch(c, SEARCH_SPEC), search_pages(total=4321, per_page=5, pages=3))
    assert len(result.issues) == 15  # type: ignore[attr-defined]
    (fact,) = result.notices  # type: ignore[attr-defined]
    notice = describe(fact)
    assert "15 of 4,321" in notice
    assert "--repo" in notice


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
