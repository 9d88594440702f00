"""Assignees: who can be assigned, adding (never replacing), removing, the silent drops, the limit of ten,
the triage role, and the ``PATCH`` that replaces (it exists; the app never uses it)."""

from __future__ import annotations

import pytest
from sandboxkit import ASSIGNABLE_CONTRIBUTORS, READER_TOKEN, TRIAGERS, Sandbox
from sbclient import Api

REPO = "rust-lang/rust"


@pytest.fixture
def number(sb: Sandbox) -> int:
    return sb.issue_numbers(REPO, labels=["AsyncAwait-Other"], assigned=False)[0]


def logins(issue: dict[str, object]) -> list[str]:
    people = issue["assignees"]
    assert isinstance(people, list)
    return [person["login"] for person in people]


def test_list_of_assignable_users_is_paginated(api: Api) -> None:
    everyone, visited = api.follow(f"repos/{REPO}/assignees?per_page=3")
    assert {u["login"] for u in everyone} == {*TRIAGERS, *ASSIGNABLE_CONTRIBUTORS, "rustbot"}
    assert len(visited) == 3
    assert "/repositories/" in visited[1]  # the Link form GitHub uses
    assert all(u["type"] in ("User", "Bot") for u in everyone)


def test_checking_one_login(api: Api) -> None:
    yes = api.get(f"repos/{REPO}/assignees/tmandry")
    assert yes.status == 204
    assert yes.body == b""
    assert api.get(f"repos/{REPO}/assignees/TMandry").status == 204
    no = api.get(f"repos/{REPO}/assignees/rustacean-ana")
    assert no.status == 404
    assert no.json()["message"] == "Not Found"
    assert api.get("repos/rust-lang/wg-async/assignees/async-andy").status == 404


def test_adding_adds_and_answers_201_with_the_whole_issue(api: Api, sb: Sandbox, number: int) -> None:
    path = f"repos/{REPO}/issues/{number}/assignees"
    first = api.post(path, {"assignees": ["tmandry"]})
    assert first.status == 201
    assert logins(first.json()) == ["tmandry"]
    assert first.json()["number"] == number
    second = api.post(path, {"assignees": ["eholk", "tmandry"]})
    assert logins(second.json()) == ["tmandry", "eholk"]  # added, never replaced
    assert second.json()["assignee"]["login"] == "tmandry"
    assert logins(sb.issue(REPO, number)) == ["tmandry", "eholk"]


def test_logins_that_cannot_be_assigned_are_dropped_silently(api: Api, sb: Sandbox, number: int) -> None:
    reply = api.post(
        f"repos/{REPO}/issues/{number}/assignees",
        {"assignees": ["rustacean-ana", "async-andy", "nobody-at-all"]},
    )
    assert reply.status == 201
    assert logins(reply.json()) == ["async-andy"]
    wg = sb.issue_numbers("rust-lang/wg-async", assigned=False)[0]
    dropped = api.post(f"repos/rust-lang/wg-async/issues/{wg}/assignees", {"assignees": ["async-andy"]})
    assert dropped.status == 201
    assert logins(dropped.json()) == []


def test_at_most_ten_assignees(api: Api, sb: Sandbox, number: int) -> None:
    for i in range(12):
        sb.set_assignable(REPO, f"helper-{i}")
    reply = api.post(
        f"repos/{REPO}/issues/{number}/assignees", {"assignees": [f"helper-{i}" for i in range(12)]}
    )
    assert reply.status == 201
    assert logins(reply.json()) == [f"helper-{i}" for i in range(10)]


def test_removing(api: Api, sb: Sandbox, number: int) -> None:
    path = f"repos/{REPO}/issues/{number}/assignees"
    api.post(path, {"assignees": ["tmandry", "eholk"]})
    reply = api.delete(path, json_body={"assignees": ["tmandry", "not-assigned"]})
    assert reply.status == 200
    assert logins(reply.json()) == ["eholk"]
    assert logins(api.delete(path, json_body={"assignees": ["eholk"]}).json()) == []


def test_bad_bodies_are_422(api: Api, number: int) -> None:
    path = f"repos/{REPO}/issues/{number}/assignees"
    assert api.post(path, {"assignees": "tmandry"}).status == 422
    assert api.post(path, {"assignees": [1]}).status == 422
    assert api.post(path, ["tmandry"]).status == 422


def test_assigning_needs_the_triage_role(api: Api, sb: Sandbox, number: int) -> None:
    path = f"repos/{REPO}/issues/{number}/assignees"
    for token in (READER_TOKEN, "reader-2"):
        if token == "reader-2":
            sb.add_reader_token(token, login="crab-lover")
        refused = api.post(path, {"assignees": ["tmandry"]}, token=token)
        assert refused.status == 403
        assert refused.json()["message"] == "Resource not accessible by personal access token"
        assert api.delete(path, json_body={"assignees": ["tmandry"]}, token=token).status == 403
    assert logins(sb.issue(REPO, number)) == []
    ref = sb.issue_numbers("rust-lang/reference")[0]
    assert (
        api.post(f"repos/rust-lang/reference/issues/{ref}/assignees", {"assignees": ["tmandry"]}).status
        == 403
    )


def test_patch_with_assignees_replaces_the_set(api: Api, number: int) -> None:
    api.post(f"repos/{REPO}/issues/{number}/assignees", {"assignees": ["tmandry"]})
    reply = api.patch(f"repos/{REPO}/issues/{number}", {"assignees": ["eholk", "rustacean-ana"]})
    assert reply.status == 200
    assert logins(reply.json()) == ["eholk"]  # tmandry is gone: why a careful client never uses it


def test_assigning_changes_updated_at_and_the_etag(api: Api, number: int) -> None:
    path = f"repos/{REPO}/issues/{number}"
    before = api.get(path)
    api.post(f"{path}/assignees", {"assignees": ["tmandry"]})
    after = api.get(path, headers={"If-None-Match": before.header("ETag") or ""})
    assert after.status == 200
    assert after.json()["updated_at"] > before.json()["updated_at"]
    # Asking for someone who cannot be assigned changes nothing at all.
    unchanged = api.post(f"{path}/assignees", {"assignees": ["rustacean-ana"]})
    assert unchanged.json()["updated_at"] == after.json()["updated_at"]


def test_admin_calls_follow_the_same_rules(sb: Sandbox, number: int) -> None:
    assert sb.assign_as("tmandry", REPO, number, "eholk", "crab-lover") == ["eholk"]
    assert sb.unassign_as("tmandry", REPO, number, "eholk") == []
    created = sb.create_issue(REPO, "Fresh", assignees=["tmandry", "crab-lover"])
    assert logins(sb.issue(REPO, created)) == ["tmandry"]
