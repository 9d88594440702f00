"""The REST API under ``/api/v3``: authentication, rate limits, ETags, pagination and the endpoints."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qsl, quote, urlencode

from ._http import Request, Response
from ._model import Issue, Permission, Repo, parse_iso, permission_at_least
from ._render import (
    full_user_json,
    issue_json,
    label_json,
    legacy_permission,
    permissions_json,
    repo_json,
    role_name,
    user_json,
)
from ._search import SearchError, parse
from ._world import Caller, RecordMeta, World

T = TypeVar("T")

API_VERSIONS = ("2022-11-28", "2026-03-10")
DEFAULT_API_VERSION = "2022-11-28"
SEARCH_CAP = 1000
DOCS = "https://docs.github.com/rest"
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
EXPOSE = (
    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, "
    "X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, "
    "X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset"
)
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


def encode(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def error_response(status: int, body: dict[str, object], headers: list[tuple[str, str]]) -> Response:
    return Response(status, [*headers, ("Content-Type", "application/json; charset=utf-8")], encode(body))


# -- authentication --------------------------------------------------------------------------------


def authenticate(world: World, request: Request) -> Caller | None:
    """The caller, or None for a token the sandbox does not know (answer 401 Bad credentials)."""
    header = request.header("Authorization")
    if not header:
        return Caller(token=None, bucket_key=f"anon:{request.client}")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return None
    elif scheme.lower() not in ("bearer", "token"):
        return None
    info = world.tokens.get(value)
    if info is None:
        return None
    return Caller(token=info, bucket_key=f"token:{hashlib.sha256(value.encode()).hexdigest()[:16]}")


def bucket_key_for(world: World, token: str | None, client: str = "127.0.0.1") -> tuple[str, bool]:
    if token is None:
        return f"anon:{client}", False
    return f"token:{hashlib.sha256(token.encode()).hexdigest()[:16]}", True


def common_headers(world: World, caller: Caller | None, version: str) -> list[tuple[str, str]]:
    headers = [
        ("X-GitHub-Api-Version-Selected", version),
        ("X-GitHub-Api-Version", version),
        ("X-GitHub-Media-Type", "github.v3; format=json"),
        ("X-GitHub-Request-Id", world.next_request_id()),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", EXPOSE),
        ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "deny"),
        ("Content-Security-Policy", "default-src 'none'"),
    ]
    if caller is not None and caller.token is not None and not caller.token.fine_grained:
        headers.append(("X-OAuth-Scopes", ", ".join(caller.token.scopes)))
    return headers


def rate_headers(world: World, request: Request) -> list[tuple[str, str]]:
    """The caller's current rate-limit headers, without using up a request (for faulted answers)."""
    caller = authenticate(world, request) or Caller(None, f"anon:{request.client}")
    resource = "search" if "/search/" in request.path else "core"
    bucket = world.limits.bucket(caller.bucket_key, resource, authenticated=caller.token is not None)
    return bucket.headers(resource)


# -- the dispatcher --------------------------------------------------------------------------------


def handle(world: World, request: Request, segments: list[str]) -> Response:
    """Answer one REST request; ``segments`` are the decoded path segments after ``/api/v3``.

    Called with the world's lock held.
    """
    version = request.header("X-GitHub-Api-Version") or DEFAULT_API_VERSION
    caller = authenticate(world, request)
    if caller is None:
        bucket = world.limits.bucket(f"anon:{request.client}", "core", authenticated=False)
        headers = [*common_headers(world, None, DEFAULT_API_VERSION), *bucket.headers("core")]
        body = ApiError(401, "Bad credentials", DOCS).body()
        return _meta(error_response(401, body, headers), RecordMeta(resource="core"))
    login = caller.login
    if version not in API_VERSIONS:
        error = ApiError(
            400, f"API version {version} is not supported.", f"{DOCS}/about-the-rest-api/api-versions"
        )
        return _meta(
            error_response(400, error.body(), common_headers(world, caller, DEFAULT_API_VERSION)),
            RecordMeta(login=login),
        )

    resource = "search" if segments[:1] == ["search"] else "core"
    free = segments == ["rate_limit"]
    bucket = world.limits.bucket(caller.bucket_key, resource, authenticated=caller.token is not None)
    headers = common_headers(world, caller, version)
    if not free and bucket.remaining <= 0:
        world.counters["rate_limited"] += 1
        user = world.data.user(login) if login else None
        who = f"user ID {user.id}" if user else request.client
        message = f"API rate limit exceeded for {who}."
        if caller.token is None:
            message += (
                " (But here's the good news: Authenticated requests get a higher rate limit. "
                "Check out the documentation for more details.)"
            )
        else:
            message += " If you reach out to GitHub Support for help, please include the request ID."
        body = ApiError(403, message, RATE_DOCS).body()
        return _meta(
            error_response(403, body, [*headers, *bucket.headers(resource)]),
            RecordMeta(resource=resource, login=login),
        )

    try:
        result = _route(world, caller, request, segments)
    except ApiError as error:
        result = Result(error.status, error.body(), cacheable=False)
    except SearchError as error:
        search_error = ApiError(
            422, error.message, f"{DOCS}/search/search#search-issues-and-pull-requests", error.errors
        )
        result = Result(422, search_error.body(), cacheable=False)

    raw = b"" if result.body is None else encode(result.body)
    etag = None
    if request.method in ("GET", "HEAD") and result.status == 200 and result.cacheable:
        etag = 'W/"' + hashlib.sha256(raw).hexdigest() + '"'
        if _etag_matches(request.header("If-None-Match"), etag):
            counted = caller.token is None  # a 304 with valid credentials is free
            if counted:
                bucket.used += 1
            out = Response(304, [*headers, ("ETag", etag), *bucket.headers(resource)])
            return _meta(out, RecordMeta(counted=counted, resource=resource, login=login))
    counted = not free
    if counted:
        bucket.used += 1
    if result.mutation and 200 <= result.status < 300:
        world.counters["mutations"] += 1
    headers.extend(result.headers)
    if etag is not None:
        headers.append(("ETag", etag))
        headers.append(("Cache-Control", "private, max-age=60, s-maxage=60"))
    elif resource == "search":
        headers.append(("Cache-Control", "no-cache"))
    headers.extend(bucket.headers(resource))
    if result.body is not None:
        headers.append(("Content-Type", "application/json; charset=utf-8"))
    response = Response(result.status, headers, raw)
    return _meta(response, RecordMeta(counted=counted, resource=resource, login=login))


def _meta(response: Response, meta: RecordMeta) -> Response:
    response.counted = meta.counted
    response.resource = meta.resource
    response.login = meta.login
    return response


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == bare for candidate in header.split(","))


def _route(world: World, caller: Caller, request: Request, segments: list[str]) -> Result:
    method = request.method if request.method != "HEAD" else "GET"
    match segments:
        case []:
            _only(method, "GET")
            api = world.urls.api
            return Result(
                200,
                {
                    "current_user_url": f"{api}/user",
                    "issues_url": f"{api}/issues",
                    "issue_search_url": f"{api}/search/issues?q={{query}}{{&page,per_page,sort,order}}",
                    "rate_limit_url": f"{api}/rate_limit",
                    "repository_url": f"{api}/repos/{{owner}}/{{repo}}",
                    "user_url": f"{api}/users/{{user}}",
                },
            )
        case ["user"]:
            _only(method, "GET")
            if caller.token is None:
                raise ApiError(
                    401, "Requires authentication", f"{DOCS}/users/users#get-the-authenticated-user"
                )
            user = world.data.ensure_user(caller.token.login)
            return Result(200, full_user_json(world.urls, user, private=True))
        case ["users", login]:
            _only(method, "GET")
            found = world.data.user(login)
            if found is None:
                raise not_found(f"{DOCS}/users/users#get-a-user")
            return Result(200, full_user_json(world.urls, found, private=False))
        case ["rate_limit"]:
            _only(method, "GET")
            return Result(200, _rate_limit_json(world, caller), cacheable=False)
        case ["search", "issues"]:
            _only(method, "GET")
            return _search(world, caller, request)
        case ["repos", owner, name, *rest]:
            repo = world.data.repo(f"{owner}/{name}")
            if repo is None:
                raise not_found(f"{DOCS}/repos/repos#get-a-repository")
            return _repo_route(world, caller, request, method, repo, rest)
        case ["repositories", repo_id, *rest] if repo_id.isdigit():
            found_repo = world.data.repo_by_id(int(repo_id))
            if found_repo is None:
                raise not_found()
            return _repo_route(world, caller, request, method, found_repo, rest)
    raise not_found()


def _only(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise not_found()


def _repo_route(
    world: World, caller: Caller, request: Request, method: str, repo: Repo, rest: list[str]
) -> Result:
    match rest:
        case []:
            _only(method, "GET")
            permission = world.permission(caller, repo) if caller.token is not None else None
            return Result(200, repo_json(world.urls, world.data, repo, permission))
        case ["issues"]:
            _only(method, "GET")
            return _list_issues(world, request, repo)
        case ["issues", number]:
            issue = _issue(repo, number)
            _only(method, "GET", "PATCH")
            if method == "PATCH":
                return _patch_issue(world, caller, request, repo, issue)
            return Result(200, issue_json(world.urls, world.data, repo, issue))
        case ["issues", number, "labels"]:
            issue = _issue(repo, number)
            _only(method, "GET", "POST", "PUT", "DELETE")
            if method == "GET":
                labels = [label_json(world.urls, repo, label) for label in issue.labels]
                return _paginated(request, labels, _link_base(world, repo, rest))
            _require_write(world, caller, repo, "triage")
            if method == "DELETE":
                if issue.labels:
                    issue.labels = []
                    issue.updated_at = world.stamp()
                return Result(204, None, mutation=True)
            names = _label_names(request)
            if method == "POST":
                world.add_labels(repo, issue, names)
            else:
                world.set_labels(repo, issue, names)
            body = [label_json(world.urls, repo, label) for label in issue.labels]
            return Result(200, body, cacheable=False, mutation=True)
        case ["issues", number, "labels", name]:
            issue = _issue(repo, number)
            _only(method, "DELETE")
            _require_write(world, caller, repo, "triage")
            if not world.remove_label(issue, name):
                raise ApiError(
                    404, "Label does not exist", f"{DOCS}/issues/labels#remove-a-label-from-an-issue"
                )
            body = [label_json(world.urls, repo, label) for label in issue.labels]
            return Result(200, body, cacheable=False, mutation=True)
        case ["labels"]:
            _only(method, "GET", "POST")
            if method == "POST":
                return _create_label(world, caller, request, repo)
            ordered = sorted(repo.labels.values(), key=lambda label: (label.key, label.id))
            labels = [label_json(world.urls, repo, label) for label in ordered]
            return _paginated(request, labels, _link_base(world, repo, rest))
        case ["labels", name]:
            _only(method, "GET")
            label = repo.label(name)
            if label is None:
                raise not_found(f"{DOCS}/issues/labels#get-a-label")
            return Result(200, label_json(world.urls, repo, label))
        case ["collaborators", login, "permission"]:
            _only(method, "GET")
            return _collaborator_permission(world, caller, repo, login)
    raise not_found()


def _issue(repo: Repo, number: str) -> Issue:
    issue = repo.issues.get(int(number)) if number.isdigit() else None
    if issue is None:
        raise not_found(f"{DOCS}/issues/issues#get-an-issue")
    return issue


def _require_write(world: World, caller: Caller, repo: Repo, need: Permission) -> None:
    if caller.token is None:
        raise ApiError(401, "Requires authentication", DOCS)
    if not world.can_write_scopes(caller) or not permission_at_least(world.permission(caller, repo), need):
        raise ApiError(403, NOT_ACCESSIBLE, f"{DOCS}/issues/labels#add-labels-to-an-issue")


def _json_body(request: Request) -> object:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Problems parsing JSON", DOCS) from None


def _label_names(request: Request) -> list[str]:
    """``{"labels": [...]}`` or a bare list; items are names or ``{"name": ...}``."""
    body = _json_body(request)
    items = body.get("labels") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise ApiError(
            422,
            "Invalid request.\n\nFor 'links/0/schema', nil is not an object or an array of strings.",
            f"{DOCS}/issues/labels#add-labels-to-an-issue",
        )
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise validation_failed(
                "Label", "name", "invalid", f"{DOCS}/issues/labels#add-labels-to-an-issue"
            )
        names.append(name.strip())
    return names


_COLOR = re.compile(r"^#?[0-9a-fA-F]{6}$")


def _create_label(world: World, caller: Caller, request: Request, repo: Repo) -> Result:
    _require_write(world, caller, repo, "write")
    body = _json_body(request)
    doc = f"{DOCS}/issues/labels#create-a-label"
    if not isinstance(body, dict):
        raise validation_failed("Label", "name", "missing_field", doc)
    name = body.get("name")
    color = body.get("color", "ededed")
    description = body.get("description")
    if not isinstance(name, str) or not name.strip():
        raise validation_failed("Label", "name", "missing_field", doc)
    if not isinstance(color, str) or not _COLOR.match(color):
        raise validation_failed("Label", "color", "invalid", doc)
    if description is not None and not isinstance(description, str):
        raise validation_failed("Label", "description", "invalid", doc)
    if repo.label(name) is not None:
        raise validation_failed("Label", "name", "already_exists", doc)
    label = world.data.new_label(repo, name.strip(), color.lstrip("#"), description)
    data = label_json(world.urls, repo, label)
    return Result(201, data, [("Location", str(data["url"]))], cacheable=False, mutation=True)


def _patch_issue(world: World, caller: Caller, request: Request, repo: Repo, issue: Issue) -> Result:
    _require_write(world, caller, repo, "triage")
    body = _json_body(request)
    doc = f"{DOCS}/issues/issues#update-an-issue"
    if not isinstance(body, dict):
        raise ApiError(400, "Problems parsing JSON", doc)
    changed = False
    if "labels" in body:
        labels = body["labels"]
        if not isinstance(labels, list):
            raise validation_failed("Issue", "labels", "invalid", doc)
        names = [str(x.get("name") if isinstance(x, dict) else x) for x in labels]
        changed |= world.set_labels(repo, issue, names)
    state = body.get("state")
    if state is not None:
        if state not in ("open", "closed"):
            raise validation_failed("Issue", "state", "invalid", doc)
        if state != issue.state:
            issue.state = "open" if state == "open" else "closed"
            issue.closed_at = world.stamp() if state == "closed" else None
            reason = body.get("state_reason")
            issue.state_reason = (
                (reason if isinstance(reason, str) else "completed") if state == "closed" else "reopened"
            )
            changed = True
    for key in ("title", "body"):
        if key in body:
            value = body[key]
            if key == "title" and (not isinstance(value, str) or not value):
                raise validation_failed("Issue", "title", "invalid", doc)
            if value is not None and not isinstance(value, str):
                raise validation_failed("Issue", key, "invalid", doc)
            if getattr(issue, key) != value:
                setattr(issue, key, value)
                changed = True
    if "assignees" in body:
        assignees = body["assignees"]
        if not isinstance(assignees, list) or not all(isinstance(a, str) for a in assignees):
            raise validation_failed("Issue", "assignees", "invalid", doc)
        if assignees != issue.assignees:
            issue.assignees = [str(a) for a in assignees]
            changed = True
    if changed:
        issue.updated_at = world.stamp()
    return Result(200, issue_json(world.urls, world.data, repo, issue), cacheable=False, mutation=True)


def _collaborator_permission(world: World, caller: Caller, repo: Repo, login: str) -> Result:
    if caller.token is None:
        raise ApiError(401, "Requires authentication", DOCS)
    user = world.data.user(login)
    if user is None:
        raise not_found(f"{DOCS}/collaborators/collaborators#get-repository-permissions-for-a-user")
    permission: Permission = "read"
    for info in world.tokens.values():
        if info.login.casefold() == login.casefold():
            permission = world.permission(Caller(info, ""), repo)
            break
    person = user_json(world.urls, user)
    person["permissions"] = permissions_json(permission)
    person["role_name"] = role_name(permission)
    body = {"permission": legacy_permission(permission), "role_name": role_name(permission), "user": person}
    return Result(200, body)


def _rate_limit_json(world: World, caller: Caller) -> dict[str, object]:
    authenticated = caller.token is not None
    core = world.limits.bucket(caller.bucket_key, "core", authenticated=authenticated).as_json()
    search = world.limits.bucket(caller.bucket_key, "search", authenticated=authenticated).as_json()
    reset = core["reset"]

    def fixed(limit: int) -> dict[str, int]:
        return {"limit": limit, "remaining": limit, "reset": reset, "used": 0}

    return {
        "resources": {
            "core": core,
            "search": search,
            "graphql": fixed(5000 if authenticated else 0),
            "integration_manifest": fixed(5000),
            "code_search": fixed(10),
        },
        "rate": core,
    }


# -- lists -----------------------------------------------------------------------------------------


def _page_params(params: dict[str, str], default: int = 30) -> tuple[int, int]:
    def number(key: str, fallback: int) -> int:
        try:
            value = int(params.get(key, ""))
        except ValueError:
            return fallback
        return value if value >= 1 else fallback

    return min(number("per_page", default), 100), number("page", 1)


def _link_base(world: World, repo: Repo, rest: Sequence[str]) -> str:
    """Pagination links use ``/repositories/{id}/...`` like GitHub: clients must follow them verbatim."""
    return f"{world.urls.api}/repositories/{repo.id}/" + "/".join(quote(s, safe="") for s in rest)


def _links(request: Request, base: str, page: int, last: int) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k != "page"]

    def url(n: int) -> str:
        return f"{base}?{urlencode([*pairs, ('page', str(n))])}"

    links: list[str] = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return [("Link", ", ".join(links))] if links else []


def _page(
    items: list[T], request: Request, base: str, *, cap: int | None = None
) -> tuple[list[T], list[tuple[str, str]]]:
    per_page, page = _page_params(request.params())
    available = len(items) if cap is None else min(len(items), cap)
    last = max(1, math.ceil(available / per_page))
    start = (page - 1) * per_page
    chosen = items[start : min(start + per_page, available)]
    return chosen, (_links(request, base, page, last) if available else [])


def _paginated(request: Request, items: list[T], base: str) -> Result:
    chosen, headers = _page(items, request, base)
    return Result(200, chosen, headers)


_SORT_KEYS: dict[str, Callable[[Issue], tuple[int, int]]] = {
    "created": lambda i: (i.created_at, i.number),
    "updated": lambda i: (i.updated_at, i.number),
    "comments": lambda i: (i.comments, i.number),
}


def _list_issues(world: World, request: Request, repo: Repo) -> Result:
    params = request.params()
    doc = f"{DOCS}/issues/issues#list-repository-issues"
    state = params.get("state", "open") or "open"
    if state not in ("open", "closed", "all"):
        raise validation_failed("Issue", "state", doc=doc)
    sort = params.get("sort", "created") or "created"
    direction = params.get("direction", "desc") or "desc"
    if sort not in _SORT_KEYS:
        raise validation_failed("Issue", "sort", doc=doc)
    if direction not in ("asc", "desc"):
        raise validation_failed("Issue", "direction", doc=doc)
    since: int | None = None
    if params.get("since"):
        since = parse_iso(params["since"])
        if since is None:
            raise validation_failed("Issue", "since", doc=doc)
    wanted = [name.strip().casefold() for name in params.get("labels", "").split(",") if name.strip()]
    assignee = params.get("assignee")
    creator = params.get("creator")
    milestone = params.get("milestone")

    def keep(issue: Issue) -> bool:
        if state != "all" and issue.state != state:
            return False
        if since is not None and issue.updated_at < since:
            return False
        if wanted:
            have = {label.key for label in issue.labels}
            if not all(name in have for name in wanted):
                return False
        if assignee:
            if assignee == "none":
                if issue.assignees:
                    return False
            elif assignee == "*":
                if not issue.assignees:
                    return False
            elif assignee.casefold() not in {a.casefold() for a in issue.assignees}:
                return False
        if creator and issue.author.casefold() != creator.casefold():
            return False
        return not (milestone and milestone != "none")

    issues = sorted(
        (i for i in repo.issues.values() if keep(i)), key=_SORT_KEYS[sort], reverse=direction == "desc"
    )
    chosen, headers = _page(issues, request, _link_base(world, repo, ["issues"]))
    body = [issue_json(world.urls, world.data, repo, issue) for issue in chosen]
    return Result(200, body, headers)


def _search(world: World, caller: Caller, request: Request) -> Result:
    params = request.params()
    doc = f"{DOCS}/search/search#search-issues-and-pull-requests"
    q = params.get("q", "").strip()
    if not q:
        raise validation_failed("Search", "q", "missing", doc)
    data = world.data
    query = parse(
        q,
        me=caller.login,
        known_owners={r.owner.casefold() for r in data.repos.values()} | set(data.users),
        known_repos=set(data.repos),
    )
    per_page, page = _page_params(params)
    if (page - 1) * per_page >= SEARCH_CAP:
        raise ApiError(422, "Only the first 1000 search results are available", doc)
    found = [
        (repo, issue)
        for repo in data.repos.values()
        for issue in repo.issues.values()
        if query.matches(repo, issue)
    ]
    sort = query.sort or params.get("sort")
    order = query.order or params.get("order", "desc")
    if sort in _SORT_KEYS:
        key = _SORT_KEYS[sort]
        found.sort(key=lambda pair: key(pair[1]), reverse=order != "asc")
    else:  # "best match": newest first, deterministic
        found.sort(key=lambda pair: (pair[1].created_at, pair[0].id, pair[1].number), reverse=True)
    chosen, headers = _page(found, request, f"{world.urls.api}/search/issues", cap=SEARCH_CAP)
    items = [issue_json(world.urls, data, repo, issue, score=1.0) for repo, issue in chosen]
    body = {"total_count": len(found), "incomplete_results": False, "items": items}
    return Result(200, body, headers, cacheable=False)
