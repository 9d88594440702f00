"""The HTTP control API under /_sandbox/, for a sandbox running in another process."""

from __future__ import annotations

from sandboxkit import Sandbox
from sbclient import Api

LIST = "repos/rust-lang/wg-async/issues"


def control(api: Api, method: str, path: str, body: object = None) -> tuple[int, object]:
    reply = api.request(method, f"/_sandbox/{path}", json_body=body, token=None)
    return reply.status, reply.json()


def test_faults_and_reset(api: Api, sb: Sandbox) -> None:
    status, body = control(
        api, "POST", "faults", {"kind": "status", "status": 503, "path": "/issues", "count": 2}
    )
    assert status == 200
    assert isinstance(body, dict)
    assert body["faults"][0]["remaining"] == 2
    assert api.get(LIST).status == 503
    assert control(api, "POST", "reset-faults")[0] == 200
    assert api.get(LIST).status == 200
    assert control(api, "GET", "faults") == (200, [])


def test_bad_fault_is_400(api: Api) -> None:
    status, body = control(api, "POST", "faults", {"kind": "meteor"})
    assert status == 400
    assert "meteor" in str(body)
    assert control(api, "POST", "faults", {"kind": "status", "colour": "red"})[0] == 400


def test_fault_rate(api: Api) -> None:
    assert control(api, "POST", "fault-rate", {"rate": 1.0, "kinds": ["html"], "seed": 3})[0] == 200
    assert api.get(LIST).status == 502
    assert control(api, "POST", "fault-rate", {"rate": 0})[0] == 200
    assert api.get(LIST).status == 200


def test_edit_labels_and_read_them(api: Api, sb: Sandbox) -> None:
    number = sb.issue_numbers("rust-lang/rust", labels=["AsyncAwait-Other"])[0]
    body = {"login": "tmandry", "repo": "rust-lang/rust", "number": number, "add": ["AsyncAwait-Focus"]}
    status, edited = control(api, "POST", "edit-labels", {**body, "remove": ["AsyncAwait-Other"]})
    assert status == 200
    assert isinstance(edited, dict)
    assert "AsyncAwait-Focus" in edited["labels"]
    status, issue = control(api, "GET", f"issues/rust-lang/rust/{number}")
    assert status == 200
    assert isinstance(issue, dict)
    assert issue["labels"] == sb.issue_labels("rust-lang/rust", number)
    assert issue["state"] == "open"
    assert control(api, "GET", "issues/rust-lang/rust/1")[0] == 400


def test_stats_and_requests(api: Api) -> None:
    api.get(LIST)
    status, stats = control(api, "GET", "stats")
    assert status == 200
    assert isinstance(stats, dict)
    assert stats["requests"] == 1  # control requests are neither logged nor counted
    status, log = control(api, "GET", "requests")
    assert isinstance(log, list)
    assert log[0]["path"] == "/api/v3/" + LIST
    assert "authorization" not in str(log).lower()
    assert control(api, "POST", "clear-requests")[0] == 200
    assert control(api, "GET", "requests") == (200, [])


def test_tokens_rate_limits_labels_and_device(api: Api, sb: Sandbox) -> None:
    assert control(api, "POST", "tokens", {"token": "t2", "login": "reader", "permission": "read"})[0] == 200
    assert api.get("user", token="t2").json()["login"] == "reader"
    assert control(api, "POST", "rate-limit", {"token": "t2", "remaining": 0, "reset_in": 600})[0] == 200
    assert api.get(LIST, token="t2").status == 403
    assert (
        control(api, "POST", "labels", {"repo": "triageboard-demo/empty", "name": "AsyncAwait-Focus"})[0]
        == 200
    )
    assert "AsyncAwait-Focus" in sb.label_names("triageboard-demo/empty")
    code = api.request(
        "POST",
        "/login/device/code",
        form={"client_id": sb.device_flow_client_id},
        headers={"Accept": "application/json"},
        token=None,
    ).json()
    assert control(api, "GET", "device") == (
        200,
        {"pending": [code["user_code"]], "auto_approve_after_polls": None},
    )
    assert control(api, "POST", "device/approve", {"user_code": code["user_code"]})[0] == 200
    assert control(api, "GET", "device")[1] == {"pending": [], "auto_approve_after_polls": None}
    assert control(api, "POST", "device/auto-approve", {"polls": 2})[0] == 200
    assert sb.auto_approve_after_polls == 2


def test_unknown_control_endpoint(api: Api) -> None:
    assert control(api, "GET", "nope")[0] == 404
    assert control(api, "POST", "stats")[0] == 404


def test_people_and_conversations(api: Api, sb: Sandbox) -> None:
    repo = "rust-lang/rust"
    number = sb.issue_numbers(repo, labels=["AsyncAwait-Other"], assigned=False)[0]
    ref = {"repo": repo, "number": number}
    assert control(
        api, "POST", "assign", {**ref, "login": "tmandry", "assignees": ["eholk", "crab-lover"]}
    ) == (
        200,
        {"assignees": ["eholk"]},
    )
    assert control(api, "POST", "assignable", {"repo": repo, "login": "crab-lover"})[0] == 200
    assert control(api, "POST", "assign", {**ref, "assignees": ["crab-lover"]})[1] == {
        "assignees": ["eholk", "crab-lover"]
    }
    assert control(api, "POST", "unassign", {**ref, "assignees": ["eholk"]})[1] == {
        "assignees": ["crab-lover"]
    }
    before = control(api, "GET", f"issues/{repo}/{number}")[1]
    assert isinstance(before, dict)
    status, made = control(api, "POST", "comment", {**ref, "login": "noa-levi", "body": "שלום"})
    assert status == 200
    assert isinstance(made, dict)
    after = control(api, "GET", f"issues/{repo}/{number}")[1]
    assert isinstance(after, dict)
    assert after["comments"] == before["comments"] + 1
    assert after["assignees"] == ["crab-lover"]
    assert control(api, "POST", "lock", ref)[0] == 200
    assert api.get(f"repos/{repo}/issues/{number}").json()["locked"] is True
    assert control(api, "POST", "issue-state", {**ref, "state": "closed"})[0] == 200
    assert sb.issue(repo, number)["state"] == "closed"
    assert control(api, "POST", "issue-state", {**ref, "state": "gone"})[0] == 400
