"""The async GitHub REST client: the only code that speaks GitHub's HTTP.

One ``httpx.AsyncClient`` is passed in and shared; the token is attached per request by
:class:`TokenAuth`, only for the configured API origin. Pages of one series are fetched in order; at most
``Policy.max_series`` series run at once, as GitHub asks of polite clients.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from .. import __version__
from ..board import Issue, Label
from . import parse
from .errors import (
    AuthError,
    BadResponse,
    GitHubError,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    SearchLimitReached,
    Unavailable,
    ValidationFailed,
)
from .urls import normalize_api_url, origin, segment

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
# A retry-after beyond an hour is not a real instruction; waiting longer would look like a hang.
MAX_RETRY_AFTER = 3600.0
TokenSource = Callable[[], str | None]


class TokenAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` to requests for the API origin, and to nothing else.

    Not to ``html_url`` pages, avatars, or a redirect to another host: the origin is checked on every
    request the flow sees.
    """

    def __init__(self, api_url: str, token: TokenSource) -> None:
        self._origin = origin(api_url)
        self._token = token

    def has_token(self) -> bool:
        return bool(self._token())

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._token()
        if token and origin(str(request.url)) == self._origin:
            request.headers["Authorization"] = f"Bearer {token}"
        else:
            request.headers.pop("Authorization", None)
        yield request


@dataclass(frozen=True, slots=True)
class RateLimit:
    resource: str
    limit: int
    remaining: int
    used: int
    reset_at: datetime

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit | None:
        try:
            return cls(
                resource=headers.get("x-ratelimit-resource", "core"),
                limit=int(headers["x-ratelimit-limit"]),
                remaining=int(headers["x-ratelimit-remaining"]),
                used=int(headers.get("x-ratelimit-used", "0")),
                reset_at=datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), UTC),
            )
        except (KeyError, ValueError, OverflowError, OSError):
            return None


@dataclass(frozen=True, slots=True)
class CachedPage:
    etag: str
    body: bytes
    link: str | None = None


class PageCache(Protocol):
    """Stored pages for conditional requests (If-None-Match). Keys are full request URLs.

    ``notice`` says what happened to a damaged store (set aside, started afresh), for the user.
    """

    notice: str | None

    def get(self, url: str) -> CachedPage | None: ...
    def put(self, url: str, page: CachedPage) -> None: ...
    def clear(self) -> None: ...


class MemoryPageCache:
    def __init__(self) -> None:
        self._pages: dict[str, CachedPage] = {}
        self.notice: str | None = None

    def get(self, url: str) -> CachedPage | None:
        return self._pages.get(url)

    def put(self, url: str, page: CachedPage) -> None:
        self._pages[url] = page

    def clear(self) -> None:
        self._pages.clear()


@dataclass(frozen=True, slots=True)
class Policy:
    """How the client behaves under failure. Production values follow GitHub's guidance.

    ``time_scale`` multiplies the client's own waits (backoff, mutation spacing, the 60 s default for a
    secondary limit without ``retry-after``); tests shrink it, the app keeps 1.0.
    Waits GitHub announces (``retry-after``, ``x-ratelimit-reset``) are obeyed as sent.
    """

    retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 32.0
    mutation_spacing: float = 1.0
    secondary_default_wait: float = 60.0
    timeout: float = 30.0
    max_body_bytes: int = 32 * 1024 * 1024
    max_series: int = 3
    time_scale: float = 1.0


@dataclass
class ClientStats:
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    failures: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchPage:
    issues: list[Issue]
    total_count: int
    incomplete: bool


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    data: Any
    link: str | None
    scopes: str | None


class GitHubClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        token: TokenSource,
        *,
        cache: PageCache | None = None,
        policy: Policy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_rate_limit: Callable[[RateLimit], None] | None = None,
    ) -> None:
        self.api_url = normalize_api_url(api_url)
        self.policy = policy or Policy()
        self.stats = ClientStats()
        self.rate_limits: dict[str, RateLimit] = {}
        self._http = http
        self._auth = TokenAuth(self.api_url, token)
        self._cache = cache
        self._sleep = sleep
        self._on_rate_limit = on_rate_limit
        self._series = asyncio.Semaphore(self.policy.max_series)
        self._last_mutation = 0.0
        self._mutation_lock = asyncio.Lock()

    # --- reading -----------------------------------------------------------------------------

    async def iter_repo_issues(
        self, repo: str, labels: Sequence[str] = (), *, state: str = "open", since: datetime | None = None
    ) -> AsyncIterator[list[Issue]]:
        """Pages of a repository's issues (and pull requests) carrying all ``labels``, to the last page."""
        params: dict[str, str] = {"state": state, "per_page": "100", "sort": "created", "direction": "desc"}
        if labels:
            params["labels"] = ",".join(labels)
        if since is not None:  # an incremental sync: what changed since, newest changes first
            params["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            params["sort"] = "updated"
        async with self._series:
            async for answer in self._pages(f"{self.api_url}/repos/{repo}/issues", params):
                yield parse.parse_issue_list(answer.data, repo)

    async def iter_search(self, query: str) -> AsyncIterator[SearchPage]:
        """Pages of an issue search, up to GitHub's cap of 1,000 results.

        Past the cap GitHub answers 422; that ends the series quietly. The caller compares the items it got
        with ``total_count`` to tell the user the result was cut.
        """
        params = {"q": query, "per_page": "100"}
        async with self._series:
            try:
                async for answer in self._pages(f"{self.api_url}/search/issues", params, cacheable=False):
                    total, incomplete, issues = parse.parse_search(answer.data)
                    yield SearchPage(issues, total, incomplete)
            except SearchLimitReached:
                return

    async def get_issue(self, repo: str, number: int) -> Issue:
        answer = await self._request("GET", f"/repos/{repo}/issues/{number}", cacheable=False)
        return parse.parse_issue(answer.data, repo)

    async def get_issue_labels(self, repo: str, number: int) -> tuple[Label, ...]:
        labels: list[Label] = []
        async for answer in self._pages(
            f"{self.api_url}/repos/{repo}/issues/{number}/labels", {"per_page": "100"}, cacheable=False
        ):
            labels.extend(parse.parse_labels(answer.data))
        return tuple(labels)

    async def get_repository(self, repo: str) -> parse.Repository:
        answer = await self._request("GET", f"/repos/{repo}", cacheable=False)
        return parse.parse_repository(answer.data)

    async def get_label(self, repo: str, name: str) -> Label | None:
        """The repository's label called ``name`` (case-insensitive), or None when it does not exist."""
        try:
            answer = await self._request("GET", f"/repos/{repo}/labels/{segment(name)}", cacheable=False)
        except NotFound:
            return None
        return parse.parse_label(answer.data)

    async def label_exists(self, repo: str, name: str) -> bool:
        return await self.get_label(repo, name) is not None

    async def current_user(self) -> parse.User:
        answer = await self._request("GET", "/user", cacheable=False)
        return parse.parse_user(answer.data, answer.scopes)

    async def refresh_rate_limit(self) -> dict[str, RateLimit]:
        """``GET /rate_limit`` (free of charge)."""
        await self._request("GET", "/rate_limit", cacheable=False)
        return dict(self.rate_limits)

    # --- writing (never PUT: that replaces the whole label set) -------------------------------------

    async def add_labels(self, repo: str, number: int, names: Iterable[str]) -> tuple[Label, ...]:
        """Add labels; GitHub answers with the issue's full resulting label list."""
        body = {"labels": list(names)}
        answer = await self._request(
            "POST", f"/repos/{repo}/issues/{number}/labels", json_body=body, mutating=True
        )
        return parse.parse_labels(answer.data)

    async def remove_label(self, repo: str, number: int, name: str) -> tuple[Label, ...] | None:
        """Remove one label. Returns the remaining labels, or None when the issue did not carry it."""
        try:
            answer = await self._request(
                "DELETE", f"/repos/{repo}/issues/{number}/labels/{segment(name)}", mutating=True
            )
        except NotFound as exc:
            if "label does not exist" in exc.message.lower():
                return None
            raise
        return parse.parse_labels(answer.data)

    # --- plumbing ----------------------------------------------------------------------------

    async def _pages(
        self, url: str, params: dict[str, str] | None, *, cacheable: bool = True
    ) -> AsyncIterator[_Answer]:
        next_url: str | None = url
        next_params = params
        visited: set[str] = set()
        while next_url is not None:
            visited.add(next_url)
            answer = await self._request("GET", next_url, params=next_params, cacheable=cacheable)
            yield answer
            next_url = _next_link(answer.link)
            next_params = None  # a Link URL is followed verbatim
            if next_url is not None and next_url in visited:
                raise BadResponse(
                    "GitHub's page links go round in a circle; the listing was stopped. Try again later.",
                    url=_path(url),
                )

    async def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: object = None,
        cacheable: bool = True,
        mutating: bool = False,
    ) -> _Answer:
        url = path_or_url if "://" in path_or_url else f"{self.api_url}{path_or_url}"
        request_url = str(httpx.URL(url, params=params)) if params else url
        attempt = 0
        while True:
            try:
                if mutating:
                    await self._space_mutations()
                return await self._once(method, request_url, json_body, cacheable and method == "GET")
            except Unavailable as exc:
                kind = type(exc).__name__
                self.stats.failures[kind] = self.stats.failures.get(kind, 0) + 1
                if attempt >= self.policy.retries:
                    raise
                delay = min(self.policy.backoff_max, self.policy.backoff_base * 2**attempt)
                delay *= random.uniform(0.5, 1.0) * self.policy.time_scale  # jitter spreads retries out
                attempt += 1
                self.stats.retries += 1
                log.info("%s %s failed (%s); retry %d in %.2fs", method, _path(url), kind, attempt, delay)
                await self._sleep(delay)

    async def _space_mutations(self) -> None:
        """At least ``mutation_spacing`` seconds between content-changing requests (GitHub's guidance)."""
        async with self._mutation_lock:
            gap = self.policy.mutation_spacing * self.policy.time_scale
            wait = self._last_mutation + gap - time.monotonic()
            if wait > 0:
                await self._sleep(wait)
            self._last_mutation = time.monotonic()

    async def _once(self, method: str, url: str, json_body: object, use_cache: bool) -> _Answer:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"triageboard/{__version__}",
        }
        cached = self._cache.get(url) if use_cache and self._cache is not None else None
        if cached is not None:
            headers["If-None-Match"] = cached.etag
        self.stats.requests += 1
        try:
            async with self._http.stream(
                method,
                url,
                headers=headers,
                json=json_body,
                auth=self._auth,
                timeout=self.policy.timeout,
                # A redirected write would be replayed as a GET by httpx (301/302): never follow one.
                follow_redirects=method == "GET",
            ) as response:
                self._note_rate_limit(response.headers)
                body = await self._read_capped(response, url)
        except httpx.TimeoutException:
            raise Offline(
                "GitHub did not answer in time. Check your connection; the request will be retried.",
                url=_path(url),
            ) from None
        except httpx.TransportError as exc:
            raise Offline(
                f"Cannot reach {httpx.URL(url).host} ({type(exc).__name__}). "
                "Check your network connection; nothing was lost.",
                url=_path(url),
            ) from None
        except httpx.TooManyRedirects:
            raise BadResponse(
                "GitHub kept redirecting the request; it was stopped. Check the API URL.", url=_path(url)
            ) from None
        except httpx.HTTPError as exc:  # DecodingError and other protocol-level oddities
            raise BadResponse(
                f"GitHub's answer could not be read ({type(exc).__name__}); it was ignored. Try again later.",
                url=_path(url),
            ) from None
        status = response.status_code
        log.debug("%s %s -> %d", method, _path(url), status)
        if status == 304 and cached is not None:
            self.stats.not_modified += 1
            return _Answer(
                200, _decode(cached.body, url), cached.link, response.headers.get("x-oauth-scopes")
            )
        if 300 <= status < 400 and method != "GET":
            raise NotFound(
                "GitHub says this issue has moved (a renamed repository or a transferred issue); nothing "
                "was changed. Refresh the board and move it again.",
                status=status,
                url=_path(url),
            )
        if 200 <= status < 300:
            data = _decode(body, url, response.headers.get("content-type", "")) if body else None
            etag = response.headers.get("etag")
            if use_cache and self._cache is not None and etag:
                self._cache.put(url, CachedPage(etag, body, response.headers.get("link")))
            return _Answer(status, data, response.headers.get("link"), response.headers.get("x-oauth-scopes"))
        raise self._error(status, response.headers, body, url)

    async def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        limit = self.policy.max_body_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise BadResponse(
                f"GitHub sent a {int(declared) // 1_000_000} MB answer, far larger than any real one; "
                "it was ignored. Try again later.",
                url=_path(url),
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise BadResponse(
                    "GitHub sent an answer far larger than any real one; it was ignored. Try again later.",
                    url=_path(url),
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        state = RateLimit.from_headers(headers)
        if state is None:
            return
        self.rate_limits[state.resource] = state
        if self._on_rate_limit is not None:
            self._on_rate_limit(state)

    def _error(self, status: int, headers: httpx.Headers, body: bytes, url: str) -> GitHubError:
        message = _message(body)
        where = _path(url)
        if status == 401:
            if not self._auth.has_token():
                return AuthError(
                    "GitHub needs a sign-in (no token is set): choose Account ▸ Sign in…, or set GH_TOKEN.",
                    status=status,
                    url=where,
                )
            return AuthError(
                "GitHub rejected the token (401 Bad credentials). Sign in again, or set a valid GH_TOKEN.",
                status=status,
                url=where,
            )
        if status in (403, 429):
            limited = self._rate_limit_error(status, headers, message, where)
            if limited is not None:
                return limited
        if status == 403:
            return PermissionDenied(
                f"GitHub refused: {message or 'forbidden'}. Your account needs the triage role (or a token "
                "with the 'repo'/'public_repo' scope, or Issues: write) on this repository.",
                status=status,
                url=where,
            )
        if status == 410:
            return NotFound(
                f"GitHub says this is gone ({message or 'Gone'}): {where}. It was deleted; refresh.",
                status=status,
                url=where,
            )
        if status == 404:
            return NotFound(
                f"Not found on GitHub ({message or 'Not Found'}): {where}. Check the name, or that your "
                "token can see this repository.",
                status=status,
                url=where,
            )
        if status == 422:
            if "1000" in message or "1,000" in message:
                return SearchLimitReached(
                    "GitHub search returns only the first 1,000 results.", status=status, url=where
                )
            return ValidationFailed(f"GitHub refused the request: {message}", status=status, url=where)
        if status >= 500:
            return Unavailable(
                f"GitHub is having trouble ({status}). Nothing was lost; it will be retried.",
                status=status,
                url=where,
            )
        return BadResponse(f"GitHub answered {status} unexpectedly: {message}", status=status, url=where)

    def _rate_limit_error(
        self, status: int, headers: httpx.Headers, message: str, where: str
    ) -> RateLimited | None:
        now = datetime.now(UTC)
        retry_after = headers.get("retry-after")
        if headers.get("x-ratelimit-remaining") == "0" and not retry_after:
            state = RateLimit.from_headers(headers)
            reset = state.reset_at if state else now + timedelta(minutes=1)
            return RateLimited(
                f"GitHub's rate limit is used up until {reset.astimezone():%H:%M}.",
                resume_at=max(now, reset),
                secondary=False,
                status=status,
                url=where,
            )
        if retry_after or status == 429 or "secondary rate limit" in message.lower():
            # GitHub's own figure is obeyed as sent; only our default (no header) follows time_scale.
            announced = _seconds(retry_after)
            wait = announced if announced is not None else self.policy.secondary_default_wait
            wait = min(wait if announced is not None else wait * self.policy.time_scale, MAX_RETRY_AFTER)
            return RateLimited(
                f"GitHub asked to slow down (secondary rate limit) for {max(1, round(wait))} s.",
                resume_at=now + timedelta(seconds=wait),
                secondary=True,
                retry_after=announced,
                status=status,
                url=where,
            )
        return None


def _seconds(header: str | None) -> float | None:
    """A ``retry-after`` value in seconds, or None when absent or not a sane number."""
    if not header:
        return None
    try:
        value = float(header)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _decode(body: bytes, url: str, content_type: str = "application/json") -> Any:
    if "html" in content_type.lower():
        raise BadResponse(
            "GitHub answered with a web page instead of data (a proxy or outage?). Try again later.",
            url=_path(url),
        )
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadResponse(
            "GitHub sent malformed data; it was ignored. Try again; if it persists, report it.",
            url=_path(url),
        ) from None


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return ""
    message = str(data["message"])
    # A 422's useful part is in errors[]: which field, and why (e.g. "label color: invalid").
    details = []
    for item in data.get("errors") or []:
        if isinstance(item, dict):
            parts = [str(item[k]) for k in ("resource", "field", "code", "message") if item.get(k)]
            if parts:
                details.append(" ".join(parts))
        elif isinstance(item, str):
            details.append(item)
    if details:
        message = f"{message} ({'; '.join(details[:3])})"
    return message[:300]


_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")


def _next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Link header (RFC 8288: rel lists, any case), verbatim."""
    if not header:
        return None
    for match in _LINK.finditer(header):
        for param in match.group(2).split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "rel" and "next" in value.strip().strip('"').lower().split():
                return match.group(1)
    return None


def _path(url: str) -> str:
    """A URL as it may appear in messages and logs: without its query (which may hold search text)."""
    parsed = httpx.URL(url)
    return f"{parsed.host}{parsed.path}"
