"""Comments: listing (paginated), posting (201, counted as content creation), the issue's ``comments``
count, locked issues, and files (``contents``) with their raw form."""

from __future__ import annotations

import base64

import pytest
from sandboxkit import READER_TOKEN, Sandbox
from sbclient import Api

REPO = "rust-lang/rust"


@pytest.fixture
def number(sb: Sandbox) -> int:
    return sb.issue_numbers(REPO, labels=["AsyncAwait-Other"])[0]


def test_listing_matches_the_count(api: Api, sb: Sandbox) -> None:
    busiest = max(sb.issue_numbers(REPO), key=lambda n: int(str(sb.issue(REPO, n)["comments"])))
    count = sb.issue(REPO, busiest)["comments"]
    assert isinstance(count, int)
    assert count > 30
    items, visited = api.follow(f"repos/{REPO}/issues/{busiest}/comments")
    assert len(items) == count
    assert len(visited) == -(-count // 30)
    assert [c["created_at"] for c in items] == sorted(c["created_at"] for c in items)
    assert items[-1]["created_at"] == sb.issue(REPO, busiest)["updated_at"]
    assert all(c["issue_url"].endswith(f"/issues/{busiest}") for c in items)


def test_posting_a_comment(api: Api, sb: Sandbox, number: int) -> None:
    before = sb.issue(REPO, number)
    reply = api.post(f"repos/{REPO}/issues/{number}/comments", {"body": "<b>not bold</b> שלום"})
    assert reply.status == 201
    comment = reply.json()
    assert comment["body"] == "<b>not bold</b> שלום"
    assert comment["user"]["login"] == "ferris"
    assert reply.header("Location") == comment["url"]
    after = sb.issue(REPO, number)
    assert after["comments"] == before["comments"] + 1
    assert after["updated_at"] > before["updated_at"]
    listed = api.get(f"repos/{REPO}/issues/{number}/comments?per_page=100").json()
    assert listed[-1]["id"] == comment["id"]
    assert sb.stats()["mutations"] == 1


def test_anyone_who_can_read_may_comment_but_not_without_a_token(api: Api, number: int) -> None:
    assert (
        api.post(f"repos/{REPO}/issues/{number}/comments", {"body": "me too"}, token=READER_TOKEN).status
        == 201
    )
    assert api.post(f"repos/{REPO}/issues/{number}/comments", {"body": "me too"}, token=None).status == 401
    assert api.post(f"repos/{REPO}/issues/{number}/comments", {"body": ""}).status == 422
    assert api.post(f"repos/{REPO}/issues/{number}/comments", {"text": "x"}).status == 422


def test_a_locked_issue_refuses_non_collaborators(api: Api, sb: Sandbox, number: int) -> None:
    sb.lock_issue(REPO, number)
    assert api.get(f"repos/{REPO}/issues/{number}").json()["locked"] is True
    refused = api.post(f"repos/{REPO}/issues/{number}/comments", {"body": "hello?"}, token=READER_TOKEN)
    assert refused.status == 403
    assert "locked" in refused.json()["message"]
    assert api.post(f"repos/{REPO}/issues/{number}/comments", {"body": "triager here"}).status == 201


def test_since_filters_comments(api: Api, sb: Sandbox, number: int) -> None:
    reply = api.post(f"repos/{REPO}/issues/{number}/comments", {"body": "newest"}).json()
    recent = api.get(f"repos/{REPO}/issues/{number}/comments?since={reply['created_at']}").json()
    assert [c["body"] for c in recent] == ["newest"]
    assert api.get(f"repos/{REPO}/issues/{number}/comments?since=yesterday").status == 422


def test_contents_of_triagebot_toml(api: Api) -> None:
    reply = api.get(f"repos/{REPO}/contents/triagebot.toml")
    assert reply.status == 200
    body = reply.json()
    assert (body["type"], body["encoding"], body["name"], body["path"]) == (
        "file",
        "base64",
        "triagebot.toml",
        "triagebot.toml",
    )
    text = base64.b64decode(body["content"]).decode()
    assert all(len(line) <= 60 for line in body["content"].splitlines())
    assert "[relabel]" in text
    assert '"AsyncAwait-OnDeck"' in text
    assert body["size"] == len(text.encode())
    raw = api.get(f"repos/{REPO}/contents/triagebot.toml", headers={"Accept": "application/vnd.github.raw"})
    assert raw.status == 200
    assert raw.body.decode() == text
    assert raw.header("ETag") != reply.header("ETag")
    assert api.get(body["download_url"], token=None).body.decode() == text
    again = api.get(
        f"repos/{REPO}/contents/triagebot.toml", headers={"If-None-Match": reply.header("ETag") or ""}
    )
    assert again.status == 304


def test_absent_files_are_404(api: Api) -> None:
    assert api.get("repos/rust-lang/wg-async/contents/triagebot.toml").status == 404
    assert api.get(f"repos/{REPO}/contents/nope.toml").status == 404
    assert api.get(f"repos/{REPO}/contents/triagebot.toml?ref=no-such-branch").status == 404
