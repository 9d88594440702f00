"""The timeline store: timelines per API URL and account, kept across starts; a cache that never fails a
request (damaged: set aside; failing: disabled)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triageboard.board import EventKind, IssueKey, TimelineEvent
from triageboard.github import CachedPage
from triageboard.store import StoredTimeline, TimelineStore
from triageboard.wording import describe

API = "https://api.github.com"
KEY = IssueKey("rust-lang/rust", 51751)
WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
TIMELINE = StoredTimeline(
    (
        TimelineEvent(EventKind.LABELED, WHEN, "tmandry", label="AsyncAwait-Focus"),
        TimelineEvent(EventKind.ASSIGNED, WHEN, "", assignee="eholk"),
    ),
    frozenset({"asyncawait-focus", "a-async-await"}),
    WHEN,
    1_000.0,
)


def test_timelines_round_trip_per_api_url_and_account(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    store = TimelineStore(path)
    asyncio.run(store.save(API, "ferris", KEY, TIMELINE))
    store.save_now(API, "", KEY, TIMELINE)  # no account known yet: nothing is kept
    store.close()
    store = TimelineStore(path)  # the next start
    assert asyncio.run(store.load(API, "ferris")) == {KEY: TIMELINE}
    assert store.load_now(API, "reader") == {}
    assert store.load_now("https://ghe.example/api/v3", "ferris") == {}
    assert store.load_now(API, "") == {}
    store.close()


def test_pages_are_kept_small_and_only_when_they_are_timelines(tmp_path: Path) -> None:
    store = TimelineStore(tmp_path / "t.sqlite3")
    pages = store.pages(API)
    url = f"{API}/repos/rust-lang/rust/issues/1/timeline?per_page=100"
    page = [
        {"event": "commented", "body": "x" * 5000, "user": {"login": "a"}},
        {
            "event": "labeled",
            "created_at": "2024-05-06T07:08:09Z",
            "actor": {"login": "tmandry", "avatar_url": "https://x/" + "y" * 500},
            "label": {"name": "AsyncAwait-Focus", "color": "ededed"},
        },
    ]

    async def go() -> None:
        await pages.put(url, CachedPage('W/"1"', json.dumps(page).encode(), None))
        assert await pages.get(url) is None  # no account yet
        pages.account = "ferris"
        await pages.put(url, CachedPage('W/"1"', json.dumps(page).encode(), '<x>; rel="next"'))
        kept = await pages.get(url)
        assert kept is not None
        assert (kept.etag, kept.link) == ('W/"1"', '<x>; rel="next"')
        assert json.loads(kept.body) == [
            {
                "event": "labeled",
                "created_at": "2024-05-06T07:08:09+00:00",
                "actor": {"login": "tmandry"},
                "label": {"name": "AsyncAwait-Focus"},
            }
        ]
        # A page that is no timeline is not kept (and one kept before is dropped).
        await pages.put(url, CachedPage('W/"2"', b'{"message": "odd"}', None))
        assert await pages.get(url) is None
        await pages.put(url, CachedPage('W/"3"', json.dumps(page).encode(), None))
        await pages.clear()
        assert await pages.get(url) is None

    asyncio.run(go())
    store.close()


@pytest.mark.logs("is damaged")
def test_a_damaged_store_is_set_aside_and_said(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = TimelineStore(path)
    assert store.notice is not None
    assert "timeline cache was damaged" in describe(store.notice)
    store.save_now(API, "ferris", KEY, TIMELINE)
    assert store.load_now(API, "ferris") == {KEY: TIMELINE}
    store.close()


@pytest.mark.logs("disabled for this session")
def test_a_failing_store_is_disabled_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    store = TimelineStore(path)
    store.save_now(API, "ferris", KEY, TIMELINE)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE timelines")
    conn.commit()
    conn.close()
    assert store.load_now(API, "ferris") == {}  # the failure disabled it for the session
    store.save_now(API, "ferris", KEY, TIMELINE)
    assert store.get_page(API, "ferris", "u") is None
    assert len(store) == 0
    store.close()


def test_an_unreadable_row_is_read_again_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    store = TimelineStore(path)
    store.save_now(API, "ferris", KEY, TIMELINE)
    store.save_now(API, "ferris", IssueKey("o/r", 2), TIMELINE)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE timelines SET events='[[\"no-such-kind\", 1]]' WHERE number=2")
    conn.commit()
    conn.close()
    assert store.load_now(API, "ferris") == {KEY: TIMELINE}
    store.close()
