"""The OAuth device flow at the web root: codes, polling errors, approval, the activation page."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from sandboxkit import Sandbox
from sbclient import Api

from triageboard.clock import ScaledClock

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JSON = {"Accept": "application/json"}


def start(api: Api, client_id: str | None = None, scope: str = "public_repo read:org") -> dict[str, Any]:
    reply = api.request(
        "POST",
        "/login/device/code",
        form={"client_id": client_id or api.sb.device_flow_client_id, "scope": scope},
        headers=JSON,
        token=None,
    )
    assert reply.status == 200, reply.body
    answer: dict[str, Any] = reply.json()
    return answer


def poll(api: Api, device_code: str, client_id: str | None = None) -> dict[str, Any]:
    reply = api.request(
        "POST",
        "/login/oauth/access_token",
        form={
            "client_id": client_id or api.sb.device_flow_client_id,
            "device_code": device_code,
            "grant_type": GRANT,
        },
        headers=JSON,
        token=None,
    )
    assert reply.status == 200
    answer: dict[str, Any] = reply.json()
    return answer


def wait_interval(sb: Sandbox, seconds: float = 5) -> None:
    time.sleep(sb.wall(seconds) + 0.02)


def test_device_code_answer(api: Api, sb: Sandbox) -> None:
    code = start(api)
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", code["user_code"])
    assert code["verification_uri"] == f"{sb.web_url}/login/device"
    assert code["interval"] == 5  # GitHub's figures, on the sandbox's clock
    assert code["expires_in"] == 900
    assert len(code["device_code"]) == 40
    assert sb.pending_device_codes() == [code["user_code"]]


def test_json_request_and_form_answer(api: Api, sb: Sandbox) -> None:
    reply = api.request(
        "POST", "/login/device/code", json_body={"client_id": sb.device_flow_client_id}, token=None
    )
    assert reply.status == 200
    assert (reply.header("Content-Type") or "").startswith("application/x-www-form-urlencoded")
    assert "user_code" in parse_qs(reply.body.decode())


def test_pending_then_approved(api: Api, sb: Sandbox) -> None:
    code = start(api)
    assert poll(api, code["device_code"])["error"] == "authorization_pending"
    sb.approve_device(code["user_code"])
    wait_interval(sb)
    granted = poll(api, code["device_code"])
    assert granted["token_type"] == "bearer"
    assert granted["scope"] == "public_repo,read:org"
    token = granted["access_token"]
    user = api.get("user", token=token)
    assert user.json()["login"] == "ferris"
    assert user.header("X-OAuth-Scopes") == "public_repo, read:org"
    assert api.get("repos/rust-lang/rust", token=token).json()["permissions"]["triage"] is True
    wait_interval(sb)
    assert poll(api, code["device_code"])["error"] == "incorrect_device_code"  # used up


def test_polling_too_fast_is_slow_down_with_a_longer_interval() -> None:
    with Sandbox(
        clock=ScaledClock(0.1)
    ) as sb:  # a 0.5 s interval: an immediate second poll is surely too fast
        api = Api(sb)
        code = start(api)
        assert poll(api, code["device_code"])["error"] == "authorization_pending"
        fast = poll(api, code["device_code"])
        assert fast["error"] == "slow_down"
        assert fast["interval"] >= code["interval"]
        wait_interval(sb, 10)  # the interval grew by 5 s
        assert poll(api, code["device_code"])["error"] == "authorization_pending"


def test_slow_down_interval_grows_at_real_time() -> None:
    with Sandbox() as sb:
        api = Api(sb)
        code = start(api)
        assert code["interval"] == 5
        assert code["expires_in"] == 900
        poll(api, code["device_code"])
        assert poll(api, code["device_code"]) == {
            "error": "slow_down",
            "error_description": "Too many requests have been made in the same timeframe.",
            "error_uri": "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow",
            "interval": 10,
        }


def test_denied(api: Api, sb: Sandbox) -> None:
    code = start(api)
    sb.deny_device(code["user_code"])
    assert poll(api, code["device_code"])["error"] == "access_denied"


def test_expired(api: Api, sb: Sandbox) -> None:
    code = start(api)
    sb.expire_device(code["user_code"])
    assert poll(api, code["device_code"])["error"] == "expired_token"
    assert sb.pending_device_codes() == []


def test_disabled_client_and_bad_codes(api: Api, sb: Sandbox) -> None:
    disabled = api.request(
        "POST",
        "/login/device/code",
        form={"client_id": sb.disabled_device_flow_client_id},
        headers=JSON,
        token=None,
    )
    assert disabled.status == 400
    assert disabled.json()["error"] == "device_flow_disabled"
    assert poll(api, "0" * 40, client_id=sb.disabled_device_flow_client_id)["error"] == "device_flow_disabled"
    assert poll(api, "0" * 40)["error"] == "incorrect_device_code"
    code = start(api)
    assert poll(api, code["device_code"], client_id="someone-else")["error"] == "incorrect_client_credentials"
    wrong_grant = api.request(
        "POST",
        "/login/oauth/access_token",
        form={
            "client_id": sb.device_flow_client_id,
            "device_code": code["device_code"],
            "grant_type": "password",
        },
        headers=JSON,
        token=None,
    )
    assert wrong_grant.json()["error"] == "unsupported_grant_type"


def test_auto_approve_after_polls(api: Api, sb: Sandbox) -> None:
    sb.auto_approve_after_polls = 2
    code = start(api)
    answers = []
    for _ in range(3):
        answers.append(poll(api, code["device_code"]))
        wait_interval(sb)
    assert [a.get("error") for a in answers] == ["authorization_pending", "authorization_pending", None]
    assert answers[2]["access_token"]


def test_the_activation_page_approves(api: Api, sb: Sandbox) -> None:
    code = start(api)
    page = api.get("/login/device", token=None)
    assert page.status == 200
    assert code["user_code"].encode() in page.body
    decided = api.request(
        "POST", "/login/device", form={"user_code": code["user_code"].replace("-", "").lower()}, token=None
    )
    assert decided.status == 303
    assert (decided.header("Location") or "").startswith("/login/device?result=Device+authorized")
    wait_interval(sb)
    assert "access_token" in poll(api, code["device_code"])


def test_unknown_user_code_raises(sb: Sandbox) -> None:
    with pytest.raises(KeyError):
        sb.approve_device("ABCD-EFGH")
