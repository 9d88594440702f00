"""The HTTP control API under ``/_sandbox/``, for a test sandbox running in another process.

Unauthenticated, never faulted, never logged. JSON in, JSON out; 400 with ``{"error": ...}`` for a bad
request, 404 for an unknown endpoint. Endpoints (GET unless marked POST):

``stats``, ``requests``, POST ``clear-requests``, ``faults``, POST ``faults`` (a ``Fault`` as JSON), POST
``fault-rate``, POST ``reset-faults``, POST ``edit-labels`` {login, repo, number, add, remove}, POST
``assign`` / ``unassign`` {login, repo, number, assignees}, POST ``comment`` {login, repo, number, body},
POST ``issue-state`` {repo, number, state}, POST ``lock`` {repo, number, locked}, ``issues/{o}/{r}/{n}``,
POST ``labels`` {repo, name, color, description}, POST ``tokens`` {token, login, scopes, permission,
fine_grained}, POST ``assignable`` {repo, login, assignable}, POST ``rate-limit`` {token, core_limit,
search_limit, remaining, reset_in, resource}, ``device``, POST ``device/approve|deny|expire`` {user_code},
POST ``device/auto-approve`` {polls}.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from triageboard.sandbox._http import Request, Response
from triageboard.sandbox._rest import encode

from .faults import Fault

if TYPE_CHECKING:
    from .sandbox import Sandbox

PERMISSIONS = ("none", "read", "triage", "write", "maintain", "admin")


class ControlApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    def answer(self, request: Request, segments: list[str]) -> Response:
        try:
            data: dict[str, object] = {}
            if request.method == "POST" and request.body:
                loaded = json.loads(request.body)
                if not isinstance(loaded, dict):
                    raise ValueError("a JSON object is required")
                data = loaded
            body = self._observe(request.method, segments)
            if body is None:
                body = self._change(request.method, segments, data)
        except (KeyError, ValueError, TypeError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            return _json(400, {"error": str(message)})
        if body is None:
            return _json(404, {"error": "no such control endpoint"})
        return _json(200, body)

    def _observe(self, method: str, segments: list[str]) -> object:
        sb = self.sb
        match method, segments:
            case "GET", ["stats"]:
                return sb.stats()
            case "GET", ["requests"]:
                return [dataclasses.asdict(r) for r in sb.request_log]
            case "GET", ["faults"]:
                return sb.pending_faults()
            case "GET", ["issues", owner, name, number] if number.isdigit():
                issue = sb.issue(f"{owner}/{name}", int(number))
                labels, assignees = issue["labels"], issue["assignees"]
                assert isinstance(labels, list)
                assert isinstance(assignees, list)
                return {
                    "labels": [label["name"] for label in labels],
                    "assignees": [person["login"] for person in assignees],
                    "comments": issue["comments"],
                    "state": issue["state"],
                    "updated_at": issue["updated_at"],
                }
            case "GET", ["device"]:
                return {
                    "pending": sb.pending_device_codes(),
                    "auto_approve_after_polls": sb.auto_approve_after_polls,
                }
        return None

    def _change(self, method: str, segments: list[str], data: dict[str, object]) -> object:
        if method != "POST":
            return None
        sb = self.sb
        ok = {"ok": True}
        match segments:
            case ["clear-requests"]:
                sb.clear_request_log()
            case ["faults"]:
                sb.inject(Fault.from_json(data))
                return {"ok": True, "faults": sb.pending_faults()}
            case ["fault-rate"]:
                sb.set_fault_rate(
                    float(_number(data.get("rate", 0))),
                    _strings(data.get("kinds", ["status", "reset", "html"])),  # type: ignore[arg-type]
                    seed=_opt_int(data.get("seed")),
                    methods=None if data.get("methods") is None else _strings(data.get("methods")),
                    path=None if data.get("path") is None else str(data["path"]),
                    statuses=[int(_number(s)) for s in _list(data.get("statuses", [500, 502, 503]))],
                )
            case ["reset-faults"]:
                sb.reset_faults()
            case ["edit-labels"]:
                labels = sb.edit_labels_as(
                    str(data.get("login", "other-user")),
                    *_issue_ref(data),
                    add=_strings(data.get("add", [])),
                    remove=_strings(data.get("remove", [])),
                )
                return {"labels": labels}
            case ["assign" | "unassign" as verb]:
                change = sb.assign_as if verb == "assign" else sb.unassign_as
                who = _strings(data.get("assignees", []))
                return {"assignees": change(str(data.get("login", "other-user")), *_issue_ref(data), *who)}
            case ["comment"]:
                login = str(data.get("login", "other-user"))
                return {"id": sb.comment_as(login, *_issue_ref(data), str(data["body"]))}
            case ["issue-state"]:
                state = str(data["state"])
                if state not in ("open", "closed"):
                    raise ValueError("state must be open or closed")
                sb.set_issue_state(*_issue_ref(data), "open" if state == "open" else "closed")
            case ["lock"]:
                sb.lock_issue(*_issue_ref(data), bool(data.get("locked", True)))
            case ["labels"]:
                description = data.get("description")
                sb.create_label(
                    str(data["repo"]),
                    str(data["name"]),
                    str(data.get("color", "ededed")),
                    None if description is None else str(description),
                )
            case _:
                return self._accounts(segments, data)
        return ok

    def _accounts(self, segments: list[str], data: dict[str, object]) -> object:
        sb = self.sb
        match segments:
            case ["tokens"]:
                permission = str(data.get("permission", "read"))
                if permission not in PERMISSIONS:
                    raise ValueError(f"unknown permission {permission!r}")
                sb.add_token(
                    str(data["token"]),
                    login=str(data.get("login", "reader")),
                    scopes=_strings(data.get("scopes", ["public_repo"])),
                    permission=permission,  # type: ignore[arg-type]
                    fine_grained=bool(data.get("fine_grained", False)),
                )
            case ["assignable"]:
                sb.set_assignable(str(data["repo"]), str(data["login"]), bool(data.get("assignable", True)))
            case ["rate-limit"]:
                resource = str(data.get("resource", "core"))
                if resource not in ("core", "search"):
                    raise ValueError("resource must be core or search")
                token = data.get("token")
                sb.set_rate_limit(
                    None if token is None else str(token),
                    core_limit=_opt_int(data.get("core_limit")),
                    search_limit=_opt_int(data.get("search_limit")),
                    remaining=_opt_int(data.get("remaining")),
                    reset_in=None if data.get("reset_in") is None else float(_number(data["reset_in"])),
                    resource=resource,  # type: ignore[arg-type]
                )
            case ["device", ("approve" | "deny" | "expire") as action]:
                code = str(data["user_code"])
                {"approve": sb.approve_device, "deny": sb.deny_device, "expire": sb.expire_device}[action](
                    code
                )
            case ["device", "auto-approve"]:
                sb.auto_approve_after_polls = _opt_int(data.get("polls"))
            case _:
                return None
        return {"ok": True}


def _json(status: int, body: object) -> Response:
    return Response(status, [("Content-Type", "application/json; charset=utf-8")], encode(body))


def _issue_ref(data: dict[str, object]) -> tuple[str, int]:
    return str(data["repo"]), int(_number(data["number"]))


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
