"""HTTP plumbing: a threading server that tracks its connections, and the request/response records."""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

log = logging.getLogger("triageboard.sandbox")

MAX_BODY = 10 * 1024 * 1024


@dataclass(slots=True)
class Request:
    method: str
    path: str  # raw, still percent-encoded
    query: str  # raw query string, without "?"
    headers: Message
    body: bytes
    client: str

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")

    @property
    def segments(self) -> list[str]:
        """The path's segments, each decoded once: ``a%2Fb`` stays one segment ``a/b``."""
        return [unquote(s, errors="strict") for s in self.path.split("/") if s]

    def params(self) -> dict[str, str]:
        """Query parameters; the first value wins."""
        out: dict[str, str] = {}
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            out.setdefault(key, value)
        return out

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else str(value)


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterable[bytes] | None = None  # sent after the headers, ``length`` bytes in all
    length: int | None = None
    reset: bool = False  # close the connection without answering
    # What the request log records about this response.
    counted: bool = False
    resource: str | None = None
    login: str | None = None
    fault: str | None = None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    timeout = 1.0  # handle_request() gives up on a connection that vanished between select and accept
    request_queue_size = 128  # socketserver's 5 resets connections when a client opens several at once

    def __init__(
        self, address: tuple[str, int], app: Callable[[Request], Response], stopping: threading.Event
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.stopping = stopping
        self._tracked_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        # Before binding: a failed bind calls server_close(), which closes these too.
        self._wake_reader, self._wake_writer = socket.socketpair()
        super().__init__(address, _Handler)

    def serve(self) -> None:
        """Serve until ``wake`` is called after ``stopping`` is set; idle, it does not poll."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self.stopping.is_set():
                        self.handle_request()

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def track(self, connection: socket.socket) -> None:
        with self._tracked_lock:
            self._connections.add(connection)
            self._handler_threads.add(threading.current_thread())

    def untrack(self, connection: socket.socket) -> None:
        with self._tracked_lock:
            self._connections.discard(connection)
            self._handler_threads.discard(threading.current_thread())

    def handle_error(self, request: object, client_address: object) -> None:
        log.exception("sandbox: error serving %s", client_address)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Wake every handler thread (idle keep-alive ones too) and wait for them to finish."""
        with self._tracked_lock:
            connections = list(self._connections)
            threads = list(self._handler_threads)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 120
    # Headers and body go out in two writes; with Nagle's algorithm and delayed ACKs every answer
    # would wait ~40 ms on loopback.
    disable_nagle_algorithm = True
    server: Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.untrack(self.connection)

    def version_string(self) -> str:
        return self.server_version  # "GitHub.com", without http.server's trailing space and Python version

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    def handle_one_request(self) -> None:
        with contextlib.suppress(ConnectionError, TimeoutError):
            super().handle_one_request()

    def _dispatch(self) -> None:
        length_header = self.headers.get("Content-Length")
        body = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        elif length_header:
            try:
                length = int(length_header)
            except ValueError:
                self.send_error(400, "Bad Content-Length")
                return
            if length > MAX_BODY:
                self.send_error(413)
                return
            body = self.rfile.read(length)
        path, _, query = self.path.partition("?")
        request = Request(
            method=self.command,
            path=path,
            query=query,
            headers=self.headers,
            body=body,
            client=str(self.client_address[0]),
        )
        response = self.server.app(request)
        self._send(response)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise ConnectionError("request body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, response: Response) -> None:
        if response.reset:
            self._reset()
            return
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        no_body = response.status in (204, 304) or 100 <= response.status < 200
        if not no_body and "content-length" not in names:
            length = response.length if response.stream is not None else len(response.body)
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD" or no_body:
            return
        if response.stream is None:
            self.wfile.write(response.body)
            return
        for chunk in response.stream:
            if self.server.stopping.is_set():
                self.close_connection = True
                return
            self.wfile.write(chunk)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no answer at all."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch
