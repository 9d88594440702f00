"""What every REST endpoint shares: GitHub's error bodies, the handler's result, permission checks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ._http import Request
from ._model import Issue, Permission, Repo, permission_at_least
from ._world import Caller, World

DOCS = "https://docs.github.com/rest"
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
NOT_ACCESSIBLE = "Resource not accessible by personal access token"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        documentation_url: str = DOCS,
        errors: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        self.errors = errors

    def body(self) -> dict[str, object]:
        out: dict[str, object] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        out["documentation_url"] = self.documentation_url
        out["status"] = str(self.status)
        return out


def not_found(doc: str = DOCS) -> ApiError:
    return ApiError(404, "Not Found", doc)


def validation_failed(resource: str, field_name: str, code: str = "invalid", doc: str = DOCS) -> ApiError:
    return ApiError(
        422, "Validation Failed", doc, [{"resource": resource, "field": field_name, "code": code}]
    )


@dataclass(slots=True)
class Result:
    status: int
    body: object  # JSON-serialisable, or None for no body
    headers: list[tuple[str, str]] = field(default_factory=list)
    cacheable: bool = True  # a GET answered 200 gets an ETag and may be answered 304
    mutation: bool = False
    # ``X-Accepted-OAuth-Scopes``: GitHub names ``repo`` for reads of a repository's resources, nothing
    # for writes, searches, users and errors (see the recorded answers in tests/data).
    accepted_scopes: str = ""
    raw: bytes | None = None  # a body that is not JSON (``application/vnd.github.raw``)
    content_type: str = "application/json; charset=utf-8"


def encode(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def only(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise not_found()


def issue_of(repo: Repo, number: str) -> Issue:
    issue = repo.issues.get(int(number)) if number.isdigit() else None
    if issue is None:
        raise not_found(f"{DOCS}/issues/issues#get-an-issue")
    return issue


def require_auth(caller: Caller) -> str:
    """The caller's login; 401 for a request without a token."""
    if caller.token is None:
        raise ApiError(401, "Requires authentication", DOCS)
    return caller.token.login


def require_write(
    world: World,
    caller: Caller,
    repo: Repo,
    need: Permission,
    doc: str = f"{DOCS}/issues/labels#add-labels-to-an-issue",
) -> str:
    """The caller's login, if its token may write and its role in ``repo`` is at least ``need``."""
    login = require_auth(caller)
    if not world.can_write_scopes(caller) or not permission_at_least(world.permission(caller, repo), need):
        raise ApiError(403, NOT_ACCESSIBLE, doc)
    return login


def json_body(request: Request) -> object:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Problems parsing JSON", DOCS) from None
