"""The public face: ``Sandbox`` builds the world, serves it on a daemon thread, and stops cleanly."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Self

from ..clock import Clock, SystemClock
from . import _api, _web
from ._http import Request, Response, Server
from ._render import Urls
from ._rest import DOCS
from ._triagebot import Triagebot
from ._world import RecordMeta, TokenInfo, World

log = logging.getLogger("triageboard.sandbox")

DEFAULT_TOKEN = "tb-demo-token"  # noqa: S105 - a sandbox token, published on purpose
DEFAULT_LOGIN = "ferris"
READER_TOKEN = "tb-demo-reader-token"  # noqa: S105 - published on purpose: reads, cannot triage
READER_LOGIN = "reader"
SCOPES = ("public_repo", "read:org")


class Sandbox:
    """A GitHub-compatible server for the demo, serving on a daemon thread.

    ``token`` belongs to ``login`` with the triage role on every repository (read-only ones: read);
    ``READER_TOKEN`` to ``READER_LOGIN``, who may read everything and triage nothing.

    ``clock`` is the sandbox's time (the real one by default): every window and wait it imposes or announces
    is GitHub's, in that clock's seconds. Share it with the client under test, so both agree.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        seed: int = 1,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_issues: int = 0,
        login: str = DEFAULT_LOGIN,
    ) -> None:
        self.token = token
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.host = host
        self._port = port
        self._world = World(seed=seed, clock=self.clock, extra_issues=extra_issues)
        self._triagebot = Triagebot(self._world)
        self._world.tokens[READER_TOKEN] = TokenInfo(READER_LOGIN, SCOPES, "read")
        self._world.tokens[token] = TokenInfo(login, SCOPES, "triage")
        for who in (READER_LOGIN, login):
            self._world.data.ensure_user(who)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None or self._stopped:
            raise RuntimeError("a Sandbox starts once")
        server = Server((self.host, self._port), self._app, self._world.stopping)
        self._server = server
        self._port = int(server.server_address[1])
        host = (
            self.host
            if self.host not in ("", "0.0.0.0", "::")  # noqa: S104 - only compared, to print a usable URL
            else ("::1" if self.host == "::" else "127.0.0.1")
        )
        if ":" in host:
            host = f"[{host}]"
        web = f"http://{host}:{self._port}"
        with self._world.lock:
            self._world.urls = Urls(api=f"{web}/api/v3", web=web)
        self._thread = threading.Thread(target=server.serve, name="triageboard-sandbox", daemon=True)
        self._thread.start()
        log.info("sandbox serving %s", web)
        return self

    def stop(self) -> None:
        """Stop serving, wake stalled requests, close every connection and wait for the threads."""
        server, self._server = self._server, None
        self._stopped = True
        if server is None:
            return
        self._world.stopping.set()
        server.wake()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        server.close_connections()
        server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        self._require_started()
        return self._port

    @property
    def web_url(self) -> str:
        """``http://HOST:PORT``: ``html_url``s, avatars."""
        self._require_started()
        return self._world.urls.web

    @property
    def api_url(self) -> str:
        """``http://HOST:PORT/api/v3``, like a GitHub Enterprise Server."""
        self._require_started()
        return self._world.urls.api

    def _require_started(self) -> None:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() first")

    # -- serving ----------------------------------------------------------------------------------

    def _app(self, request: Request) -> Response:
        """The server's callback: answer, then log the request."""
        response = self._serve(request)
        self._record(request, response)
        return response

    def _serve(self, request: Request) -> Response:
        try:
            segments = request.segments
        except UnicodeDecodeError:
            segments = ["\x00invalid"]
        try:
            with self._world.locked() as world:
                if segments[:2] == ["api", "v3"]:
                    return _api.handle(world, request, segments[2:])
                return self._web(request, segments)
        except Exception:
            log.exception("sandbox: error answering %s %s", request.method, request.path)
            body: dict[str, object] = {"message": "Server Error", "documentation_url": DOCS, "status": "500"}
            return _api.error_response(500, body, [])

    def _web(self, request: Request, segments: list[str]) -> Response:
        """Everything outside the REST API (called with the lock held)."""
        return _web.handle(self._world, request, segments)

    def _record(self, request: Request, response: Response) -> None:
        meta = RecordMeta(response.counted, response.resource, response.login, response.fault)
        status = 0 if response.reset else response.status
        with self._world.lock:
            self._world.record(request.method, request.path, request.query, status, meta)
