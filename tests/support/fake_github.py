"""A tiny stateful GitHub for engine unit tests (httpx.MockTransport): issues' labels, repo labels,
permissions, and scripted failures. End-to-end tests use the real sandbox instead."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

import httpx

API = "http://127.0.0.1:9/api/v3"

Script = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakeGitHub:
    labels: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    repo_labels: dict[str, set[str]] = field(default_factory=dict)
    can_label: dict[str, bool] = field(default_factory=dict)
    # Called before each request; a response it returns is sent instead (faults, rate limits).
    scripts: list[Script] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)
    # Called after a successful mutation: lets a test act "as someone else" mid-move.
    after_write: Callable[[], None] | None = None
    # What GET /rate_limit says is left of the core limit (it is free to ask).
    core_remaining: int = 5000

    def issue(self, repo: str, number: int, *names: str) -> None:
        self.labels[(repo, number)] = list(names)
        self.repo_labels.setdefault(repo, set()).update(n.casefold() for n in names)
        self.can_label.setdefault(repo, True)

    def define(self, repo: str, *names: str) -> None:
        self.repo_labels.setdefault(repo, set()).update(n.casefold() for n in names)
        self.can_label.setdefault(repo, True)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.log if m in ("POST", "DELETE", "PUT", "PATCH")]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.raw_path.decode().split("?")[0])
        self.log.append((request.method, path))
        if request.headers.get("authorization") != "Bearer t0k":
            return _json(401, {"message": "Bad credentials"})
        for script in list(self.scripts):
            answer = script(request)
            if answer is not None:
                return answer
        path = path.removeprefix("/api/v3")
        if path == "/rate_limit":
            core = {
                "limit": 5000,
                "remaining": self.core_remaining,
                "used": 5000 - self.core_remaining,
                "reset": 1,
            }
            headers = {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": str(self.core_remaining),
                "x-ratelimit-reset": "4102444800",
                "x-ratelimit-resource": "core",
            }
            return _json(200, {"resources": {"core": core}, "rate": core}, headers)
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)", path):
            repo = m.group(1)
            if repo not in self.can_label:
                return _json(404, {"message": "Not Found"})
            perms = {"pull": True, "triage": self.can_label[repo], "push": False, "admin": False}
            return _json(200, {"full_name": repo, "private": False, "permissions": perms})
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/labels/(.+)", path):
            repo, name = m.group(1), m.group(2)
            if name.casefold() in self.repo_labels.get(repo, set()):
                return _json(200, _label(name))
            return _json(404, {"message": "Not Found"})
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/labels(?:/(.+))?", path):
            key = (m.group(1), int(m.group(2)))
            if key not in self.labels:
                return _json(404, {"message": "Not Found"})
            current = self.labels[key]
            if request.method == "GET":
                return _json(200, [_label(n) for n in current])
            if not self.can_label.get(key[0], False):
                return _json(403, {"message": "Resource not accessible by integration"})
            if request.method == "POST":
                for name in json.loads(request.content)["labels"]:
                    if name.casefold() not in {n.casefold() for n in current}:
                        current.append(name)
                        self.repo_labels.setdefault(key[0], set()).add(name.casefold())
            elif request.method == "DELETE":
                name = m.group(3)
                kept = [n for n in current if n.casefold() != name.casefold()]
                if len(kept) == len(current):
                    return _json(404, {"message": "Label does not exist"})
                current[:] = kept
            if self.after_write is not None:
                self.after_write()
            return _json(200, [_label(n) for n in current])
        return _json(404, {"message": f"no route {path}"})


def _label(name: str) -> dict[str, object]:
    return {"name": name, "color": "ededed", "description": None}


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def fail_times(
    n: int, status: int, method: str | None = None, headers: dict[str, str] | None = None
) -> Script:
    """A script answering ``status`` to the next ``n`` requests (of ``method``)."""
    left = [n]

    def script(request: httpx.Request) -> httpx.Response | None:
        if left[0] > 0 and (method is None or request.method == method):
            left[0] -= 1
            return _json(status, {"message": "scripted failure"}, headers)
        return None

    return script
