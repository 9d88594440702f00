"""Authentication, the headers every answer carries, users, repositories and permissions."""

from __future__ import annotations

import pytest
from sandboxkit import Sandbox
from sbclient import Api, recorded

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset")


def test_bad_token_is_401_bad_credentials(api: Api) -> None:
    reply = api.get("repos/rust-lang/rust/issues", token="not-a-token")
    assert reply.status == 401
    assert reply.json()["message"] == "Bad credentials"
    assert reply.json()["documentation_url"].startswith("https://docs.github.com/")


@pytest.mark.parametrize("scheme", ["Bearer", "token", "bearer"])
def test_both_authorization_schemes_are_accepted(api: Api, scheme: str) -> None:
    reply = api.get("user", token=None, headers={"Authorization": f"{scheme} {api.sb.token}"})
    assert reply.status == 200
    assert reply.json()["login"] == "ferris"


def test_no_token_reads_with_the_unauthenticated_limit(api: Api) -> None:
    reply = api.get("repos/rust-lang/rust/issues", token=None)
    assert reply.status == 200
    assert reply.header("x-ratelimit-limit") == "60"
    assert reply.header("x-ratelimit-remaining") == "59"
    assert reply.header("X-OAuth-Scopes") is None
    assert "permissions" not in api.get("repos/rust-lang/rust", token=None).json()


def test_no_token_cannot_write_or_ask_who_it_is(api: Api) -> None:
    assert api.get("user", token=None).status == 401
    number = api.sb.issue_numbers("rust-lang/rust")[0]
    reply = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["x"]}, token=None)
    assert reply.status == 401
    assert reply.json()["message"] == "Requires authentication"


def test_every_api_answer_carries_githubs_headers(api: Api) -> None:
    for reply in (
        api.get("repos/rust-lang/rust/issues?per_page=1"),
        api.get("repos/rust-lang/nope"),
        api.get("rate_limit"),
        api.get("search/issues?q=repo:rust-lang/rust"),
    ):
        for name in RATE_HEADERS:
            assert reply.header(name), (name, reply.status)
        assert reply.header("x-ratelimit-resource") in ("core", "search")
        assert reply.header("Content-Type") == "application/json; charset=utf-8"
        assert reply.header("X-GitHub-Api-Version-Selected") == "2022-11-28"
        assert reply.header("X-GitHub-Request-Id")
        assert reply.header("X-OAuth-Scopes") == "public_repo, read:org"


def test_header_names_match_a_recorded_github_answer(api: Api) -> None:
    recorded_headers = set(recorded("paginate-issues")[0]["headers"])
    ours = {name.lower() for name in api.get("repos/rust-lang/rust/issues?per_page=3").headers}
    wanted = {
        "content-type",
        "etag",
        "link",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-resource",
        "x-ratelimit-used",
        "x-oauth-scopes",
        "x-github-media-type",
        "x-github-request-id",
        "cache-control",
        "access-control-expose-headers",
    }
    assert wanted <= recorded_headers
    assert wanted <= ours


def test_unsupported_api_version_is_400(api: Api) -> None:
    reply = api.get("user", headers={"X-GitHub-Api-Version": "1999-01-01"})
    assert reply.status == 400
    assert "not supported" in reply.json()["message"]


def test_unknown_routes_are_404_with_a_github_error(api: Api) -> None:
    for path in ("nope", "repos/rust-lang/rust/issues/999999999", "repos/a/b", "repos/rust-lang/rust/wat"):
        reply = api.get(path)
        assert reply.status == 404, path
        body = reply.json()
        assert body["message"] == "Not Found"
        assert body["documentation_url"].startswith("https://docs.github.com/")
    assert api.request("PATCH", "rate_limit").status == 404


def test_user_and_scopes(api: Api, sb: Sandbox) -> None:
    reply = api.get("user")
    body = reply.json()
    assert (body["login"], body["id"], body["type"]) == ("ferris", 1001, "User")
    assert body["avatar_url"].startswith(sb.web_url)
    assert body["html_url"] == f"{sb.web_url}/ferris"
    sb.add_token("fine", login="finn", permission="triage", fine_grained=True)
    fine = api.get("user", token="fine")
    assert fine.json()["login"] == "finn"
    assert fine.header("X-OAuth-Scopes") is None  # fine-grained tokens have no scopes


def test_repository_permissions_follow_the_token(api: Api, sb: Sandbox) -> None:
    triage = api.get("repos/rust-lang/rust").json()["permissions"]
    assert triage == {"admin": False, "maintain": False, "push": False, "triage": True, "pull": True}
    sb.add_token("reader-token", login="reader", permission="read")
    reader = api.get("repos/rust-lang/rust", token="reader-token").json()["permissions"]
    assert reader["triage"] is False
    assert reader["pull"] is True
    sb.add_token("admin-token", login="boss", permission="admin")
    admin = api.get("repos/rust-lang/wg-async", token="admin-token").json()["permissions"]
    assert all(admin.values())


def test_the_reference_repository_is_read_only_for_everybody(api: Api, sb: Sandbox) -> None:
    sb.add_token("admin-token", login="boss", permission="admin")
    for token in (sb.token, "admin-token"):
        permissions = api.get("repos/rust-lang/reference", token=token).json()["permissions"]
        assert permissions["triage"] is False
        assert permissions["pull"] is True


def test_repository_lookup_is_case_insensitive_and_by_id(api: Api) -> None:
    repo = api.get("repos/Rust-Lang/RUST").json()
    assert repo["full_name"] == "rust-lang/rust"
    assert api.get(f"repositories/{repo['id']}").json()["full_name"] == "rust-lang/rust"
    assert repo["open_issues_count"] > 200


def test_collaborator_permission(api: Api) -> None:
    body = api.get("repos/rust-lang/rust/collaborators/ferris/permission").json()
    assert (body["permission"], body["role_name"], body["user"]["login"]) == ("read", "triage", "ferris")
    body = api.get("repos/rust-lang/reference/collaborators/ferris/permission").json()
    assert body["role_name"] == "read"


def test_rate_limit_endpoint_is_free(api: Api) -> None:
    first = api.get("rate_limit").json()
    second = api.get("rate_limit").json()
    assert first["resources"]["core"]["remaining"] == second["resources"]["core"]["remaining"] == 5000
    assert second["resources"]["search"]["limit"] == 30
    assert second["rate"] == second["resources"]["core"]
    assert all(not r.counted for r in api.sb.request_log)


def test_request_log_never_keeps_the_token(api: Api, sb: Sandbox) -> None:
    api.get("repos/rust-lang/rust/issues?per_page=2")
    api.get("user", token="wrong")
    assert sb.token not in repr(sb.request_log)
    assert "wrong" not in repr(sb.request_log)
    record = sb.request_log[0]
    assert (record.method, record.path, record.query, record.status) == (
        "GET",
        "/api/v3/repos/rust-lang/rust/issues",
        "per_page=2",
        200,
    )
    assert record.counted
    assert record.resource == "core"
    assert record.login == "ferris"
    assert sb.request_log[1].status == 401
