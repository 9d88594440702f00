"""The REST API under ``/api/v3``: what GitHub checks before an endpoint answers (a User-Agent, the
credentials, the API version, primary and secondary rate limits), then ETags, 304s and the headers."""

from __future__ import annotations

import base64
import binascii
import hashlib

from ._http import Request, Response
from ._ratelimit import SECONDARY_DOCS, SECONDARY_MESSAGE, retry_after
from ._rest import DOCS, RATE_DOCS, ApiError, Result, encode
from ._routes import route
from ._world import Caller, RecordMeta, World

API_VERSIONS = ("2022-11-28", "2026-03-10")
DEFAULT_API_VERSION = "2022-11-28"
EXPOSE = (
    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, "
    "X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, "
    "X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset"
)
CACHE_PRIVATE = "private, max-age=60, s-maxage=60"
# Content-creating requests: GitHub's secondary limits count them.
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
NO_USER_AGENT = (
    b"Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
    b"(https://docs.github.com/rest/overview/resources-in-the-rest-api#user-agent-required). "
    b"Check https://developer.github.com for other possible causes.\n"
)
JSON_TYPE = "application/json; charset=utf-8"


def error_response(status: int, body: dict[str, object], headers: list[tuple[str, str]]) -> Response:
    return Response(status, [*headers, ("Content-Type", JSON_TYPE)], encode(body))


# -- who is asking -----------------------------------------------------------------------------------


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
    return Caller(token=info, bucket_key=bucket_key_for(value, request.client)[0])


def bucket_key_for(token: str | None, client: str = "127.0.0.1") -> tuple[str, bool]:
    """The primary rate-limit bucket of a token (or of unauthenticated requests from ``client``)."""
    if token is None:
        return f"anon:{client}", False
    return f"token:{hashlib.sha256(token.encode()).hexdigest()[:16]}", True


def common_headers(world: World, caller: Caller | None, version: str) -> list[tuple[str, str]]:
    return [
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


def scope_headers(caller: Caller | None, accepted: str = "") -> list[tuple[str, str]]:
    """A classic token's scopes, and the scopes the endpoint accepts (fine-grained tokens have none)."""
    if caller is None or caller.token is None or caller.token.fine_grained:
        return []
    return [("X-OAuth-Scopes", ", ".join(caller.token.scopes)), ("X-Accepted-OAuth-Scopes", accepted)]


def rate_headers(world: World, request: Request) -> list[tuple[str, str]]:
    """The caller's current rate-limit headers, without using up a request."""
    caller = authenticate(world, request) or Caller(None, f"anon:{request.client}")
    resource = "search" if "/search/" in request.path else "core"
    bucket = world.limits.bucket(caller.bucket_key, resource, authenticated=caller.token is not None)
    return bucket.headers(resource)


# -- the dispatcher ------------------------------------------------------------------------------


def handle(world: World, request: Request, segments: list[str]) -> Response:
    """Answer one REST request; ``segments`` are the decoded path segments after ``/api/v3``.

    Called with the world's lock held.
    """
    if not (request.header("User-Agent") or "").strip():
        # GitHub's edge refuses these before anything else: no JSON, no rate-limit headers.
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Connection", "close")]
        return Response(403, headers, NO_USER_AGENT)
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
        headers = [*common_headers(world, caller, DEFAULT_API_VERSION), *scope_headers(caller)]
        return _meta(error_response(400, error.body(), headers), RecordMeta(login=login))

    resource = "search" if segments[:1] == ["search"] else "core"
    free = segments == ["rate_limit"]
    bucket = world.limits.bucket(caller.bucket_key, resource, authenticated=caller.token is not None)
    headers = common_headers(world, caller, version)
    if not free and bucket.remaining <= 0:
        world.counters["rate_limited"] += 1
        body = ApiError(403, _primary_message(world, caller, request), RATE_DOCS).body()
        answer = error_response(403, body, [*headers, *scope_headers(caller), *bucket.headers(resource)])
        return _meta(answer, RecordMeta(resource=resource, login=login))
    if request.method in WRITE_METHODS and login is not None:
        key = f"user:{login.casefold()}"
        wait = world.content.wait(key)
        if wait is not None:
            world.counters["secondary_limited"] += 1
            request_id = next(v for k, v in headers if k == "X-GitHub-Request-Id")
            body = ApiError(403, SECONDARY_MESSAGE.format(request_id=request_id), SECONDARY_DOCS).body()
            extra = [*scope_headers(caller), ("Retry-After", retry_after(wait)), *bucket.headers(resource)]
            return _meta(
                error_response(403, body, [*headers, *extra]), RecordMeta(resource=resource, login=login)
            )
        world.content.count(key)

    try:
        result = route(world, caller, request, segments)
    except ApiError as error:
        result = Result(error.status, error.body(), cacheable=False)
    return _answer(world, request, caller, result, headers, resource, free)


def _answer(
    world: World,
    request: Request,
    caller: Caller,
    result: Result,
    headers: list[tuple[str, str]],
    resource: str,
    free: bool,
) -> Response:
    bucket = world.limits.bucket(caller.bucket_key, resource, authenticated=caller.token is not None)
    meta = RecordMeta(resource=resource, login=caller.login)
    raw = result.raw if result.raw is not None else (b"" if result.body is None else encode(result.body))
    if any(name == "X-GitHub-Media-Type" for name, _ in result.headers):
        headers = [(k, v) for k, v in headers if k != "X-GitHub-Media-Type"]
    headers = [*headers, *scope_headers(caller, result.accepted_scopes if result.status < 400 else "")]
    read = request.method in ("GET", "HEAD")
    etag = None
    if read and result.status == 200 and result.cacheable:
        etag = 'W/"' + hashlib.sha256(raw).hexdigest() + '"'
        if _etag_matches(request.header("If-None-Match"), etag):
            counted = caller.token is None  # a 304 with valid credentials is free
            if counted:
                bucket.used += 1
            # The same caching headers (and Link) as the 200 it stands for.
            cached = [*result.headers, ("Cache-Control", CACHE_PRIVATE), ("ETag", etag)]
            out = Response(304, [*headers, *cached, *bucket.headers(resource)])
            return _meta(out, RecordMeta(counted, meta.resource, meta.login))
    elif not read and 200 <= result.status < 300 and result.body is not None:
        etag = 'W/"' + hashlib.sha256(raw).hexdigest() + '"'  # write answers carry one too
    counted = not free
    if counted:
        bucket.used += 1
    if result.mutation and 200 <= result.status < 300:
        world.counters["mutations"] += 1
    headers.extend(result.headers)
    if etag is not None:
        headers.append(("ETag", etag))
        headers.append(("Cache-Control", CACHE_PRIVATE))
    elif resource == "search":
        headers.append(("Cache-Control", "no-cache"))
    headers.extend(bucket.headers(resource))
    if result.body is not None or result.raw is not None:
        headers.append(("Content-Type", result.content_type))
    response = Response(result.status, headers, raw)
    return _meta(response, RecordMeta(counted, meta.resource, meta.login))


def _primary_message(world: World, caller: Caller, request: Request) -> str:
    user = world.data.user(caller.login) if caller.login else None
    who = f"user ID {user.id}" if user else request.client
    message = f"API rate limit exceeded for {who}."
    if caller.token is None:
        return message + (
            " (But here's the good news: Authenticated requests get a higher rate limit. "
            "Check out the documentation for more details.)"
        )
    return message + " If you reach out to GitHub Support for help, please include the request ID."


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
