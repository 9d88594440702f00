"""Listing issues: filters, pagination through Link headers, conditional requests."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

from sandboxkit import Sandbox
from sbclient import Api, recorded

AREA = "A-async-await"


def test_pagination_follows_link_to_the_end(api: Api, sb: Sandbox) -> None:
    items, visited = api.follow(f"repos/rust-lang/rust/issues?labels={AREA}&per_page=25")
    expected = sb.issue_numbers("rust-lang/rust", labels=[AREA], pull_requests=None)
    assert sorted(i["number"] for i in items) == expected
    assert len(visited) == -(-len(expected) // 25)
    # The links are absolute, in GitHub's /repositories/{id} form, and keep the other parameters.
    repo_id = api.get("repos/rust-lang/rust").json()["id"]
    for url in visited[1:]:
        assert url.startswith(f"{sb.api_url}/repositories/{repo_id}/issues?")
        query = parse_qs(urlsplit(url).query)
        assert query["labels"] == [AREA]
        assert query["per_page"] == ["25"]


def test_link_relations_like_github(api: Api) -> None:
    first = api.get("repos/rust-lang/rust/issues?per_page=10")
    links = first.links()
    assert set(links) == {"next", "last"}
    last_page = int(parse_qs(urlsplit(links["last"]).query)["page"][0])
    middle = api.get(links["next"])
    assert set(middle.links()) == {"prev", "next", "last", "first"}
    # The same order as a recorded GitHub answer: prev, next, last, first.
    recorded_link = recorded("paginate-issues")[1]["headers"]["link"]
    order = [part.split('rel="')[1].rstrip('"') for part in recorded_link.split(", ")]
    ours = [part.split('rel="')[1].rstrip('"') for part in (middle.header("Link") or "").split(", ")]
    assert ours == order == ["prev", "next", "last", "first"]
    final = api.get(links["last"])
    assert set(final.links()) == {"prev", "first"}
    assert 1 <= len(final.json()) <= 10
    assert parse_qs(urlsplit(final.links()["prev"]).query)["page"] == [str(last_page - 1)]


def test_per_page_defaults_to_30_and_caps_at_100(api: Api) -> None:
    assert len(api.get("repos/rust-lang/rust/issues").json()) == 30
    assert len(api.get("repos/rust-lang/rust/issues?per_page=500").json()) == 100
    assert api.get("repos/triageboard-demo/empty/issues").json() == []
    assert api.get("repos/triageboard-demo/empty/issues").header("Link") is None


def test_labels_filter_is_and_and_case_insensitive(api: Api, sb: Sandbox) -> None:
    both, _ = api.follow("repos/rust-lang/rust/issues?labels=a-ASYNC-await,asyncawait-focus&per_page=100")
    assert both
    for issue in both:
        names = {label["name"] for label in issue["labels"]}
        assert {AREA, "AsyncAwait-Focus"} <= names
    assert sorted(i["number"] for i in both) == sb.issue_numbers(
        "rust-lang/rust", labels=[AREA, "AsyncAwait-Focus"], pull_requests=None
    )
    # rust-lang/rust has an OnDeck issue without the area label: the AND filter leaves it out.
    ondeck, _ = api.follow("repos/rust-lang/rust/issues?labels=AsyncAwait-OnDeck&per_page=100")
    ondeck_area, _ = api.follow(f"repos/rust-lang/rust/issues?labels=AsyncAwait-OnDeck,{AREA}&per_page=100")
    assert len(ondeck) == len(ondeck_area) + 1


def test_label_with_a_slash_and_emoji_in_the_filter(api: Api) -> None:
    labels = quote("needs triage/async", safe="")
    items, _ = api.follow(f"repos/rust-lang/rust/issues?labels={labels}&per_page=100")
    assert items
    assert all("needs triage/async" in {x["name"] for x in i["labels"]} for i in items)
    ferris, _ = api.follow(f"repos/rust-lang/rust/issues?labels={quote('🦀 ferris')}&per_page=100")
    assert all("🦀 ferris" in {x["name"] for x in i["labels"]} for i in ferris)


def test_pull_requests_are_included_and_marked(api: Api, sb: Sandbox) -> None:
    items, _ = api.follow(f"repos/rust-lang/rust/issues?labels={AREA}&per_page=100")
    prs = [i for i in items if "pull_request" in i]
    assert sorted(i["number"] for i in prs) == sb.issue_numbers(
        "rust-lang/rust", labels=[AREA], pull_requests=True
    )
    assert prs
    assert all(pr["pull_request"]["html_url"].endswith(f"/pull/{pr['number']}") for pr in prs)
    assert all("pull_request" not in i for i in items if i not in prs)


def test_state_filter(api: Api, sb: Sandbox) -> None:
    closed, _ = api.follow("repos/rust-lang/wg-async/issues?state=closed&per_page=100")
    assert closed
    assert all(i["state"] == "closed" and i["closed_at"] for i in closed)
    everything, _ = api.follow("repos/rust-lang/wg-async/issues?state=all&per_page=100")
    assert len(everything) == len(sb.issue_numbers("rust-lang/wg-async", state="all", pull_requests=None))
    assert api.get("repos/rust-lang/rust/issues?state=bogus").status == 422


def test_since_returns_issues_updated_at_or_after(api: Api, sb: Sandbox) -> None:
    since = "2026-10-15T00:00:00Z"
    recent, _ = api.follow(f"repos/rust-lang/rust/issues?since={since}&sort=updated&per_page=100")
    assert recent
    assert all(i["updated_at"] >= since for i in recent)
    everything, _ = api.follow("repos/rust-lang/rust/issues?per_page=100")
    assert len(recent) == sum(1 for i in everything if i["updated_at"] >= since)
    assert api.get("repos/rust-lang/rust/issues?since=yesterday").status == 422


def test_sort_and_direction(api: Api) -> None:
    updated = api.get("repos/rust-lang/rust/issues?sort=updated&direction=desc&per_page=100").json()
    stamps = [i["updated_at"] for i in updated]
    assert stamps == sorted(stamps, reverse=True)
    created = api.get("repos/rust-lang/rust/issues?sort=created&direction=asc&per_page=100").json()
    assert [i["number"] for i in created] == sorted(i["number"] for i in created)


def test_assignee_filter(api: Api) -> None:
    nobody, _ = api.follow("repos/rust-lang/rust/issues?assignee=none&per_page=100")
    anybody, _ = api.follow("repos/rust-lang/rust/issues?assignee=*&per_page=100")
    everything, _ = api.follow("repos/rust-lang/rust/issues?per_page=100")
    assert nobody
    assert anybody
    assert len(nobody) + len(anybody) == len(everything)
    assert all(not i["assignees"] and i["assignee"] is None for i in nobody)
    assert all(i["assignee"] == i["assignees"][0] for i in anybody)
    tmandry, _ = api.follow("repos/rust-lang/rust/issues?assignee=TMandry&per_page=100")
    assert tmandry
    assert all("tmandry" in {a["login"] for a in i["assignees"]} for i in tmandry)


def test_etag_and_304_which_costs_nothing(api: Api) -> None:
    path = f"repos/rust-lang/rust/issues?labels={AREA}&per_page=50"
    first = api.get(path)
    etag = first.header("ETag")
    assert etag
    assert etag.startswith('W/"')
    remaining = int(first.header("x-ratelimit-remaining") or 0)
    again = api.get(path, headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    assert again.header("ETag") == etag
    assert int(again.header("x-ratelimit-remaining") or 0) == remaining
    assert api.get("rate_limit").json()["resources"]["core"]["remaining"] == remaining
    other = api.get(path, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status == 200
    assert int(other.header("x-ratelimit-remaining") or 0) == remaining - 1
    assert api.sb.stats()["not_modified"] == 1


def test_etags_change_when_someone_else_edits(api: Api, sb: Sandbox) -> None:
    number = sb.issue_numbers("rust-lang/rust", labels=["AsyncAwait-OnDeck"])[0]
    # A page's ETag covers that page: the recently-updated first page is the one that changes.
    list_path = f"repos/rust-lang/rust/issues?labels={AREA}&sort=updated&per_page=10"
    issue_path = f"repos/rust-lang/rust/issues/{number}"
    list_etag = api.get(list_path).header("ETag")
    issue_before = api.get(issue_path)
    labels = sb.edit_labels_as(
        "other-user", "rust-lang/rust", number, add=["E-easy"], remove=["AsyncAwait-OnDeck"]
    )
    assert "E-easy" in labels
    assert "AsyncAwait-OnDeck" not in labels
    issue_after = api.get(issue_path, headers={"If-None-Match": issue_before.header("ETag") or ""})
    assert issue_after.status == 200
    assert issue_after.json()["updated_at"] > issue_before.json()["updated_at"]
    assert api.get(list_path, headers={"If-None-Match": list_etag or ""}).status == 200
    assert sb.stats()["external_edits"] == 1


def test_unauthenticated_304_still_counts(api: Api) -> None:
    first = api.get("repos/rust-lang/wg-async/issues", token=None)
    again = api.get(
        "repos/rust-lang/wg-async/issues", token=None, headers={"If-None-Match": first.header("ETag") or ""}
    )
    assert again.status == 304
    assert again.header("x-ratelimit-remaining") == "58"


def test_single_issue_and_its_html_page(api: Api, sb: Sandbox) -> None:
    number = sb.issue_numbers("rust-lang/rust", labels=[AREA])[0]
    issue = api.get(f"repos/rust-lang/rust/issues/{number}").json()
    assert issue["number"] == number
    assert issue["html_url"] == f"{sb.web_url}/rust-lang/rust/issues/{number}"
    assert issue["url"] == f"{sb.api_url}/repos/rust-lang/rust/issues/{number}"
    page = api.get(issue["html_url"], token=None)
    assert page.status == 200
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    assert f"#{number}".encode() in page.body


def test_issue_keys_match_a_recorded_github_issue(api: Api) -> None:
    recorded_issue = recorded("paginate-issues")[0]["response"][0]
    ours = api.get("repos/rust-lang/rust/issues?per_page=1").json()[0]
    assert set(recorded_issue) <= set(ours)
    assert set(recorded_issue["user"]) <= set(ours["user"])
    assert set(recorded_issue["reactions"]) == set(ours["reactions"])
