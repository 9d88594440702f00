"""A hostile HTTP server for the corpus: raw sockets, so it can send what well-behaved servers never would.

Everything a case does not override is proxied to a real ``triageboard.sandbox.Sandbox``, so the "healthy
again" phases and the "nothing lost" checks run against GitHub's documented behaviour. The API base is the
hostile server's own (``http://127.0.0.1:PORT/api/v3``): the outbox is keyed by API URL, and links and
bodies from the sandbox are rewritten to point here.

A :class:`Rule` says which requests it takes (method, a regex on the request target, how many times) and
what happens to them: an :data:`Action` gets the :class:`Exchange` and writes raw bytes to the socket.
The factories below (:func:`proxy`, :func:`answer`, :func:`drip`, ...) build the usual ones.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Header = tuple[str, str | bytes]
MAX_REQUEST_HEAD = 1024 * 1024
MAX_REQUEST_BODY = 10 * 1024 * 1024
REASONS = {
    200: "OK",
    201: "Created",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    307: "Temporary Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Closed(Exception):
    """The client went away, or the server is stopping: end this connection quietly."""


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as it arrived: the head's raw bytes are kept for the token checks."""

    method: str
    target: str
    headers: tuple[tuple[str, bytes], ...]
    head: bytes
    body: bytes


@dataclass(frozen=True, slots=True)
class Upstream:
    status: int
    headers: list[Header]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value if isinstance(value, str) else value.decode("latin-1")
        return None


class Exchange:
    """One request on one connection: what an action reads and writes."""

    def __init__(self, server: HostileServer, sock: socket.socket, request: Seen) -> None:
        self.server = server
        self.sock = sock
        self.request = request
        self.keep_alive = True

    # --- upstream ---------------------------------------------------------------------------

    def upstream(self) -> Upstream:
        """The sandbox's answer to this request, with its URLs pointing here."""
        return self.server.forward(self.request)

    # --- writing ----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self.server.stopping.is_set():
            raise Closed
        try:
            self.sock.sendall(data)
        except OSError:
            raise Closed from None

    def head(self, status: int, headers: Iterable[Header], reason: str | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {reason or REASONS.get(status, 'Whatever')}".encode()]
        for name, value in headers:
            raw = value if isinstance(value, bytes) else value.encode("latin-1")
            lines.append(name.encode("latin-1") + b": " + raw)
        self.write(b"\r\n".join(lines) + b"\r\n\r\n")

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: Iterable[Header] = (),
        *,
        reason: str | None = None,
        length: int | None = None,
    ) -> None:
        """A whole answer; ``Content-Length`` is added unless ``headers`` carry one (or for a 304)."""
        headers = list(headers)
        names = {name.lower() for name, _ in headers}
        if "content-length" not in names and "transfer-encoding" not in names and status != 304:
            headers.append(("Content-Length", str(len(body) if length is None else length)))
        self.head(status, headers, reason)
        if body and status != 304:
            self.write(body)

    def send_upstream(self, answer: Upstream) -> None:
        self.send(answer.status, answer.body, answer.headers)

    def close(self, *, reset: bool = False) -> None:
        """End the connection now; ``reset`` sends a TCP RST instead of a clean close."""
        self.keep_alive = False
        with contextlib.suppress(OSError):
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.sock.shutdown(socket.SHUT_RDWR)
        raise Closed

    def sleep(self, seconds: float) -> None:
        if self.server.stopping.wait(seconds):
            raise Closed


Action = Callable[[Exchange], None]


@dataclass(frozen=True)
class Rule:
    """Requests matching ``method`` (any when None) and ``path`` (a regex searched in the request target,
    query included), at most ``times`` of them (None: all), go to ``action``. Immutable: the server counts
    what each rule took, so one case record can run many times."""

    action: Action
    method: str | None = None
    path: str | None = None
    times: int | None = None

    def matches(self, request: Seen, taken: int) -> bool:
        if self.times is not None and taken >= self.times:
            return False
        if self.method is not None and request.method != self.method:
            return False
        return self.path is None or re.search(self.path, request.target) is not None


class HostileServer:
    """Serves on 127.0.0.1 until :meth:`stop`; one thread per connection, keep-alive like GitHub.

    ``upstream``: the sandbox's API URL (``http://127.0.0.1:P/api/v3``); None for a bare server (a sink
    standing for another host) that answers an empty JSON list to anything.
    ``page_size``: forwarded requests ask the sandbox for pages this small (many-page series from a small
    dataset); links the sandbox sends back carry it, so the client keeps it when following them.
    """

    def __init__(
        self, upstream: str | None = None, rules: Sequence[Rule] = (), *, page_size: int | None = None
    ) -> None:
        self.upstream_url = upstream
        self.rules: list[Rule] = list(rules)
        self._taken: dict[int, int] = {}
        self.page_size = page_size
        self.seen: list[Seen] = []
        self.errors: list[str] = []  # unexpected failures of the server itself (a broken test, not the app)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = int(self._listener.getsockname()[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.origin}/api/v3"
        self.elsewhere = "http://127.0.0.1:9"  # another host's origin, for links and redirects off the API
        self._accepter = threading.Thread(target=self._accept, name=f"hostile-{self.port}", daemon=True)

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> HostileServer:
        self._accepter.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._accepter.is_alive():
            self._accepter.join(5)
        for thread in list(self._threads):
            thread.join(5)

    def set_rules(self, rules: Sequence[Rule]) -> None:
        """From now on answer with ``rules`` (empty: behave like GitHub, every request proxied as is)."""
        with self._lock:
            self.rules = list(rules)
            self._taken = {}

    # --- serving ----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets.add(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        buffer = b""
        try:
            while not self.stopping.is_set():
                request, buffer = self._read_request(sock, buffer)
                if request is None:
                    return
                rule = self._pick(request)
                self.seen.append(request)
                exchange = Exchange(self, sock, request)
                if rule is not None:
                    rule.action(exchange)
                elif self.upstream_url is not None:
                    exchange.send_upstream(exchange.upstream())
                else:  # a bare server (another host): an empty page to anything
                    exchange.send(200, b"[]", [("Content-Type", "application/json")])
                if not exchange.keep_alive:
                    return
        except Closed:
            return
        except Exception as exc:  # a bug in a case's action or in this server: the case fails on it
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._sockets.discard(sock)
            with contextlib.suppress(OSError):
                sock.close()

    def _pick(self, request: Seen) -> Rule | None:
        with self._lock:
            for index, rule in enumerate(self.rules):
                taken = self._taken.get(index, 0)
                if rule.matches(request, taken):
                    self._taken[index] = taken + 1
                    return rule
        return None

    def _read_request(self, sock: socket.socket, buffer: bytes) -> tuple[Seen | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > MAX_REQUEST_HEAD:
                return None, b""
            chunk = self._recv(sock)
            if not chunk:
                return None, b""
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ")
        if len(parts) != 3:
            return None, b""
        headers: list[tuple[str, bytes]] = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name.decode("latin-1").strip(), value.strip()))
        length = 0
        chunked = False
        for header, value in headers:
            if header.lower() == "content-length":
                length = int(value or b"0")
            elif header.lower() == "transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            body, rest = self._read_chunked(sock, rest)
        else:
            if length > MAX_REQUEST_BODY:
                return None, b""
            while len(rest) < length:
                chunk = self._recv(sock)
                if not chunk:
                    return None, b""
                rest += chunk
            body, rest = rest[:length], rest[length:]
        return Seen(parts[0], parts[1], tuple(headers), head, body), rest

    def _read_chunked(self, sock: socket.socket, rest: bytes) -> tuple[bytes, bytes]:
        body = b""
        while True:
            while b"\r\n" not in rest:
                chunk = self._recv(sock)
                if not chunk:
                    raise Closed
                rest += chunk
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            while len(rest) < size + 2:
                chunk = self._recv(sock)
                if not chunk:
                    raise Closed
                rest += chunk
            if size == 0:
                return body, rest[2:]
            body += rest[:size]
            rest = rest[size + 2 :]

    def _recv(self, sock: socket.socket) -> bytes:
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    # --- the proxy --------------------------------------------------------------------------

    def forward(self, request: Seen) -> Upstream:
        """Ask the sandbox; its answer comes back with its URLs rewritten to this server's."""
        if self.upstream_url is None:
            raise RuntimeError("this server has no upstream")
        up = urlsplit(self.upstream_url)
        target = request.target
        if self.page_size is not None:
            target = re.sub(r"per_page=\d+", f"per_page={self.page_size}", target)
        headers = {
            name: value.decode("latin-1")
            for name, value in request.headers
            if name.lower() not in {"host", "connection", "keep-alive", "content-length", "transfer-encoding"}
        }
        connection = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port, timeout=30)
        try:
            connection.request(request.method, target, body=request.body or None, headers=headers)
            response = connection.getresponse()
            body = response.read()
            raw_headers = response.getheaders()
        finally:
            connection.close()
        theirs = f"{up.scheme}://{up.netloc}"
        body = body.replace(theirs.encode(), self.origin.encode())
        out: list[Header] = []
        for name, value in raw_headers:
            if name.lower() in {"content-length", "connection", "keep-alive", "transfer-encoding", "date"}:
                continue
            out.append((name, value.replace(theirs, self.origin)))
        return Upstream(response.status, out, body)


# --- actions ------------------------------------------------------------------------------------

JSON = [("Content-Type", "application/json; charset=utf-8")]


def _json_bytes(payload: object) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def answer(
    status: int,
    payload: object = b"",
    headers: Sequence[Header] = (),
    *,
    reason: str | None = None,
    content_type: str | None = "application/json; charset=utf-8",
) -> Action:
    """A fixed answer; ``payload`` is JSON unless it is bytes. ``headers`` may hold raw (non-ASCII) bytes."""

    def act(x: Exchange) -> None:
        extra = [("Content-Type", content_type)] if content_type else []
        x.send(status, _json_bytes(payload) if payload != b"" else b"", [*extra, *headers], reason=reason)

    return act


def error(status: int, message: str, headers: Sequence[Header] = (), **extra: object) -> Action:
    """GitHub's error shape: ``{"message": ..., "documentation_url": ...}`` (and more fields)."""
    payload = {"message": message, "documentation_url": "https://docs.github.com/rest", **extra}
    return answer(status, payload, headers)


def proxy(
    *,
    status: int | None = None,
    headers: Sequence[Header] = (),
    drop: Sequence[str] = (),
    body: Callable[[bytes], bytes] | None = None,
    data: Callable[[Any], object] | None = None,  # the answer parsed from JSON
    link: Callable[[str | None, Exchange], str | None] | None = None,
) -> Action:
    """The sandbox's answer, changed: ``headers`` replace same-named ones (raw bytes allowed), ``drop``
    removes some, ``data`` rewrites the decoded JSON, ``body`` the raw bytes, ``link`` the Link header."""

    def act(x: Exchange) -> None:
        up = x.upstream()
        new_body = up.body
        if data is not None and up.body:
            new_body = json.dumps(data(json.loads(up.body))).encode()
        if body is not None:
            new_body = body(new_body)
        replaced = {name.lower() for name, _ in headers} | {name.lower() for name in drop}
        out = [(n, v) for n, v in up.headers if n.lower() not in replaced]
        if link is not None:
            out = [(n, v) for n, v in out if n.lower() != "link"]
            new_link = link(up.header("link"), x)
            if new_link is not None:
                out.append(("Link", new_link))
        x.send(status or up.status, new_body, [*out, *headers])

    return act


def drip(interval: float = 0.1, *, payload: bytes | None = None) -> Action:
    """Headers at once (with an honest Content-Length), then the body one byte every ``interval`` s."""

    def act(x: Exchange) -> None:
        if payload is None:
            up = x.upstream()
            body, headers = up.body, up.headers
        else:
            body, headers = payload, list(JSON)
        x.send(200, b"", headers, length=len(body))
        for i in range(len(body)):
            x.write(body[i : i + 1])
            x.sleep(interval)

    return act


def stall(seconds: float) -> Action:
    """Say nothing at all for ``seconds`` (then close)."""

    def act(x: Exchange) -> None:
        x.sleep(seconds)
        x.close()

    return act


def cut(fraction: float = 0.5, *, declared_extra: int = 0) -> Action:
    """The sandbox's answer, cut after ``fraction`` of its body, then the connection closed.
    ``declared_extra`` > 0 instead sends it whole but declares that many bytes more (a lying length)."""

    def act(x: Exchange) -> None:
        up = x.upstream()
        if declared_extra:
            x.send(up.status, up.body, up.headers, length=len(up.body) + declared_extra)
        else:
            x.send(up.status, b"", up.headers, length=len(up.body))
            x.write(up.body[: int(len(up.body) * fraction)])
        time.sleep(0.05)
        x.close()

    return act


def short_length(declared: int) -> Action:
    """The whole body after a Content-Length that claims only ``declared`` bytes (the rest spills over)."""

    def act(x: Exchange) -> None:
        up = x.upstream()
        x.send(up.status, b"", up.headers, length=declared)
        x.write(up.body)

    return act


def huge(size: int, *, declare: bool) -> Action:
    """A JSON list of ``size`` bytes, announced by Content-Length (``declare``) or chunked."""

    def act(x: Exchange) -> None:
        item = b'{"number":1,"title":"x","labels":[]},'
        block = item * (65536 // len(item))
        if declare:
            x.send(200, b"", JSON, length=size)
        else:
            x.head(200, [*JSON, ("Transfer-Encoding", "chunked")])
        sent = 0
        first = b"["
        while sent < size:
            piece = (first + block)[: size - sent]
            first = b""
            sent += len(piece)
            x.write(piece if declare else b"%x\r\n%s\r\n" % (len(piece), piece))
        if not declare:
            x.write(b"0\r\n\r\n")

    return act


def raw(data: bytes, *, close: bool = True) -> Action:
    """Exactly these bytes on the wire (a broken status line, a non-HTTP answer, ...)."""

    def act(x: Exchange) -> None:
        x.write(data)
        if close:
            time.sleep(0.05)
            x.close()

    return act


def reset() -> Action:
    """Close the connection with a TCP RST before answering."""

    def act(x: Exchange) -> None:
        x.close(reset=True)

    return act


def redirect(status: int, location: Callable[[Exchange], str]) -> Action:
    def act(x: Exchange) -> None:
        x.send(
            status, _json_bytes({"message": "Moved", "url": location(x)}), [*JSON, ("Location", location(x))]
        )

    return act


def relative_links(form: str) -> Callable[[str | None, Exchange], str | None]:
    """The sandbox's Link header with each URL made relative: ``form`` "path" gives ``</api/v3/...?...>``,
    "segment" gives ``<issues?...>`` and "query" ``<?...>`` (both resolved against the request's path)."""

    def rewrite(header: str | None, x: Exchange) -> str | None:
        if header is None:
            return None

        def one(match: re.Match[str]) -> str:
            parts = urlsplit(match.group(1))
            if form == "path":
                return f"<{parts.path}?{parts.query}>"
            if form == "segment":
                return f"<{parts.path.rsplit('/', 1)[-1]}?{parts.query}>"
            return f"<?{parts.query}>"

        return re.sub(r"<([^>]*)>", one, header)

    return rewrite
