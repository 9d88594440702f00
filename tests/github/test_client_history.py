"""The client's timeline, comment and file calls against the live sandbox; the timeline store as the page
cache that makes revalidating a timeline free, across restarts and per account; odd timeline shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ghtest import live
from sandboxkit import READER_TOKEN, Fault, Sandbox

from triageboard.board import EventKind, TimelineEvent
from triageboard.errors import BadResponse, BadResponseReason, Offline
from triageboard.github import GitHubClient, MemoryPageCache
from triageboard.github.parse import parse_file, parse_timeline, timeline_essentials
from triageboard.store import TimelineStore

REPO = "rust-lang/rust"
TRIAGEBOT = (
    Path(__file__).resolve().parents[2] / "src" / "triageboard" / "sandbox" / "data" / "triagebot.toml"
)


def raw(sb: Sandbox, path: str, token: str | None = None) -> list[dict[str, Any]]:
    """Every page of a listing as the sandbox serves it, read without our client."""
    items: list[dict[str, Any]] = []
    url: str | None = f"{sb.api_url}/{path}"
    with httpx.Client(headers={"Authorization": f"Bearer {token or sb.token}"}) as http:
        while url:
            reply = http.get(url)
            reply.raise_for_status()
            items.extend(reply.json())
            url = reply.links.get("next", {}).get("url")
    return items


def busy_issue(sb: Sandbox) -> int:
    """An issue whose history has moved between columns."""
    for number in sb.issue_numbers(REPO, labels=["A-async-await"]):
        if len(raw(sb, f"repos/{REPO}/issues/{number}/events?per_page=100")) >= 3:
            return number
    raise AssertionError("the dataset has no issue with a history")


def test_the_timeline_is_the_sandboxs_label_and_assignee_history_oldest_first(sandbox: Sandbox) -> None:
    number = busy_issue(sandbox)
    # Comments land in the timeline too: the board reads past them.
    sandbox.comment_as("someone", REPO, number, "A comment between the events.")
    sandbox.edit_labels_as("someone", REPO, number, add=["E-easy"])

    events = live(sandbox, lambda client: client.timeline(REPO, number))
    expected = [
        (e["event"], e.get("label", {}).get("name"), e.get("assignee", {}).get("login"), e["actor"]["login"])
        for e in raw(sandbox, f"repos/{REPO}/issues/{number}/events?per_page=100")
        if e["event"] in ("labeled", "unlabeled", "assigned", "unassigned")
    ]
    assert [(e.kind.value, e.label, e.assignee, e.actor) for e in events] == expected
    assert events[-1] == TimelineEvent(EventKind.LABELED, events[-1].created_at, "someone", label="E-easy")
    times = [e.created_at for e in events]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)


def test_an_unchanged_timeline_is_revalidated_for_free(sandbox: Sandbox) -> None:
    number = busy_issue(sandbox)
    cache = MemoryPageCache()

    async def twice(client: GitHubClient) -> tuple[tuple[TimelineEvent, ...], tuple[TimelineEvent, ...]]:
        first = await client.timeline(REPO, number)
        second = await client.timeline(REPO, number)
        assert client.stats.not_modified == 1
        return first, second

    first, second = live(sandbox, twice, cache=cache)
    assert first == second
    assert sandbox.stats()["not_modified"] == 1


def test_the_timeline_store_keeps_etags_across_restarts_per_account(sandbox: Sandbox, tmp_path: Path) -> None:
    number = busy_issue(sandbox)
    path = tmp_path / "timelines.sqlite3"

    def read(account: str, token: str | None = None) -> tuple[TimelineEvent, ...]:
        store = TimelineStore(path)  # a new process: only the file is shared
        try:
            return live(
                sandbox,
                lambda client: client.timeline(REPO, number),
                cache=store.pages(sandbox.api_url, account),  # type: ignore[arg-type]
                token=token,
            )
        finally:
            store.close()

    first = read("ferris")
    assert sandbox.stats()["not_modified"] == 0
    assert read("ferris") == first
    assert sandbox.stats()["not_modified"] == 1
    # Another account never replays what the first one read.
    assert read("reader", READER_TOKEN) == first
    assert sandbox.stats()["not_modified"] == 1
    # A change is seen: the ETag no longer matches.
    sandbox.edit_labels_as("someone", REPO, number, add=["E-hard"])
    assert read("ferris")[-1].label == "E-hard"
    assert sandbox.stats()["not_modified"] == 1


def test_the_store_keeps_a_timeline_page_small(sandbox: Sandbox, tmp_path: Path) -> None:
    number = busy_issue(sandbox)
    for n in range(5):
        sandbox.comment_as("someone", REPO, number, f"comment {n}: " + "text " * 200)
    store = TimelineStore(tmp_path / "t.sqlite3")
    pages = store.pages(sandbox.api_url, "ferris")
    events = live(sandbox, lambda client: client.timeline(REPO, number), cache=pages)  # type: ignore[arg-type]
    url = f"{sandbox.api_url}/repos/{REPO}/issues/{number}/timeline?per_page=100"
    kept = store.get_page(sandbox.api_url, "ferris", url)
    assert kept is not None
    assert len(kept.body) < 120 * len(events) + 50  # the comments are not kept
    assert tuple(parse_timeline(json.loads(kept.body))) == events
    store.close()


def test_comments_are_listed_and_posted_once(sandbox: Sandbox) -> None:
    number = busy_issue(sandbox)
    since = datetime.now(UTC) - timedelta(days=3650)

    async def go(client: GitHubClient) -> None:
        before = await client.comments(REPO, number)
        posted = await client.post_comment(REPO, number, "@rustbot label +E-easy")
        assert posted.author == "ferris"
        assert posted.body == "@rustbot label +E-easy"
        after = await client.comments(REPO, number, since=since)
        assert [c.id for c in after][-1] == posted.id
        assert len(after) == len(before) + 1
        mine = await client.comments(REPO, number, since=posted.created_at)
        assert [c.id for c in mine] == [posted.id]

    live(sandbox, go)


def test_a_comment_whose_answer_was_lost_is_not_sent_again(sandbox: Sandbox) -> None:
    number = busy_issue(sandbox)
    sandbox.inject(Fault(kind="reset", method="POST", path=r"/comments", apply=True, count=None))
    before = len(raw(sandbox, f"repos/{REPO}/issues/{number}/comments?per_page=100"))

    async def go(client: GitHubClient) -> None:
        with pytest.raises(Offline):
            await client.post_comment(REPO, number, "hello once")

    live(sandbox, go)
    after = raw(sandbox, f"repos/{REPO}/issues/{number}/comments?per_page=100")
    assert len(after) == before + 1  # it arrived, once: the client did not retry it
    assert [r.method for r in sandbox.request_log if r.path.endswith("/comments")].count("POST") == 1


def test_a_file_is_read_revalidated_and_absent_is_none(sandbox: Sandbox) -> None:
    cache = MemoryPageCache()

    async def go(client: GitHubClient) -> tuple[bytes | None, bytes | None, bytes | None]:
        return (
            await client.get_file(REPO, "triagebot.toml"),
            await client.get_file(REPO, "triagebot.toml"),
            await client.get_file("rust-lang/wg-async", "triagebot.toml"),
        )

    first, second, absent = live(sandbox, go, cache=cache)
    assert first == second == TRIAGEBOT.read_bytes()
    assert absent is None
    assert sandbox.stats()["not_modified"] == 1


# --- odd shapes -------------------------------------------------------------------------------------------


def event(kind: str = "labeled", **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "event": kind,
        "created_at": "2024-05-06T07:08:09Z",
        "actor": {"login": "tmandry"},
        "label": {"name": "AsyncAwait-Focus", "color": "ededed"},
        "assignee": {"login": "eholk"},
    }
    item.update(changes)
    return {k: v for k, v in item.items() if v is not ...}


def test_kinds_the_board_does_not_read_are_passed_over_whatever_their_shape() -> None:
    page = [
        {"event": "commented", "body": "hi", "user": None},  # no created_at in our sense, no actor
        {"event": "committed", "author": {"date": "x"}},
        {"event": "cross-referenced", "source": {}},
        {"event": None},
        {"event": ["labeled"]},
        {},
        event(actor=None),  # a deleted account
        event("assigned", label=...),
        event("unlabeled", created_at="2024-05-06T07:08:09"),  # no offset: UTC
    ]
    events = parse_timeline(page)
    assert [(e.kind, e.actor) for e in events] == [
        (EventKind.LABELED, ""),
        (EventKind.ASSIGNED, "tmandry"),
        (EventKind.UNLABELED, "tmandry"),
    ]
    assert events[1].assignee == "eholk"
    assert events[2].created_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("page", "what"),
    [
        ({"event": "labeled"}, "a timeline that is not a list"),
        (None, "a timeline that is not a list"),
        (["labeled"], "a timeline entry that is not a JSON object"),
        ([event(label=...)], "a labeled event without a label name"),
        ([event(label={"name": ""})], "a labeled event without a label name"),
        ([event(label="AsyncAwait-Focus")], "a labeled event without a label name"),
        ([event(created_at=None)], "a labeled event without a date"),
        ([event(created_at="yesterday")], "a labeled event with a malformed date"),
        ([event(created_at=17)], "a labeled event with a malformed date"),
        ([event("unassigned", assignee=None)], "an unassigned event without an assignee"),
    ],
)
def test_an_odd_timeline_is_a_bad_response_with_a_reason(page: object, what: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_timeline(page)
    assert caught.value.reason is BadResponseReason.MALFORMED
    assert caught.value.what == what
    assert timeline_essentials(page) is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([{"type": "file"}], BadResponseReason.MALFORMED),  # a directory
        ({"type": "dir"}, BadResponseReason.MALFORMED),
        ({"type": "file", "encoding": "base64", "content": "not base64!"}, BadResponseReason.MALFORMED),
        ({"type": "file", "encoding": "none", "content": ""}, BadResponseReason.TOO_LARGE),
        ({"type": "file", "encoding": "base64", "content": None}, BadResponseReason.MALFORMED),
    ],
)
def test_an_odd_file_answer_is_a_bad_response(data: object, reason: BadResponseReason) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_file(data, "triagebot.toml")
    assert caught.value.reason is reason
