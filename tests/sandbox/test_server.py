"""The server itself: lifecycle, keep-alive, HEAD, chunked bodies, web pages, concurrent writes."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest
from sandboxkit import Fault, Sandbox
from sbclient import USER_AGENT, Api

UA = {"User-Agent": USER_AGENT}  # GitHub refuses requests without one


def test_urls_need_a_started_sandbox() -> None:
    sb = Sandbox()
    with pytest.raises(RuntimeError, match="start"):
        _ = sb.api_url
    sb.start()
    try:
        assert sb.api_url == f"http://127.0.0.1:{sb.port}/api/v3"
        assert sb.web_url == f"http://127.0.0.1:{sb.port}"
        assert sb.running
        with pytest.raises(RuntimeError):
            sb.start()
    finally:
        sb.stop()
    sb.stop()  # idempotent
    assert not sb.running


def test_stop_closes_idle_keep_alive_connections_and_stalled_requests() -> None:
    sb = Sandbox().start()
    idle = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    stalled = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    try:
        idle.request("GET", "/api/v3/rate_limit", headers=UA)
        with idle.getresponse() as response:
            response.read()
        sb.inject(Fault(kind="timeout", seconds=60))
        stalled.request("GET", "/api/v3/rate_limit", headers=UA)
        time.sleep(0.05)
        started = time.monotonic()
        sb.stop()
        assert time.monotonic() - started < 2
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            stalled.getresponse()
    finally:
        idle.close()
        stalled.close()
        sb.stop()


def test_keep_alive_serves_several_requests_on_one_connection(sb: Sandbox) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    try:
        for _ in range(3):
            connection.request(
                "GET", "/api/v3/repos/rust-lang/rust", headers={**UA, "Authorization": f"token {sb.token}"}
            )
            with connection.getresponse() as response:
                assert response.status == 200
                response.read()
    finally:
        connection.close()


def test_head_has_headers_but_no_body(api: Api) -> None:
    reply = api.request("HEAD", "repos/rust-lang/rust/issues")
    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.header("Content-Length") or 0) > 0
    assert reply.header("Link")


def test_chunked_request_body(sb: Sandbox) -> None:
    number = sb.issue_numbers("rust-lang/rust")[0]
    connection = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    try:
        connection.request(
            "POST",
            f"/api/v3/repos/rust-lang/rust/issues/{number}/labels",
            body=iter([b'{"labels": ', b'["chunky"]}']),
            headers={**UA, "Authorization": f"Bearer {sb.token}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        with connection.getresponse() as response:
            assert response.status == 200
            response.read()
    finally:
        connection.close()
    assert "chunky" in sb.issue_labels("rust-lang/rust", number)


def test_garbage_does_not_kill_the_server(sb: Sandbox) -> None:
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as conn:
        conn.sendall(b"BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 501")
    assert Api(sb).get("/api/v3/rate_limit").status == 200
    assert Api(sb).get("repos/rust-lang/rust/labels/%FF%FE").status == 404


def test_web_pages_escape_untrusted_text(api: Api, sb: Sandbox) -> None:
    number = next(
        n
        for n in sb.issue_numbers("rust-lang/rust", labels=["AsyncAwait-OnDeck"])
        if "<script>" in str(sb.issue("rust-lang/rust", n)["title"])
    )
    page = api.get(f"/rust-lang/rust/issues/{number}", token=None)
    assert page.status == 200
    assert b"<script>alert(1)</script>" not in page.body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.body
    assert api.get("/", token=None).status == 200
    assert api.get("/rust-lang/rust", token=None).status == 200
    assert api.get("/ferris", token=None).status == 200
    assert api.get("/rust-lang/rust/issues/1", token=None).status == 404


def test_avatars_are_served_locally(api: Api) -> None:
    user = api.get("user").json()
    avatar = api.get(user["avatar_url"], token=None)
    assert avatar.status == 200
    assert avatar.header("Content-Type") == "image/png"
    assert avatar.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_concurrent_writes_are_consistent(sb: Sandbox) -> None:
    number = sb.issue_numbers("rust-lang/rust")[0]
    names = [f"concurrent-{i}" for i in range(16)]
    errors: list[BaseException] = []

    def add(name: str) -> None:
        try:
            reply = Api(sb).post(f"repos/rust-lang/rust/issues/{number}/labels", [name])
            assert reply.status == 200
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert set(names) <= set(sb.issue_labels("rust-lang/rust", number))
    assert sb.stats()["mutations"] == len(names)


def test_create_issue_and_close_it(api: Api, sb: Sandbox) -> None:
    number = sb.create_issue(
        "rust-lang/wg-async", "Fresh from the oven", labels=["A-async-await", "Brand-new"]
    )
    issue = api.get(f"repos/rust-lang/wg-async/issues/{number}").json()
    assert [label["name"] for label in issue["labels"]] == ["A-async-await", "Brand-new"]
    assert api.get("repos/rust-lang/wg-async/labels/brand-new").json()["color"] == "ededed"
    sb.set_issue_state("rust-lang/wg-async", number, "closed")
    closed = api.get(f"repos/rust-lang/wg-async/issues/{number}").json()
    assert closed["state"] == "closed"
    assert closed["updated_at"] > issue["updated_at"]


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        sb = Sandbox(host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback")
    try:
        assert sb.api_url.startswith("http://[::1]:")
        connection = http.client.HTTPConnection("::1", sb.port, timeout=5)
        try:
            connection.request("GET", "/api/v3/rate_limit", headers=UA)
            with connection.getresponse() as response:
                assert response.status == 200
                response.read()
        finally:
            connection.close()
    finally:
        sb.stop()
