"""Every wait for the server is on the session's clock: the answer's head and each piece of its body within
``Policy.read_timeout``, a whole request (quick retries and their pauses included) within
``Policy.request_deadline``. A server that stalls or drips is stopped by the clock, not by httpx's real-time
timeout, so a test run on a scaled clock (and the hostile corpus) sees the same bounds as a user."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from triageboard.clock import ScaledClock
from triageboard.errors import BrokenAnswer, GitHubError, TimedOut
from triageboard.github import GitHubClient, Policy
from triageboard.wording import describe

REAL_BOUND = 20.0  # seconds: past this the client would be waiting on httpx's real 30 s timeout instead


class Server:
    """A loopback server whose every connection gets ``serve(conn)`` in a thread; counts connections."""

    def __init__(self, serve: Callable[[socket.socket], object]) -> None:
        self._serve = serve
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.api_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/v3"
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            self._serve(conn)

    def close(self) -> None:
        self.stop.set()
        self._listener.close()


Serve = Callable[[Callable[[socket.socket], object]], Server]


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[Server] = []

    def make(action: Callable[[socket.socket], object]) -> Server:
        servers.append(Server(action))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def fetch(server: Server, clock: ScaledClock, policy: Policy) -> BaseException:
    async def main() -> None:
        async with httpx.AsyncClient() as http:
            client = GitHubClient(http, server.api_url, lambda: "t", clock=clock, policy=policy)
            await asyncio.wait_for(client.get_issue("a/b", 1), REAL_BOUND)

    with pytest.raises(GitHubError) as caught:
        asyncio.run(main())
    return caught.value


def test_a_silent_server_is_stopped_by_the_read_timeout_of_the_clock(serve: Serve) -> None:
    server = serve(lambda conn: server.stop.wait(60))
    err = fetch(server, ScaledClock(0.01), Policy(retries=0))
    assert isinstance(err, TimedOut)
    assert err.seconds == Policy().read_timeout  # 30 s of the clock: 0.3 s of real time here
    assert "did not answer in time" in describe(err)


def test_a_dripping_body_is_stopped_by_the_request_deadline_retries_included(serve: Serve) -> None:
    """Each byte comes within the read timeout, so only the request's deadline can end it; the quick
    retries fit in that same deadline (no second attempt starts without time left for it)."""
    body = b'{"number": 1, "title": "t", "labels": []}' * 1000

    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(b"Content-Length: %d\r\n\r\n" % len(body))
        for i in range(len(body)):
            if server.stop.wait(0.005):
                return
            try:
                conn.sendall(body[i : i + 1])
            except OSError:
                return

    server = serve(drip)
    policy = Policy(retries=5, read_timeout=30, request_deadline=40)
    err = fetch(server, ScaledClock(0.01), policy)
    assert isinstance(err, TimedOut)
    assert err.seconds == 40
    assert server.connections <= 2  # the first attempt used 40 s of the clock; no retry fits after it


def test_an_answer_that_is_not_http_is_a_broken_answer_not_a_missing_network(serve: Serve) -> None:
    def garbage(conn: socket.socket) -> None:
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    server = serve(garbage)
    err = fetch(server, ScaledClock(0.01), Policy(retries=1))
    assert isinstance(err, BrokenAnswer)
    assert server.connections == 2  # temporary: retried once, as asked
    text = describe(err)
    assert "not valid HTTP" in text
    assert "network" not in text
