"""Issue search: qualifiers, OR within a label qualifier, exclusion, the 1,000-result cap, its own limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sandboxkit import Sandbox
from sbclient import Api, recorded

from triageboard.clock import ScaledClock

BOARD = "org:rust-lang is:issue is:open label:A-async-await"


def search(api: Api, q: str, **params: Any) -> list[dict[str, Any]]:
    items, _ = api.follow("search/issues?" + urlencode({"q": q, "per_page": 100, **params}))
    return items


def names(item: dict[str, Any]) -> set[str]:
    return {label["name"] for label in item["labels"]}


def test_search_answer_shape(api: Api) -> None:
    reply = api.get("search/issues?" + urlencode({"q": BOARD, "per_page": 5}))
    body = reply.json()
    recorded_body = recorded("search-issues")[0]["response"]
    assert set(body) == set(recorded_body) == {"total_count", "incomplete_results", "items"}
    assert body["incomplete_results"] is False
    assert set(recorded_body["items"][0]) <= set(body["items"][0])
    assert body["items"][0]["score"] == 1.0
    assert reply.header("ETag") is None
    assert reply.header("x-ratelimit-resource") == "search"
    assert reply.header("x-ratelimit-limit") == "30"
    assert reply.header("Cache-Control") == "no-cache"


def test_qualifiers_are_anded(api: Api, sb: Sandbox) -> None:
    items = search(api, BOARD + " label:AsyncAwait-Focus")
    expected = sum(
        len(sb.issue_numbers(repo, labels=["A-async-await", "AsyncAwait-Focus"]))
        for repo in ("rust-lang/rust", "rust-lang/wg-async", "rust-lang/reference")
    )
    assert len(items) == expected == 6
    for item in items:
        assert {"A-async-await", "AsyncAwait-Focus"} <= names(item)
        assert item["state"] == "open"
        assert "pull_request" not in item


def test_org_wide_board_query_counts(api: Api) -> None:
    board = search(api, BOARD)
    repos = {item["repository_url"].rsplit("/", 1)[1] for item in board}
    assert repos == {"rust", "wg-async", "reference"}
    assert api.get("search/issues?" + urlencode({"q": BOARD, "per_page": 1})).json()["total_count"] == len(
        board
    )


def test_label_or_within_one_qualifier_with_quotes(api: Api) -> None:
    either = search(api, 'repo:rust-lang/rust is:issue label:"needs triage/async","AsyncAwait-Focus"')
    assert either
    assert all(names(i) & {"needs triage/async", "AsyncAwait-Focus"} for i in either)
    triage = search(api, 'repo:rust-lang/rust is:issue label:"needs triage/async"')
    focus = search(api, "repo:rust-lang/rust is:issue label:AsyncAwait-Focus")
    assert len(either) == len({i["number"] for i in triage} | {i["number"] for i in focus})


def test_excluding_labels(api: Api) -> None:
    items = search(api, BOARD + " -label:AsyncAwait-Focus -label:AsyncAwait-OnDeck -label:AsyncAwait-Other")
    assert len(items) == 60 + 3  # uncategorized on the board, plus the read-only reference repository
    assert all(not names(i) & {"AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other"} for i in items)


def test_no_assignee_and_assignee(api: Api) -> None:
    unassigned = search(api, BOARD + " label:AsyncAwait-Focus no:assignee")
    assert len(unassigned) == 2
    assert all(not i["assignees"] for i in unassigned)
    mine = search(api, BOARD + " assignee:@me")
    assert all("ferris" in {a["login"] for a in i["assignees"]} for i in mine)
    niko = search(api, BOARD + " assignee:nikomatsakis")
    assert niko
    assert all("nikomatsakis" in {a["login"] for a in i["assignees"]} for i in niko)


def test_is_pr_closed_no_label_and_words(api: Api) -> None:
    prs = search(api, "repo:rust-lang/rust is:pr label:A-async-await")
    assert len(prs) == 8
    assert all("pull_request" in i for i in prs)
    closed = search(api, "org:rust-lang is:closed label:A-async-await")
    assert closed
    assert all(i["state"] == "closed" for i in closed)
    assert search(api, "repo:triageboard-demo/empty no:label") == []
    html = search(api, "repo:rust-lang/rust <script>")
    assert any("<script>alert(1)</script>" in i["title"] for i in html)
    phrase = search(api, 'org:rust-lang "async closures make ferris sad"')
    assert len(phrase) == 1


def test_updated_range_and_sort(api: Api) -> None:
    recent = search(api, BOARD + " updated:>=2026-10-01", sort="updated", order="asc")
    stamps = [i["updated_at"] for i in recent]
    assert recent
    assert stamps == sorted(stamps)
    assert stamps[0] >= "2026-10-01"


def test_unknown_repository_and_empty_query_are_422(api: Api) -> None:
    unknown = api.get("search/issues?" + urlencode({"q": "repo:nobody/nothing label:x"}))
    assert unknown.status == 422
    assert "cannot be searched" in unknown.json()["errors"][0]["message"]
    assert api.get("search/issues?q=").status == 422
    assert api.get("search/issues").status == 422


@pytest.fixture
def big() -> Iterator[Sandbox]:
    with Sandbox(seed=1, clock=ScaledClock(0.01), extra_issues=1200) as server:
        yield server


def test_only_the_first_1000_results(big: Sandbox) -> None:
    api = Api(big)
    q = "repo:triageboard-demo/big is:issue label:C-bug"
    page = api.get("search/issues?" + urlencode({"q": q, "per_page": 100, "page": 10}))
    assert page.status == 200
    assert page.json()["total_count"] == 1200
    assert len(page.json()["items"]) == 100
    assert "next" not in page.links()
    first = api.get("search/issues?" + urlencode({"q": q, "per_page": 100}))
    assert parse_qs(urlsplit(first.links()["last"]).query)["page"] == ["10"]
    past = api.get("search/issues?" + urlencode({"q": q, "per_page": 100, "page": 11}))
    assert past.status == 422
    assert past.json()["message"] == "Only the first 1000 search results are available"
    odd = api.get("search/issues?" + urlencode({"q": q, "per_page": 30, "page": 34}))
    assert odd.status == 200
    assert len(odd.json()["items"]) == 10


def test_search_has_its_own_limit_of_30_a_minute(api: Api, sb: Sandbox) -> None:
    sb.set_rate_limit(sb.token, resource="search", remaining=1, reset_in=6000)  # 60 s at time_scale 0.01
    assert api.get("search/issues?q=org:rust-lang").status == 200
    exhausted = api.get("search/issues?q=org:rust-lang")
    assert exhausted.status == 403
    assert exhausted.header("x-ratelimit-remaining") == "0"
    assert exhausted.header("x-ratelimit-resource") == "search"
    assert "rate limit exceeded" in exhausted.json()["message"]
    # The core limit is untouched.
    assert api.get("repos/rust-lang/rust").status == 200
