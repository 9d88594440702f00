"""Real GitHub exchanges recorded by octokit/fixtures (MIT, tests/data/octokit-LICENSE.md), replayed through
the client: each request is checked against the recording, answered with the recorded status, headers and
body, and the client's parsed result is compared with the recorded JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from ghtest import Harness

from triageboard.errors import SearchLimitReached, ValidationFailed
from triageboard.github import GitHubClient
from triageboard.wording import describe

DATA = Path(__file__).parent.parent / "data"
# recorded before a body was re-serialized; they would not match the replayed bytes
_DROP = {"content-length", "content-encoding", "connection", "transfer-encoding"}


def recorded(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (DATA / f"octokit-{name}.normalized-fixture.json").read_text("utf-8")
    )
    return data


class Replay:
    """Serves ``exchanges`` in order; fails the test on any request the recording does not have."""

    def __init__(self, exchanges: list[dict[str, Any]], *, exact_query_from: int = 1) -> None:
        self.exchanges = list(exchanges)
        self.served = 0
        self.exact_query_from = exact_query_from

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.served < len(self.exchanges), f"unexpected extra request {request.method} {request.url}"
        ex = self.exchanges[self.served]
        scope = urlsplit(ex["scope"])
        assert (request.url.scheme, request.url.host) == (scope.scheme, scope.hostname)
        assert request.method == ex["method"].upper()
        path, _, query = ex["path"].partition("?")
        assert request.url.raw_path.split(b"?")[0].decode() == path
        if self.served >= self.exact_query_from:
            # pages after the first are requested exactly as the recorded Link header named them
            assert request.url.query.decode() == query
        else:
            # the first request is the client's own: the recorded parameters, page size aside, must be there
            mine = dict(request.url.params)
            for key, value in httpx.QueryParams(query).items():
                if key not in {"per_page", "page"}:
                    assert mine.get(key) == value
        if ex["body"]:
            assert json.loads(request.content) == ex["body"]
        self.served += 1
        headers = {k: str(v) for k, v in ex["headers"].items() if k.lower() not in _DROP}
        content = b"" if ex["response"] in ("", None) else json.dumps(ex["response"]).encode()
        return httpx.Response(ex["status"], headers=headers, content=content)


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_same_issue(issue: Any, data: dict[str, Any], repo: str) -> None:
    assert issue.repo == repo
    assert issue.number == data["number"]
    assert issue.title == data["title"]
    assert issue.state == data["state"]
    assert issue.label_names == tuple(label["name"] for label in data["labels"])
    assert issue.assignees == tuple(a["login"] for a in data["assignees"])
    assert issue.author == data["user"]["login"]
    assert issue.is_pull_request == ("pull_request" in data)
    assert issue.comments == data["comments"]
    assert issue.html_url == data["html_url"]
    assert issue.created_at == _when(data["created_at"])
    assert issue.updated_at == _when(data["updated_at"])
    assert issue.closed_at == _when(data["closed_at"])
    assert issue.body == (data["body"] or "")


def test_paginate_issues_follows_every_recorded_link(harness: Harness) -> None:
    exchanges = recorded("paginate-issues")
    replay = Replay(exchanges)
    repo = "octokit-fixture-org/paginate-issues"

    async def go(client: GitHubClient) -> list[list[Any]]:
        return [page async for page in client.iter_repo_issues(repo)]

    pages = harness.run(go, replay)
    assert replay.served == len(exchanges) == 5  # to the page without rel="next", and no further
    assert [len(p) for p in pages] == [len(ex["response"]) for ex in exchanges]
    for page, ex in zip(pages, exchanges, strict=True):
        for issue, data in zip(page, ex["response"], strict=True):
            # pages 2.. come from /repositories/1000/...: the repository is read from each issue
            assert_same_issue(issue, data, repo)
    assert [i.number for p in pages for i in p] == list(range(13, 0, -1))
    # the first request is the client's own; the later ones are the Link URLs verbatim
    assert harness.requests[0].url.path == f"/repos/{repo}/issues"
    assert [str(r.url) for r in harness.requests[1:]] == [
        "https://api.github.com" + ex["path"] for ex in exchanges[1:]
    ]
    assert all(r.headers["authorization"].startswith("Bearer ") for r in harness.requests)


def test_search_issues(harness: Harness) -> None:
    exchanges = recorded("search-issues")
    replay = Replay(exchanges)
    query = "sesame repo:octokit-fixture-org/search-issues"

    async def go(client: GitHubClient) -> list[Any]:
        return [page async for page in client.iter_search(query)]

    (page,) = harness.run(go, replay)
    response = exchanges[0]["response"]
    assert replay.served == 1
    assert harness.requests[0].url.params["q"] == query
    assert page.total_count == response["total_count"] == 2
    assert page.incomplete is response["incomplete_results"]
    for issue, data in zip(page.issues, response["items"], strict=True):
        assert_same_issue(issue, data, "octokit-fixture-org/search-issues")


def test_search_rate_limit_resource_is_recorded(harness: Harness) -> None:
    exchanges = recorded("search-issues")
    # the recording's reset time was normalised to an impossible date: use a real one, keep the rest
    exchanges[0] = {**exchanges[0], "headers": {**exchanges[0]["headers"], "x-ratelimit-reset": "1507651200"}}

    async def go(client: GitHubClient) -> Any:
        async for _ in client.iter_search("sesame repo:octokit-fixture-org/search-issues"):
            pass
        return client.rate_limits

    limits = harness.run(go, Replay(exchanges))
    search = limits["search"]
    assert (search.limit, search.remaining, search.used) == (30, 29, 1)
    assert search.reset_at.timestamp() == 1507651200


def test_add_labels_returns_the_auto_created_labels(harness: Harness) -> None:
    exchanges = recorded("add-labels-to-issue")
    add = exchanges[1]  # [0] creates the issue, which the client never does
    assert add["path"].endswith("/issues/1/labels")
    replay = Replay([add])

    labels = harness.run(
        lambda c: c.add_labels("octokit-fixture-org/add-labels-to-issue", 1, ["Foo", "bAr", "baZ"]), replay
    )
    assert replay.served == 1
    assert json.loads(harness.requests[0].content) == add["body"] == {"labels": ["Foo", "bAr", "baZ"]}
    assert [(label.name, label.color, label.description) for label in labels] == [
        (item["name"], item["color"], item["description"]) for item in add["response"]
    ]
    # GitHub silently created them: grey, no description
    assert {label.color for label in labels} == {"ededed"}


def test_get_label(harness: Harness) -> None:
    exchanges = recorded("labels")
    get = next(ex for ex in exchanges if ex["method"] == "get" and ex["path"].endswith("/labels/test-label"))
    label = harness.run(lambda c: c.get_label("octokit-fixture-org/labels", "test-label"), Replay([get]))
    assert label is not None
    assert (label.name, label.color, label.description) == ("test-label", "663399", None)


def test_errors_422_is_validation_failed_with_githubs_message(harness: Harness) -> None:
    (ex,) = recorded("errors")
    assert ex["status"] == 422

    async def go(client: GitHubClient) -> Any:
        # The client never creates labels, so no public operation makes this request; replay it through the
        # plumbing every operation shares.
        return await client._request(
            "POST", "/repos/octokit-fixture-org/errors/labels", json_body=ex["body"], mutating=True
        )

    with pytest.raises(ValidationFailed) as info:
        harness.run(go, Replay([ex]))
    err = info.value
    assert not isinstance(err, SearchLimitReached)
    assert err.status == 422
    assert ex["response"]["message"] in describe(err)
