"""An issue's history: ``/events`` and ``/timeline``, oldest first, paginated, with ETags; every label and
assignee change, through the API or behind its back, appends the matching events."""

from __future__ import annotations

from typing import Any

import pytest
from sandboxkit import Sandbox
from sbclient import Api

REPO = "rust-lang/rust"


@pytest.fixture
def number(sb: Sandbox) -> int:
    return sb.issue_numbers(REPO, labels=["AsyncAwait-OnDeck", "A-async-await"], assigned=False)[0]


def events(api: Api, number: int, kind: str = "events") -> list[dict[str, Any]]:
    items, _ = api.follow(f"repos/{REPO}/issues/{number}/{kind}?per_page=100")
    return items


def test_the_dataset_history_explains_the_labels(api: Api, sb: Sandbox, number: int) -> None:
    history = events(api, number)
    assert history
    labels: set[str] = set()
    for event in history:
        assert {"id", "node_id", "url", "actor", "event", "created_at"} <= set(event)
        if event["event"] == "labeled":
            labels.add(event["label"]["name"])
        elif event["event"] == "unlabeled":
            labels.discard(event["label"]["name"])
    assert labels == set(sb.issue_labels(REPO, number))
    times = [event["created_at"] for event in history]
    assert times == sorted(times)  # oldest first
    entered = [e for e in history if e["event"] == "labeled" and e["label"]["name"] == "AsyncAwait-OnDeck"]
    assert entered[-1]["actor"]["login"]
    assert entered[-1]["created_at"] <= sb.issue(REPO, number)["updated_at"]


def test_changes_through_the_api_append_events(api: Api, sb: Sandbox, number: int) -> None:
    before = len(events(api, number))
    base = f"repos/{REPO}/issues/{number}"
    api.post(f"{base}/labels", {"labels": ["AsyncAwait-Focus"]})
    api.delete(f"{base}/labels/AsyncAwait-OnDeck")
    api.post(f"{base}/assignees", {"assignees": ["tmandry"]})
    api.delete(f"{base}/assignees", json_body={"assignees": ["tmandry"]})
    new = events(api, number)[before:]
    assert [
        (e["event"], e.get("label", {}).get("name"), e.get("assignee", {}).get("login")) for e in new
    ] == [
        ("labeled", "AsyncAwait-Focus", None),
        ("unlabeled", "AsyncAwait-OnDeck", None),
        ("assigned", None, "tmandry"),
        ("unassigned", None, "tmandry"),
    ]
    assert all(e["actor"]["login"] == "ferris" for e in new)
    assert new[0]["label"]["color"] == "e11d21"
    assert new[2]["assigner"]["login"] == "ferris"
    assert new[-1]["created_at"] == sb.issue(REPO, number)["updated_at"]


def test_replacing_labels_appends_the_difference(api: Api, sb: Sandbox, number: int) -> None:
    before = len(events(api, number))
    kept = sb.issue_labels(REPO, number)
    api.put(f"repos/{REPO}/issues/{number}/labels", {"labels": [*kept[1:], "C-bug-new"]})
    new = events(api, number)[before:]
    assert [(e["event"], e["label"]["name"]) for e in new] == [
        ("unlabeled", kept[0]),
        ("labeled", "C-bug-new"),
    ]


def test_admin_edits_are_history_too(api: Api, sb: Sandbox, number: int) -> None:
    before = len(events(api, number))
    sb.edit_labels_as("tmandry", REPO, number, add=["AsyncAwait-Focus"], remove=["AsyncAwait-OnDeck"])
    sb.assign_as("eholk", REPO, number, "eholk")
    sb.set_issue_state(REPO, number, "closed", login="tmandry")
    new = events(api, number)[before:]
    assert [(e["event"], e["actor"]["login"]) for e in new] == [
        ("unlabeled", "tmandry"),
        ("labeled", "tmandry"),
        ("assigned", "eholk"),
        ("closed", "tmandry"),
    ]


def test_events_are_paginated_and_revalidated(api: Api, sb: Sandbox, number: int) -> None:
    for i in range(4):
        sb.edit_labels_as("tmandry", REPO, number, add=[f"extra-{i}"])
    path = f"repos/{REPO}/issues/{number}/events?per_page=2"
    first = api.get(path)
    assert first.status == 200
    assert 'rel="next"' in (first.header("Link") or "")
    items, visited = api.follow(path)
    assert len(visited) > 2
    assert items == events(api, number)
    again = api.get(path, headers={"If-None-Match": first.header("ETag") or ""})
    assert again.status == 304
    sb.edit_labels_as("tmandry", REPO, number, add=["one-more"])
    changed = api.get(f"repos/{REPO}/issues/{number}/events?per_page=100")
    assert changed.json()[-1]["label"]["name"] == "one-more"


def test_the_timeline_has_comments_and_events_in_order(api: Api, sb: Sandbox, number: int) -> None:
    sb.comment_as("crab-lover", REPO, number, "Any news?")
    sb.edit_labels_as("tmandry", REPO, number, add=["E-mentor"])
    timeline = events(api, number, "timeline")
    assert [e["event"] for e in timeline[-2:]] == ["commented", "labeled"]
    comment = timeline[-2]
    assert comment["body"] == "Any news?"
    assert comment["actor"]["login"] == comment["user"]["login"] == "crab-lover"
    times = [e["created_at"] for e in timeline]
    assert times == sorted(times)
    kinds = {e["event"] for e in timeline}
    assert "commented" not in {e["event"] for e in events(api, number)}
    assert {"labeled", "commented"} <= kinds


def test_unknown_issue_history_is_404(api: Api) -> None:
    assert api.get(f"repos/{REPO}/issues/1/events").status == 404
    assert api.get(f"repos/{REPO}/issues/1/timeline").status == 404
