"""Every fault kind, rule matching and counts, random faults with a seed."""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest
from sandboxkit import FAULT_KINDS, Fault, Sandbox
from sbclient import Api

LIST = "repos/rust-lang/wg-async/issues"


@pytest.fixture
def number(sb: Sandbox) -> int:
    return sb.issue_numbers("rust-lang/rust", labels=["AsyncAwait-OnDeck"])[0]


@pytest.mark.parametrize(
    ("status", "message"),
    [(500, "Server Error"), (502, "Server Error"), (503, "Service Unavailable"), (401, "Bad credentials"),
     (403, "Forbidden"), (404, "Not Found"), (422, "Validation Failed")],
)  # fmt: skip
def test_status_faults_answer_github_like_json(api: Api, sb: Sandbox, status: int, message: str) -> None:
    sb.inject(Fault(kind="status", status=status, path=r"/issues"))
    reply = api.get(LIST)
    assert reply.status == status
    body = reply.json()
    assert body["message"] == message
    assert body["documentation_url"].startswith("https://docs.github.com/")
    assert reply.header("x-ratelimit-remaining")
    assert api.get(LIST).status == 200  # count=1: only once
    assert sb.stats()["faults"] == {"status": 1}


def test_method_and_path_select_requests(api: Api, sb: Sandbox, number: int) -> None:
    sb.inject(Fault(kind="status", status=502, method="POST", path=r"/labels$", count=2))
    assert api.get(f"repos/rust-lang/rust/issues/{number}/labels").status == 200
    path = f"repos/rust-lang/rust/issues/{number}/labels"
    assert api.post(path, {"labels": ["fault-probe"]}).status == 502
    assert api.post(path, {"labels": ["fault-probe"]}).status == 502
    assert "fault-probe" not in sb.issue_labels("rust-lang/rust", number)  # not applied
    assert api.post(path, {"labels": ["fault-probe"]}).status == 200
    assert sb.pending_faults() == []


def test_path_regex_sees_the_query_string(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="status", status=503, path=r"[?&]page=2\b", count=None))
    first = api.get(LIST + "?per_page=10")
    assert first.status == 200
    assert api.get(first.links()["next"]).status == 503
    assert api.get(first.links()["next"]).status == 503  # count=None: until reset
    sb.reset_faults()
    assert api.get(first.links()["next"]).status == 200


def test_reset_closes_the_connection_without_an_answer(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="reset", path=r"/issues"))
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        api.get(LIST)
    assert sb.request_log[-1].status == 0
    assert sb.request_log[-1].fault == "reset"
    assert api.get(LIST).status == 200


def test_apply_makes_a_lost_response(api: Api, sb: Sandbox, number: int) -> None:
    """The change happens, the answer is lost: a client must not assume a failed POST did nothing."""
    sb.inject(Fault(kind="reset", method="POST", apply=True))
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["AsyncAwait-Focus"]})
    assert "AsyncAwait-Focus" in sb.issue_labels("rust-lang/rust", number)
    sb.inject(Fault(kind="status", status=502, method="DELETE", apply=True))
    assert api.delete(f"repos/rust-lang/rust/issues/{number}/labels/AsyncAwait-Focus").status == 502
    assert "AsyncAwait-Focus" not in sb.issue_labels("rust-lang/rust", number)


def test_timeout_stalls_past_the_client_timeout(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="timeout", seconds=30))  # 0.3 s at time_scale 0.01
    with pytest.raises(TimeoutError):
        api.get(LIST, timeout=0.1)
    assert api.get(LIST).status == 200


def test_latency_delays_then_answers(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="latency", seconds=20))  # 0.2 s
    sb.inject(Fault(kind="status", status=503))
    started = time.monotonic()
    reply = api.get(LIST)
    assert time.monotonic() - started >= 0.19
    assert reply.status == 503  # delays combine with one terminal fault
    assert sb.stats()["faults"] == {"latency": 1, "status": 1}


def test_secondary_rate_limit(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="secondary", method="POST"))
    number = sb.issue_numbers("rust-lang/rust")[0]
    reply = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["C-bug"]})
    assert reply.status == 403
    assert reply.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert reply.header("retry-after") == "60"  # GitHub's minute, on the sandbox's clock


def test_secondary_retry_after_at_real_time_and_without_header() -> None:
    with Sandbox() as sb:
        api = Api(sb)
        sb.inject(Fault(kind="secondary", seconds=60))
        assert api.get(LIST).header("Retry-After") == "60"
        sb.inject(Fault(kind="secondary", seconds=0))
        reply = api.get(LIST)
        assert reply.status == 403
        assert reply.header("Retry-After") is None


def test_rate429(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="rate429"))
    reply = api.get(LIST)
    assert reply.status == 429
    assert reply.header("x-ratelimit-remaining") == "0"
    reset = int(reply.header("x-ratelimit-reset") or 0)
    assert sb.clock.time() <= reset <= sb.clock.time() + 61  # a minute of the sandbox's clock
    assert "rate limit exceeded" in reply.json()["message"]


def test_html_error_page(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="html"))
    reply = api.get(LIST)
    assert reply.status == 502
    assert (reply.header("Content-Type") or "").startswith("text/html")
    assert reply.body.lstrip().startswith(b"<!DOCTYPE html>")


def test_malformed_json(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="malformed"))
    reply = api.get(LIST)
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json; charset=utf-8"
    with pytest.raises(json.JSONDecodeError):
        reply.json()


def test_huge_body_is_streamed(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="huge"))
    reply = api.get(LIST)
    assert reply.status == 200
    assert int(reply.header("Content-Length") or 0) == len(reply.body) == 50 * 1024 * 1024
    assert reply.body[:2] == b'["'
    assert reply.body[-2:] == b'"]'


def test_huge_body_abandoned_by_the_client(sb: Sandbox) -> None:
    sb.inject(Fault(kind="huge", size=20 * 1024 * 1024))
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as conn:
        conn.sendall(b"GET /api/v3/" + LIST.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
    assert Api(sb).get(LIST).status == 200  # the server carries on


def test_every_kind_is_known() -> None:
    assert set(FAULT_KINDS) == {
        "status",
        "reset",
        "timeout",
        "latency",
        "secondary",
        "rate429",
        "html",
        "malformed",
        "huge",
    }
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault(kind="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count"):
        Fault(kind="reset", count=0)


def test_random_faults_are_deterministic_for_a_seed(sb: Sandbox) -> None:
    api = Api(sb)

    def run() -> list[int]:
        sb.set_fault_rate(0.3, kinds=["status"], seed=7, statuses=[500, 503])
        statuses = [api.get(LIST + "?per_page=1").status for _ in range(40)]
        sb.reset_faults()
        return statuses

    first, second = run(), run()
    assert first == second
    assert 0 < sum(s != 200 for s in first) < 40
    assert set(first) <= {200, 500, 503}


def test_random_faults_respect_methods(api: Api, sb: Sandbox, number: int) -> None:
    sb.set_fault_rate(1.0, kinds=["status"], seed=1, methods=["POST"])
    assert api.get(LIST).status == 200
    assert api.post(f"repos/rust-lang/rust/issues/{number}/labels", ["C-bug"]).status in (500, 502, 503)
    sb.set_fault_rate(0)
    assert api.post(f"repos/rust-lang/rust/issues/{number}/labels", ["C-bug"]).status == 200


def test_faults_also_hit_the_device_flow(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="status", status=503, path=r"^/login/device/code"))
    reply = api.request(
        "POST", "/login/device/code", form={"client_id": sb.device_flow_client_id}, token=None
    )
    assert reply.status == 503


def test_stats_count_faults_by_kind(api: Api, sb: Sandbox) -> None:
    sb.inject(Fault(kind="html"))
    sb.inject(Fault(kind="malformed"))
    api.get(LIST)
    api.get(LIST)
    api.get(LIST)
    stats = sb.stats()
    assert stats["faults"] == {"html": 1, "malformed": 1}
    assert stats["faults_total"] == 2
    assert stats["requests"] == 3
    assert stats["by_status"] == {"200": 2, "502": 1}
