"""The public face: ``Sandbox`` starts the server, injects faults and lets tests look behind GitHub's back."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Literal

from . import _api, _web
from ._faults import DEFAULT_HUGE_SIZE, DEFAULT_SECONDS, Fault, FaultKind
from ._http import Request, Response, Server
from ._model import Issue, Permission, label_key
from ._render import Urls, issue_json
from ._world import Caller, RecordMeta, RequestRecord, TokenInfo, World

log = logging.getLogger("triageboard.sandbox")

DEFAULT_TOKEN = "tb-demo-token"  # noqa: S105 - a sandbox token, published on purpose
DEFAULT_LOGIN = "ferris"
DEVICE_FLOW_CLIENT_ID = "sandbox-client-id"
DISABLED_DEVICE_FLOW_CLIENT_ID = "sandbox-disabled-client-id"

_STATUS_MESSAGES = {
    400: "Bad Request",
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your "
    "request and contact us if the problem persists.",
}
_SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you "
    "reach out to GitHub Support for help, please include the request ID."
)
_UNICORN = (
    "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Unicorn! · GitHub</title></head><body>"
    "<h1>This page is taking too long to load.</h1><p>Sorry about that. Please try refreshing and contact us "
    "if the problem persists.</p></body></html>\n"
).encode()


class Sandbox:
    """A GitHub-compatible server for the demo and the tests, serving on a daemon thread.

    ``time_scale`` multiplies every wait the sandbox imposes or announces: rate-limit windows and
    ``reset_in``, fault ``seconds`` (latency, timeout, ``retry-after``, 429 reset) and the device flow's
    interval and expiry. Headers still carry whole seconds as GitHub does: ``retry-after`` is
    ``max(1, ceil(seconds * time_scale))`` and ``x-ratelimit-reset`` the scaled reset time rounded up to an
    epoch second, so a client that obeys the headers always waits long enough.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        seed: int = 1,
        time_scale: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_issues: int = 0,
        login: str = DEFAULT_LOGIN,
        auto_approve_after_polls: int | None = None,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.token = token
        self.seed = seed
        self.time_scale = time_scale
        self.host = host
        self._port = port
        self._world = World(
            seed=seed,
            time_scale=time_scale,
            extra_issues=extra_issues,
            device_client_id=DEVICE_FLOW_CLIENT_ID,
        )
        self._world.devices.auto_approve_after_polls = auto_approve_after_polls
        self.add_token(token, login=login, scopes=("public_repo", "read:org"), permission="triage")
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Sandbox:
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

    def __enter__(self) -> Sandbox:
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
        """``http://HOST:PORT``: ``html_url``s, ``/login/device``, the device flow endpoints."""
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

    # -- tokens and rate limits -------------------------------------------------------------------

    def add_token(
        self,
        token: str,
        *,
        login: str = "reader",
        scopes: Sequence[str] = ("public_repo",),
        permission: Permission = "read",
        fine_grained: bool = False,
    ) -> None:
        """Accept ``token`` for ``login`` with ``permission`` on every repository (read-only ones: read)."""
        with self._world.lock:
            self._world.data.ensure_user(login)
            self._world.tokens[token] = TokenInfo(login, tuple(scopes), permission, fine_grained)

    def revoke_token(self, token: str) -> None:
        with self._world.lock:
            self._world.tokens.pop(token, None)

    def set_rate_limit(
        self,
        token: str | None,
        *,
        core_limit: int | None = None,
        search_limit: int | None = None,
        remaining: int | None = None,
        reset_in: float | None = None,
        resource: Literal["core", "search"] = "core",
    ) -> None:
        """Shape a token's buckets (None: unauthenticated requests from 127.0.0.1).

        ``remaining`` and ``reset_in`` (GitHub seconds, scaled) apply to ``resource``.
        """
        world = self._world
        with world.lock:
            key, authenticated = _api.bucket_key_for(world, token)
            if core_limit is not None:
                world.limits.configure(key, "core", authenticated=authenticated, limit=core_limit)
            if search_limit is not None:
                world.limits.configure(key, "search", authenticated=authenticated, limit=search_limit)
            world.limits.configure(
                key, resource, authenticated=authenticated, remaining=remaining, reset_in=reset_in
            )

    def rate_limit(self, token: str | None, resource: Literal["core", "search"] = "core") -> dict[str, int]:
        world = self._world
        with world.lock:
            key, authenticated = _api.bucket_key_for(world, token)
            return world.limits.bucket(key, resource, authenticated=authenticated).as_json()

    # -- looking at and changing the data ---------------------------------------------------------

    def issue_labels(self, repo: str, number: int) -> list[str]:
        with self._world.lock:
            _, issue = self._world.find_issue(repo, number)
            return [label.name for label in issue.labels]

    def issue(self, repo: str, number: int) -> dict[str, object]:
        """The issue as ``GET /repos/{repo}/issues/{number}`` would return it."""
        world = self._world
        with world.lock:
            found_repo, issue = world.find_issue(repo, number)
            return issue_json(world.urls, world.data, found_repo, issue)

    def issue_numbers(
        self,
        repo: str,
        *,
        labels: Iterable[str] = (),
        state: Literal["open", "closed", "all"] = "open",
        pull_requests: bool | None = False,
    ) -> list[int]:
        """Numbers of ``repo``'s issues carrying all ``labels`` (any case), ascending.

        ``pull_requests``: False leaves them out, True keeps only them, None keeps both.
        """
        keys = [label_key(name) for name in labels]
        with self._world.lock:
            found = self._world.data.repo(repo)
            if found is None:
                raise KeyError(f"no repository {repo!r}")
            return sorted(
                n
                for n, i in found.issues.items()
                if (state == "all" or i.state == state)
                and (pull_requests is None or i.is_pull_request == pull_requests)
                and all(i.has_label(k) for k in keys)
            )

    def edit_labels_as(
        self, login: str, repo: str, number: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[str]:
        """Change labels as someone else would on github.com: bumps ``updated_at`` (so ETags change)."""
        world = self._world
        with world.lock:
            world.data.ensure_user(login)
            found_repo, issue = world.find_issue(repo, number)
            for name in remove:
                world.remove_label(issue, name)
            world.add_labels(found_repo, issue, add)
            world.counters["external_edits"] += 1
            return [label.name for label in issue.labels]

    def set_issue_state(self, repo: str, number: int, state: Literal["open", "closed"]) -> None:
        world = self._world
        with world.lock:
            _, issue = world.find_issue(repo, number)
            if issue.state != state:
                issue.state = state
                stamp = world.stamp()
                issue.closed_at = stamp if state == "closed" else None
                issue.state_reason = "completed" if state == "closed" else "reopened"
                issue.updated_at = stamp

    def create_label(
        self, repo: str, name: str, color: str = "ededed", description: str | None = None
    ) -> None:
        world = self._world
        with world.lock:
            found = world.data.repo(repo)
            if found is None:
                raise KeyError(f"no repository {repo!r}")
            if found.label(name) is not None:
                raise ValueError(f"{repo} already has a label {name!r}")
            world.data.new_label(found, name, color.lstrip("#"), description)

    def create_issue(
        self,
        repo: str,
        title: str,
        *,
        body: str | None = None,
        labels: Iterable[str] = (),
        assignees: Iterable[str] = (),
        author: str = "rustacean-ana",
        pull_request: bool = False,
    ) -> int:
        """Open a new issue (or pull request) as ``author``; returns its number."""
        world = self._world
        with world.lock:
            found = world.data.repo(repo)
            if found is None:
                raise KeyError(f"no repository {repo!r}")
            world.data.ensure_user(author)
            stamp = world.stamp()
            number = found.next_number
            found.next_number += 1
            issue = Issue(
                id=world.data.next_issue_id,
                number=number,
                title=title,
                body=body,
                author=author,
                labels=[],
                assignees=list(assignees),
                created_at=stamp,
                updated_at=stamp,
                is_pull_request=pull_request,
            )
            world.data.next_issue_id += 1
            for name in dict.fromkeys(labels, None):
                issue.labels.append(world.resolve_label(found, name))
            found.issues[number] = issue
            return number

    def label_names(self, repo: str) -> list[str]:
        with self._world.lock:
            found = self._world.data.repo(repo)
            if found is None:
                raise KeyError(f"no repository {repo!r}")
            return sorted((label.name for label in found.labels.values()), key=label_key)

    # -- observation ------------------------------------------------------------------------------

    @property
    def request_log(self) -> list[RequestRecord]:
        """Every request answered so far (control requests under ``/_sandbox/`` excluded), oldest first."""
        with self._world.lock:
            return list(self._world.log)

    def clear_request_log(self) -> None:
        with self._world.lock:
            self._world.log.clear()

    def stats(self) -> dict[str, object]:
        """Counts: requests, counted (against a rate limit), not_modified (304s), mutations (successful
        label/issue writes through the API), rate_limited, faults by kind, faults_total, by_status, ..."""
        with self._world.lock:
            out = self._world.stats()
            out["external_edits"] = self._world.counters["external_edits"]
            return out

    # -- faults -----------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self._world.lock:
            self._world.faults.add(fault)

    def set_fault_rate(
        self,
        rate: float,
        kinds: Iterable[FaultKind] = ("status", "reset", "html"),
        *,
        seed: int | None = None,
        methods: Iterable[str] | None = None,
        path: str | None = None,
        statuses: Iterable[int] = (500, 502, 503),
    ) -> None:
        """Fault a random ``rate`` of requests (0 turns it off); the same seed and requests give the same
        faults. ``kinds`` get default parameters; ``status`` picks one of ``statuses``."""
        with self._world.lock:
            self._world.faults.set_rate(rate, kinds, seed, methods, path, statuses)

    def reset_faults(self) -> None:
        """Forget every injected fault and the random fault rate."""
        with self._world.lock:
            self._world.faults.reset()

    def pending_faults(self) -> list[dict[str, object]]:
        with self._world.lock:
            return self._world.faults.pending()

    # -- device flow ------------------------------------------------------------------------------

    @property
    def device_flow_client_id(self) -> str:
        """The OAuth client id the device flow accepts."""
        return DEVICE_FLOW_CLIENT_ID

    @property
    def disabled_device_flow_client_id(self) -> str:
        """A client id whose device flow is disabled: answered ``device_flow_disabled``."""
        return DISABLED_DEVICE_FLOW_CLIENT_ID

    @property
    def auto_approve_after_polls(self) -> int | None:
        """None: a person approves (``approve_device`` or ``/login/device``); N: after N pending polls."""
        with self._world.lock:
            return self._world.devices.auto_approve_after_polls

    @auto_approve_after_polls.setter
    def auto_approve_after_polls(self, value: int | None) -> None:
        with self._world.lock:
            self._world.devices.auto_approve_after_polls = value

    def approve_device(self, user_code: str) -> None:
        with self._world.lock:
            self._world.devices.decide(user_code, approve=True)

    def deny_device(self, user_code: str) -> None:
        with self._world.lock:
            self._world.devices.decide(user_code, approve=False)

    def expire_device(self, user_code: str) -> None:
        with self._world.lock:
            self._world.devices.expire(user_code)

    def pending_device_codes(self) -> list[str]:
        with self._world.lock:
            return [code.user_code for code in self._world.devices.pending()]

    # -- serving ----------------------------------------------------------------------------------

    def _app(self, request: Request) -> Response:
        world = self._world
        try:
            segments = request.segments
        except UnicodeDecodeError:
            segments = ["\x00invalid"]
        if segments[:1] == ["_sandbox"]:
            return self._control(request, segments[1:])
        with world.lock:
            delays, fault = world.faults.pick(request.method, request.target)
            for applied in (*delays, *([fault] if fault else [])):
                world.fault_counts[applied.kind] += 1
        world.sleep(sum(d.delay for d in delays) * self.time_scale)
        if world.stopping.is_set():
            return Response(503, reset=True)
        response: Response | None = None
        if fault is None or fault.apply:
            response = self._serve(request, segments)
        if fault is not None:
            kept = response
            response = self._fault_response(fault, request)
            if kept is not None:
                response.counted, response.resource, response.login = kept.counted, kept.resource, kept.login
        assert response is not None
        response.fault = fault.kind if fault else (delays[0].kind if delays else None)
        with world.lock:
            meta = RecordMeta(response.counted, response.resource, response.login, response.fault)
            world.record(
                request.method, request.path, request.query, 0 if response.reset else response.status, meta
            )
        return response

    def _serve(self, request: Request, segments: list[str]) -> Response:
        world = self._world
        try:
            with world.lock:
                if segments[:2] == ["api", "v3"]:
                    return _api.handle(world, request, segments[2:])
                return _web.handle(world, request, segments)
        except Exception:
            log.exception("sandbox: error answering %s %s", request.method, request.path)
            body: dict[str, object] = {
                "message": "Server Error",
                "documentation_url": _api.DOCS,
                "status": "500",
            }
            return _api.error_response(500, body, [])

    def _fault_response(self, fault: Fault, request: Request) -> Response:
        world = self._world
        with world.lock:
            headers = [("X-GitHub-Request-Id", world.next_request_id()), *_api.rate_headers(world, request)]
            caller = _api.authenticate(world, request) or Caller(None, "")
            user = world.data.user(caller.login) if caller.login else None
        json_type = ("Content-Type", "application/json; charset=utf-8")
        kind = fault.kind
        if kind == "reset":
            return Response(0, reset=True)
        if kind == "status":
            status = fault.status or 502
            body = {
                "message": fault.message or _STATUS_MESSAGES.get(status, "Error"),
                "documentation_url": _api.DOCS,
                "status": str(status),
            }
            return Response(status, [*headers, json_type], _api.encode(body))
        if kind == "secondary":
            seconds = fault.seconds if fault.seconds is not None else DEFAULT_SECONDS["secondary"]
            if seconds > 0:
                headers.append(("Retry-After", str(max(1, math.ceil(seconds * self.time_scale)))))
            body = {
                "message": fault.message or _SECONDARY_MESSAGE,
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                "#about-secondary-rate-limits",
                "status": "403",
            }
            return Response(fault.status or 403, [*headers, json_type], _api.encode(body))
        if kind == "rate429":
            seconds = fault.seconds if fault.seconds is not None else DEFAULT_SECONDS["rate429"]
            limit = next((v for k, v in headers if k == "x-ratelimit-limit"), "5000")
            resource = next((v for k, v in headers if k == "x-ratelimit-resource"), "core")
            headers = [h for h in headers if not h[0].startswith("x-ratelimit-")]
            headers += [
                ("x-ratelimit-limit", limit),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", str(math.ceil(time.time() + seconds * self.time_scale))),
                ("x-ratelimit-used", limit),
                ("x-ratelimit-resource", resource),
            ]
            who = f"user ID {user.id}" if user else request.client
            body = {
                "message": fault.message or f"API rate limit exceeded for {who}.",
                "documentation_url": _api.RATE_DOCS,
                "status": "429",
            }
            return Response(429, [*headers, json_type], _api.encode(body))
        if kind == "html":
            return Response(
                fault.status or 502, [*headers, ("Content-Type", "text/html; charset=utf-8")], _UNICORN
            )
        if kind == "malformed":
            return Response(
                fault.status or 200, [*headers, json_type], b'{"message": "this is not json", "items": [{'
            )
        if kind == "huge":
            size = fault.size if fault.size is not None else DEFAULT_HUGE_SIZE
            return Response(fault.status or 200, [*headers, json_type], stream=_huge_body(size), length=size)
        # Delay kinds never reach here: they are not terminal.
        raise AssertionError(kind)

    # -- the control API, for a sandbox in another process ----------------------------------------

    def _control(self, request: Request, segments: list[str]) -> Response:
        try:
            body = self._control_answer(request, segments)
        except (KeyError, ValueError, TypeError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            return _control_json(400, {"error": str(message)})
        if body is None:
            return _control_json(404, {"error": "no such control endpoint"})
        return _control_json(200, body)

    def _control_answer(self, request: Request, segments: list[str]) -> object:
        method = request.method
        data: dict[str, object] = {}
        if method == "POST" and request.body:
            loaded = json.loads(request.body)
            if not isinstance(loaded, dict):
                raise ValueError("a JSON object is required")
            data = loaded
        match method, segments:
            case "GET", ["stats"]:
                return self.stats()
            case "GET", ["requests"]:
                return [dataclasses.asdict(r) for r in self.request_log]
            case "POST", ["clear-requests"]:
                self.clear_request_log()
                return {"ok": True}
            case "GET", ["faults"]:
                return self.pending_faults()
            case "POST", ["faults"]:
                self.inject(Fault.from_json(data))
                return {"ok": True, "faults": self.pending_faults()}
            case "POST", ["fault-rate"]:
                self.set_fault_rate(
                    float(_number(data.get("rate", 0))),
                    _strings(data.get("kinds", ["status", "reset", "html"])),  # type: ignore[arg-type]
                    seed=_opt_int(data.get("seed")),
                    methods=None if data.get("methods") is None else _strings(data.get("methods")),
                    path=None if data.get("path") is None else str(data["path"]),
                    statuses=[int(_number(s)) for s in _list(data.get("statuses", [500, 502, 503]))],
                )
                return {"ok": True}
            case "POST", ["reset-faults"]:
                self.reset_faults()
                return {"ok": True}
            case "POST", ["edit-labels"]:
                labels = self.edit_labels_as(
                    str(data.get("login", "other-user")),
                    str(data["repo"]),
                    int(_number(data["number"])),
                    add=_strings(data.get("add", [])),
                    remove=_strings(data.get("remove", [])),
                )
                return {"labels": labels}
            case "GET", ["issues", owner, name, number] if number.isdigit():
                issue = self.issue(f"{owner}/{name}", int(number))
                carried = issue["labels"]
                assert isinstance(carried, list)
                return {
                    "labels": [label["name"] for label in carried],
                    "state": issue["state"],
                    "updated_at": issue["updated_at"],
                }
            case "POST", ["labels"]:
                description = data.get("description")
                self.create_label(
                    str(data["repo"]),
                    str(data["name"]),
                    str(data.get("color", "ededed")),
                    None if description is None else str(description),
                )
                return {"ok": True}
            case "POST", ["tokens"]:
                permission = str(data.get("permission", "read"))
                if permission not in ("none", "read", "triage", "write", "maintain", "admin"):
                    raise ValueError(f"unknown permission {permission!r}")
                self.add_token(
                    str(data["token"]),
                    login=str(data.get("login", "reader")),
                    scopes=_strings(data.get("scopes", ["public_repo"])),
                    permission=permission,  # type: ignore[arg-type]
                    fine_grained=bool(data.get("fine_grained", False)),
                )
                return {"ok": True}
            case "POST", ["rate-limit"]:
                resource = str(data.get("resource", "core"))
                if resource not in ("core", "search"):
                    raise ValueError("resource must be core or search")
                token = data.get("token")
                self.set_rate_limit(
                    None if token is None else str(token),
                    core_limit=_opt_int(data.get("core_limit")),
                    search_limit=_opt_int(data.get("search_limit")),
                    remaining=_opt_int(data.get("remaining")),
                    reset_in=None if data.get("reset_in") is None else float(_number(data["reset_in"])),
                    resource=resource,  # type: ignore[arg-type]
                )
                return {"ok": True}
            case "GET", ["device"]:
                return {
                    "pending": self.pending_device_codes(),
                    "auto_approve_after_polls": self.auto_approve_after_polls,
                }
            case "POST", ["device", ("approve" | "deny" | "expire") as action]:
                code = str(data["user_code"])
                {"approve": self.approve_device, "deny": self.deny_device, "expire": self.expire_device}[
                    action
                ](code)
                return {"ok": True}
            case "POST", ["device", "auto-approve"]:
                self.auto_approve_after_polls = _opt_int(data.get("polls"))
                return {"ok": True}
        return None


def _control_json(status: int, body: object) -> Response:
    return Response(status, [("Content-Type", "application/json; charset=utf-8")], _api.encode(body))


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(_number(value))


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"not a list: {value!r}")
    return value


def _strings(value: object) -> list[str]:
    return [str(item) for item in _list(value)]


def _huge_body(size: int) -> Iterator[bytes]:
    """A valid JSON document of exactly ``size`` bytes (at least 4): one very long string in a list."""
    size = max(size, 4)
    yield b'["'
    left = size - 4
    block = b"x" * 65536
    while left > 0:
        chunk = block[: min(left, len(block))]
        left -= len(chunk)
        yield chunk
    yield b'"]'
