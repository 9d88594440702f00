"""Labels: listing, adding (with GitHub's silent creation), removing, replacing, names that need encoding."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sandboxkit import Sandbox
from sbclient import Api, recorded

ONDECK = "AsyncAwait-OnDeck"
SPECIAL = ("needs triage/async", "🦀 ferris", "100% done")


def seg(name: str) -> str:
    """A label name as one path segment, encoded once."""
    return quote(name, safe="")


@pytest.fixture
def number(sb: Sandbox) -> int:
    return sb.issue_numbers("rust-lang/rust", labels=[ONDECK, "A-async-await"])[0]


def test_repository_labels_are_listed_and_paginated(api: Api) -> None:
    labels, visited = api.follow("repos/rust-lang/rust/labels?per_page=10")
    assert len(visited) > 1
    names = [label["name"] for label in labels]
    assert names == sorted(names, key=str.casefold)
    by_name = {label["name"]: label for label in labels}
    assert by_name["A-async-await"]["color"] == "f7e101"
    assert by_name["help wanted"]["default"] is True
    assert by_name["🦀 ferris"]["description"] is None
    for name in ("AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other", "AsyncAwait-Triaged", *SPECIAL):
        assert name in by_name


def test_label_keys_match_recorded_github_labels(api: Api) -> None:
    recorded_label = recorded("labels")[0]["response"][0]
    ours = api.get("repos/rust-lang/rust/labels?per_page=1").json()[0]
    assert list(ours) == list(recorded_label)


@pytest.mark.parametrize("name", SPECIAL)
def test_get_one_label_by_a_once_encoded_name(api: Api, name: str) -> None:
    reply = api.get(f"repos/rust-lang/rust/labels/{seg(name)}")
    assert reply.status == 200
    assert reply.json()["name"] == name
    assert reply.json()["url"].endswith("/labels/" + seg(name))
    # Double encoding names another (absent) label.
    assert api.get(f"repos/rust-lang/rust/labels/{seg(seg(name))}").status == 404


def test_label_lookup_is_case_insensitive_and_404s_when_absent(api: Api) -> None:
    assert api.get("repos/rust-lang/rust/labels/asyncawait-FOCUS").json()["name"] == "AsyncAwait-Focus"
    missing = api.get("repos/triageboard-demo/empty/labels/AsyncAwait-Focus")
    assert missing.status == 404
    assert missing.json()["message"] == "Not Found"


def test_add_labels_keeps_existing_and_returns_the_full_list(api: Api, sb: Sandbox, number: int) -> None:
    before = sb.issue_labels("rust-lang/rust", number)
    updated_before = sb.issue("rust-lang/rust", number)["updated_at"]
    reply = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["e-EASY", "P-low"]})
    assert reply.status == 200
    names = [label["name"] for label in reply.json()]
    assert names[: len(before)] == before
    assert "E-easy" in names or "e-EASY" not in names  # matched case-insensitively, not duplicated
    assert sum(n.casefold() == "e-easy" for n in names) == 1
    assert names == sb.issue_labels("rust-lang/rust", number)
    assert sb.issue("rust-lang/rust", number)["updated_at"] > updated_before
    assert sb.stats()["mutations"] == 1


def test_adding_a_bare_list_and_objects_works_too(api: Api, sb: Sandbox, number: int) -> None:
    assert api.post(f"repos/rust-lang/rust/issues/{number}/labels", ["T-lang"]).status == 200
    assert (
        api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": [{"name": "T-libs"}]}).status
        == 200
    )
    assert {"T-lang", "T-libs"} <= set(sb.issue_labels("rust-lang/rust", number))
    assert api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": "T-lang"}).status == 422
    assert api.post(f"repos/rust-lang/rust/issues/{number}/labels", raw=b"{nope").status == 400


def test_adding_an_unknown_label_creates_it_in_grey(api: Api, sb: Sandbox, number: int) -> None:
    reply = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["Brand New"]})
    created = next(label for label in reply.json() if label["name"] == "Brand New")
    assert created["color"] == "ededed"
    assert created["description"] is None
    assert created["default"] is False
    assert api.get(f"repos/rust-lang/rust/labels/{seg('brand new')}").json()["color"] == "ededed"
    # The same as GitHub: recorded auto-created labels are ededed too.
    recorded_labels = recorded("add-labels-to-issue")[1]["response"]
    assert {label["color"] for label in recorded_labels} == {"ededed"}
    assert set(created) == set(recorded_labels[0])


@pytest.mark.parametrize("name", SPECIAL)
def test_special_names_round_trip(api: Api, sb: Sandbox, number: int, name: str) -> None:
    assert name not in sb.issue_labels("rust-lang/rust", number)
    added = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": [name]})
    assert name in [label["name"] for label in added.json()]
    assert api.delete(f"repos/rust-lang/rust/issues/{number}/labels/{seg(seg(name))}").status == 404
    removed = api.delete(f"repos/rust-lang/rust/issues/{number}/labels/{seg(name)}")
    assert removed.status == 200
    assert name not in [label["name"] for label in removed.json()]
    assert name not in sb.issue_labels("rust-lang/rust", number)
    # The sandbox saw exactly one encoding on the wire.
    deletes = [r.path for r in sb.request_log if r.method == "DELETE" and r.status == 200]
    assert deletes == [f"/api/v3/repos/rust-lang/rust/issues/{number}/labels/{seg(name)}"]


def test_removing_a_label_the_issue_lacks_is_404(api: Api, sb: Sandbox, number: int) -> None:
    before = sb.issue("rust-lang/rust", number)["updated_at"]
    reply = api.delete(f"repos/rust-lang/rust/issues/{number}/labels/AsyncAwait-Focus")
    assert reply.status == 404
    assert reply.json()["message"] == "Label does not exist"
    assert sb.issue("rust-lang/rust", number)["updated_at"] == before


def test_removing_is_case_insensitive_and_returns_the_rest(api: Api, sb: Sandbox, number: int) -> None:
    reply = api.delete(f"repos/rust-lang/rust/issues/{number}/labels/asyncawait-ondeck")
    assert reply.status == 200
    assert ONDECK not in [label["name"] for label in reply.json()]
    assert [label["name"] for label in reply.json()] == sb.issue_labels("rust-lang/rust", number)


def test_put_replaces_every_label(api: Api, sb: Sandbox, number: int) -> None:
    reply = api.put(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["C-bug", "AsyncAwait-Other"]})
    assert reply.status == 200
    assert sb.issue_labels("rust-lang/rust", number) == ["C-bug", "AsyncAwait-Other"]
    assert api.delete(f"repos/rust-lang/rust/issues/{number}/labels").status == 204
    assert sb.issue_labels("rust-lang/rust", number) == []


def test_patch_issue_replaces_labels_and_closes(api: Api, sb: Sandbox, number: int) -> None:
    reply = api.patch(f"repos/rust-lang/rust/issues/{number}", {"labels": ["C-bug"], "state": "closed"})
    assert reply.status == 200
    body = reply.json()
    assert [label["name"] for label in body["labels"]] == ["C-bug"]
    assert body["state"] == "closed"
    assert body["closed_at"]
    assert body["state_reason"] == "completed"


def test_issue_labels_endpoint(api: Api, sb: Sandbox, number: int) -> None:
    labels = api.get(f"repos/rust-lang/rust/issues/{number}/labels").json()
    assert [label["name"] for label in labels] == sb.issue_labels("rust-lang/rust", number)
    assert api.get("repos/rust-lang/rust/issues/1/labels").status == 404


def test_read_only_token_gets_403_on_writes(api: Api, sb: Sandbox, number: int) -> None:
    sb.add_token("reader-token", login="reader", permission="read")
    before = sb.issue_labels("rust-lang/rust", number)
    for reply in (
        api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["C-bug"]}, token="reader-token"),
        api.delete(f"repos/rust-lang/rust/issues/{number}/labels/{ONDECK}", token="reader-token"),
        api.put(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": []}, token="reader-token"),
    ):
        assert reply.status == 403
        assert reply.json()["message"] == "Resource not accessible by personal access token"
    assert sb.issue_labels("rust-lang/rust", number) == before
    assert sb.stats()["mutations"] == 0


def test_the_default_token_cannot_write_to_the_read_only_repository(api: Api, sb: Sandbox) -> None:
    number = sb.issue_numbers("rust-lang/reference", labels=["A-async-await"])[0]
    reply = api.post(f"repos/rust-lang/reference/issues/{number}/labels", {"labels": [ONDECK]})
    assert reply.status == 403
    assert ONDECK not in sb.issue_labels("rust-lang/reference", number)


def test_a_classic_token_without_repo_scope_cannot_write(api: Api, sb: Sandbox, number: int) -> None:
    sb.add_token("no-scope", login="ferris", scopes=("read:org",), permission="triage")
    reply = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["C-bug"]}, token="no-scope")
    assert reply.status == 403


def test_creating_labels_needs_write_permission(api: Api, sb: Sandbox) -> None:
    assert api.post("repos/rust-lang/rust/labels", {"name": "new-one", "color": "123456"}).status == 403
    sb.add_token("writer", login="writer", permission="write")
    created = api.post("repos/rust-lang/rust/labels", {"name": "new-one", "color": "123456"}, token="writer")
    assert created.status == 201
    assert created.header("Location") == created.json()["url"]
    duplicate = api.post(
        "repos/rust-lang/rust/labels", {"name": "NEW-ONE", "color": "123456"}, token="writer"
    )
    assert duplicate.status == 422
    assert duplicate.json()["errors"][0]["code"] == "already_exists"
    invalid = api.post("repos/rust-lang/rust/labels", {"name": "x", "color": "invalid"}, token="writer")
    assert invalid.status == 422
    assert invalid.json()["errors"] == recorded("errors")[0]["response"]["errors"]


def test_create_label_helper(api: Api, sb: Sandbox) -> None:
    sb.create_label("triageboard-demo/empty", "AsyncAwait-Focus", "e11d21")
    assert api.get("repos/triageboard-demo/empty/labels/AsyncAwait-Focus").json()["color"] == "e11d21"
    with pytest.raises(ValueError, match="already has"):
        sb.create_label("triageboard-demo/empty", "asyncawait-focus")
    assert "AsyncAwait-Focus" in sb.label_names("triageboard-demo/empty")


@pytest.mark.parametrize("name", [".", ".."])
def test_dot_names_encoded_as_2e_are_labels_not_path_steps(
    api: Api, sb: Sandbox, number: int, name: str
) -> None:
    encoded = name.replace(".", "%2E")
    assert api.post(f"repos/rust-lang/rust/issues/{number}/labels", [name]).status == 200
    assert api.get(f"repos/rust-lang/rust/labels/{encoded}").json()["name"] == name
    before = sb.issue_labels("rust-lang/rust", number)
    removed = api.delete(f"repos/rust-lang/rust/issues/{number}/labels/{encoded}")
    assert removed.status == 200
    assert sb.issue_labels("rust-lang/rust", number) == [n for n in before if n != name]
