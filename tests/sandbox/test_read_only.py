"""Read-only accounts: they read everything, ``permissions`` say they cannot triage, and label and
assignee writes answer 403. The demo carries one (``READER_TOKEN``); tests make more
(``add_reader_token``)."""

from __future__ import annotations

import pytest
from sandboxkit import READER_LOGIN, READER_TOKEN, Sandbox
from sbclient import Api

from triageboard.sandbox import Sandbox as DemoSandbox

REPO = "rust-lang/rust"


def check_read_only(api: Api, sb: Sandbox | DemoSandbox, token: str, number: int) -> None:
    assert api.get("user", token=token).status == 200
    repo = api.get(f"repos/{REPO}", token=token).json()
    assert repo["permissions"]["pull"] is True
    assert repo["permissions"]["triage"] is False
    assert api.get(f"repos/{REPO}/issues?per_page=5", token=token).status == 200
    base = f"repos/{REPO}/issues/{number}"
    refused = [
        api.post(f"{base}/labels", {"labels": ["C-bug"]}, token=token),
        api.put(f"{base}/labels", {"labels": ["C-bug"]}, token=token),
        api.delete(f"{base}/labels/A-async-await", token=token),
        api.delete(f"{base}/labels", token=token),
        api.post(f"{base}/assignees", {"assignees": ["tmandry"]}, token=token),
        api.delete(f"{base}/assignees", json_body={"assignees": ["tmandry"]}, token=token),
        api.patch(base, {"labels": []}, token=token),
    ]
    for reply in refused:
        assert reply.status == 403
        assert reply.json()["message"] == "Resource not accessible by personal access token"


def test_the_demo_has_a_read_only_token() -> None:
    with DemoSandbox(seed=1) as demo:
        api = Api(demo)  # type: ignore[arg-type]  # Api only reads api_url, web_url and token
        assert api.get("user", token=READER_TOKEN).json()["login"] == READER_LOGIN
        number = int(api.get(f"repos/{REPO}/issues?per_page=1&labels=A-async-await").json()[0]["number"])
        check_read_only(api, demo, READER_TOKEN, number)


@pytest.mark.parametrize("token", [READER_TOKEN, "another-reader"])
def test_read_only_accounts(api: Api, sb: Sandbox, token: str) -> None:
    if token != READER_TOKEN:
        sb.add_reader_token(token, login="crab-lover")
    number = sb.issue_numbers(REPO, labels=["A-async-await"])[0]
    labels = sb.issue_labels(REPO, number)
    check_read_only(api, sb, token, number)
    assert sb.issue_labels(REPO, number) == labels
    login = api.get("user", token=token).json()["login"]
    permission = api.get(f"repos/{REPO}/collaborators/{login}/permission").json()
    assert permission["role_name"] == "read"
