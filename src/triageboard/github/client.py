"""The async GitHub REST client: the only code that speaks GitHub's HTTP.

One ``httpx.AsyncClient`` is passed in and shared; the token is attached per request by :class:`TokenAuth`,
only for the configured API origin. Pages of one series are fetched in order; at most ``Policy.max_series``
series run at once, as GitHub asks of polite clients. Every request has an overall deadline on the session's
clock and every series a page cap, so no answer, however slow or endless, holds anything forever.

Errors are raised as facts (:mod:`triageboard.errors`); what they mean for the user is said elsewhere.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

import httpx

from .. import __version__
from ..board import Issue, Label, TimelineEvent
from ..clock import Clock, SystemClock
from ..errors import (
    AuthError,
    BadRequest,
    BadResponse,
    BadResponseReason,
    BrokenAnswer,
    GitHubError,
    Gone,
    LegallyBlocked,
    MalformedToken,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    Redirected,
    SearchLimitReached,
    TimedOut,
    TokenProblem,
    Unavailable,
    ValidationFailed,
)
from . import parse
from .policy import Policy
from .urls import normalize_api_url, origin, segment

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
SEARCH_PAGES = 10  # 1,000 results at 100 a page: GitHub answers 422 past that
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
T = TypeVar("T")
TokenSource = Callable[[], str | None]

# Header values we send back (ETags) must be visible ASCII: anything else raises in the HTTP layer.
_SENDABLE = re.compile(r"[\x20-\x7e]{1,1024}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def sendable_header(value: str) -> bool:
    """Whether ``value`` can go back to a server in a header (visible ASCII, no line breaks)."""
    return _SENDABLE.fullmatch(value) is not None


MAX_TOKEN_LENGTH = 1024  # GitHub's tokens are well under 300 characters


def token_problem(token: str) -> MalformedToken | None:
    """Why ``token`` cannot be put in an Authorization header (``source`` left for the caller), or None.

    A token is visible ASCII without spaces, and not absurdly long."""
    if not (token and token.isascii() and token.isprintable() and " " not in token):
        return MalformedToken("", TokenProblem.CHARACTERS)
    if len(token) > MAX_TOKEN_LENGTH:
        return MalformedToken("", TokenProblem.TOO_LONG, length=len(token))
    return None


def sendable_token(token: str) -> bool:
    return token_problem(token) is None


def check_token_sendable(token: str, source: str) -> None:
    """Raise :class:`MalformedToken` naming ``source`` (never the token) when ``token`` cannot be sent."""
    problem = token_problem(token)
    if problem is not None:
        raise MalformedToken(source, problem.problem, length=problem.length)


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
            check_token_sendable(token, "the token in use")  # never sent: it would break the request
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

    Async so that a SQLite implementation runs off the UI thread. ``notice`` is a fact about a damaged
    store that was set aside (:class:`triageboard.reporting.StoreRecovered`), for the user.
    """

    @property
    def notice(self) -> object | None: ...

    async def get(self, url: str) -> CachedPage | None: ...
    async def put(self, url: str, page: CachedPage) -> None: ...
    async def drop(self, url: str) -> None: ...
    async def clear(self) -> None: ...


class MemoryPageCache:
    def __init__(self) -> None:
        self._pages: dict[str, CachedPage] = {}
        self.notice: object | None = None

    async def get(self, url: str) -> CachedPage | None:
        return self._pages.get(url)

    async def put(self, url: str, page: CachedPage) -> None:
        self._pages[url] = page

    async def drop(self, url: str) -> None:
        self._pages.pop(url, None)

    async def clear(self) -> None:
        self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


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
class ListingPage:
    """One page of a listing: its JSON ``data``, where it came from, the next page's URL, the number of the
    last page when the ``Link`` header says (``rel="last"``), and the server's time (``Date``)."""

    data: Any
    url: str
    next_url: str | None
    last_page: int | None
    server_time: datetime | None


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    data: Any
    link: str | None
    scopes: str | None
    url: str
    date: str | None = None


class GitHubClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        token: TokenSource,
        *,
        cache: PageCache | None = None,
        policy: Policy | None = None,
        clock: Clock | None = None,
        on_rate_limit: Callable[[RateLimit], None] | None = None,
    ) -> None:
        self.api_url = normalize_api_url(api_url)
        self.policy = policy or Policy()
        self.clock: Clock = clock or SystemClock()
        self.stats = ClientStats()
        self.rate_limits: dict[str, RateLimit] = {}
        self._http = http
        self._token = token
        self._auth = TokenAuth(self.api_url, token)
        self._origin = origin(self.api_url)
        self._cache = cache
        self._on_rate_limit = on_rate_limit
        self._series = asyncio.Semaphore(self.policy.max_series)
        self._last_mutation = -math.inf
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
                async for answer in self._pages(
                    f"{self.api_url}/search/issues", params, cacheable=False, max_pages=SEARCH_PAGES
                ):
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

    async def get_page(
        self, url: str, params: dict[str, str] | None = None, *, cacheable: bool = True
    ) -> ListingPage:
        """One page of a listing (``url`` on the API origin), with ETags unless ``cacheable`` is False. The
        caller walks the pages: ``next_url``, or :meth:`page_url` to fetch several at once."""
        if origin(url) != self._origin:
            raise BadResponse(BadResponseReason.LINK_OFFSITE, what=_path(url), path=_path(self.api_url))
        answer = await self._request("GET", url, params=params, cacheable=cacheable)
        next_url = self._next_url(answer)
        if next_url is not None and next_url == answer.url:
            raise BadResponse(BadResponseReason.LINK_CYCLE, path=_path(url))
        return ListingPage(
            answer.data, answer.url, next_url, _last_page(answer.link), _http_date(answer.date)
        )

    def page_url(self, page: ListingPage, number: int) -> str | None:
        """The URL of page ``number`` of ``page``'s listing, made from its next link (GitHub numbers pages
        with ``page=``); None when the links are not numbered that way (a cursor): walk the pages then."""
        if page.next_url is None or number < 1:
            return None
        url = httpx.URL(page.next_url)
        if "page" not in url.params:
            return None
        return str(url.copy_set_param("page", str(number)))

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
            if not isinstance(exc, Gone) and "label does not exist" in exc.detail.lower():
                return None
            raise
        return parse.parse_labels(answer.data)

    async def add_assignees(self, repo: str, number: int, logins: Iterable[str]) -> tuple[str, ...]:
        """Add assignees (never replaces the set); returns who is assigned now. GitHub drops logins it
        cannot assign without a word: the caller compares."""
        answer = await self._request(
            "POST",
            f"/repos/{repo}/issues/{number}/assignees",
            json_body={"assignees": list(logins)},
            mutating=True,
        )
        return parse.parse_issue(answer.data, repo).assignees

    async def remove_assignees(self, repo: str, number: int, logins: Iterable[str]) -> tuple[str, ...]:
        """Remove assignees; returns who is assigned now."""
        answer = await self._request(
            "DELETE",
            f"/repos/{repo}/issues/{number}/assignees",
            json_body={"assignees": list(logins)},
            mutating=True,
        )
        return parse.parse_issue(answer.data, repo).assignees

    async def assignable_users(self, repo: str) -> list[str]:
        """Everyone who can be assigned in ``repo`` (``GET /repos/{o}/{r}/assignees``, every page)."""
        logins: list[str] = []
        async for answer in self._pages(f"{self.api_url}/repos/{repo}/assignees", {"per_page": "100"}):
            logins.extend(parse.parse_logins(answer.data))
        return logins

    # --- history, comments, files (the timeline service and the @rustbot fallback) ------------------

    async def iter_timeline(self, repo: str, number: int) -> AsyncIterator[list[TimelineEvent]]:
        """Pages of an issue's timeline, oldest first, as the label and assignee events the board reads.

        Conditional: each page goes with the ETag the page cache holds for it, and a 304 (free of the rate
        limit) replays the stored page.
        """
        url = f"{self.api_url}/repos/{repo}/issues/{number}/timeline"
        async with self._series:
            async for answer in self._pages(url, {"per_page": "100"}):
                yield parse.parse_timeline(answer.data)

    async def timeline(self, repo: str, number: int) -> tuple[TimelineEvent, ...]:
        """The whole timeline (every page) of an issue."""
        events: list[TimelineEvent] = []
        async for page in self.iter_timeline(repo, number):
            events.extend(page)
        return tuple(events)

    async def comments(self, repo: str, number: int, *, since: datetime | None = None) -> list[parse.Comment]:
        """An issue's comments, oldest first (``since``: only those updated at or after it), every page;
        conditional like every listing."""
        params = {"per_page": "100"}
        if since is not None:
            params["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        found: list[parse.Comment] = []
        async for answer in self._pages(f"{self.api_url}/repos/{repo}/issues/{number}/comments", params):
            found.extend(parse.parse_comments(answer.data))
        return found

    async def post_comment(self, repo: str, number: int, body: str) -> parse.Comment:
        """Comment on an issue (anyone who can read a public repository may, unless it is locked).

        Never retried here: a comment sent twice is two comments. After a failure the caller looks at the
        issue's comments to learn whether it arrived.
        """
        answer = await self._request(
            "POST",
            f"/repos/{repo}/issues/{number}/comments",
            json_body={"body": body},
            mutating=True,
            idempotent=False,
        )
        return parse.parse_comment(answer.data)

    async def get_file(self, repo: str, path: str) -> bytes | None:
        """A file of the repository's default branch (``GET /repos/{o}/{r}/contents/{path}``), or None when
        there is none. Read as JSON (base64): the same conditional, size-capped path as every answer."""
        quoted = "/".join(segment(part) for part in path.strip("/").split("/"))
        try:
            answer = await self._request("GET", f"/repos/{repo}/contents/{quoted}")
        except NotFound as exc:
            if isinstance(exc, Gone):
                raise
            return None
        return parse.parse_file(answer.data, path)

    # --- plumbing ----------------------------------------------------------------------------

    async def _pages(
        self,
        url: str,
        params: dict[str, str] | None,
        *,
        cacheable: bool = True,
        max_pages: int | None = None,
    ) -> AsyncIterator[_Answer]:
        """Every page of a listing, following ``rel="next"`` (resolved against the page's own URL) while it
        stays on the API origin, never round in a circle, and never past the page cap."""
        cap = min(max_pages or self.policy.max_pages, self.policy.max_pages)
        next_url: str | None = url
        next_params = params
        visited: set[str] = set()
        pages = 0
        while next_url is not None:
            if pages >= cap:
                raise BadResponse(BadResponseReason.TOO_MANY_PAGES, what=f"{cap:,}", path=_path(url))
            answer = await self._request("GET", next_url, params=next_params, cacheable=cacheable)
            visited.add(answer.url)
            pages += 1
            yield answer
            next_url = self._next_url(answer)
            next_params = None  # a Link URL is followed verbatim
            if next_url is not None and next_url in visited:
                raise BadResponse(BadResponseReason.LINK_CYCLE, path=_path(url))

    def _next_url(self, answer: _Answer) -> str | None:
        link = _next_link(answer.link)
        if link is None:
            return None
        try:
            resolved = str(httpx.URL(answer.url).join(link))
        except (httpx.InvalidURL, ValueError):
            raise BadResponse(
                BadResponseReason.MALFORMED, what="a page link", path=_path(answer.url)
            ) from None
        if origin(resolved) != self._origin:
            # Never carry the token (or our trust) to another host because a page said so.
            raise BadResponse(
                BadResponseReason.LINK_OFFSITE, what=_address_text(resolved), path=_path(answer.url)
            )
        return resolved

    async def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: object = None,
        cacheable: bool = True,
        mutating: bool = False,
        idempotent: bool = True,
    ) -> _Answer:
        """One request, with quick retries of temporary failures; all of it, retries and their pauses
        included, within ``Policy.request_deadline`` of the clock."""
        url = path_or_url if "://" in path_or_url else f"{self.api_url}{path_or_url}"
        request_url = str(httpx.URL(url, params=params)) if params else url
        deadline = self.clock.monotonic() + self.policy.request_deadline
        attempt = 0
        while True:
            try:
                if mutating:
                    await self._space_mutations()
                left = deadline - self.clock.monotonic()
                try:
                    return await self._once(
                        method, request_url, json_body, cacheable and method == "GET", left
                    )
                finally:
                    if mutating:
                        # The gap counts from the answer: a slow answer must not shorten the gap GitHub sees.
                        self._last_mutation = max(self._last_mutation, self.clock.monotonic())
            except Unavailable as exc:
                kind = type(exc).__name__
                self.stats.failures[kind] = self.stats.failures.get(kind, 0) + 1
                delay = self.policy.backoff(attempt)
                if (
                    not idempotent
                    or attempt >= self.policy.retries
                    or self.clock.monotonic() + delay >= deadline
                ):
                    raise
                attempt += 1
                self.stats.retries += 1
                log.info("%s %s failed (%s); retry %d in %.2fs", method, _path(url), kind, attempt, delay)
                await self.clock.sleep(delay)

    async def _space_mutations(self) -> None:
        """At least ``mutation_spacing`` seconds between content-changing requests (GitHub's guidance): from
        the answer to the last one to the next one."""
        async with self._mutation_lock:
            # A loop: a coarse timer may wake a little early.
            while (wait := self._last_mutation + self.policy.mutation_spacing - self.clock.monotonic()) > 0:
                await self.clock.sleep(wait)
            self._last_mutation = self.clock.monotonic()

    async def _once(self, method: str, url: str, json_body: object, use_cache: bool, left: float) -> _Answer:
        """One attempt, within ``left`` seconds of the clock (what remains of the request's deadline)."""
        cached = await self._cached(url) if use_cache else None
        self.stats.requests += 1
        host = httpx.URL(url).host
        try:
            async with self.clock.timeout(left):
                status, headers, body, final_url = await self._exchange(method, url, json_body, cached)
        except TimeoutError:
            raise TimedOut(host=host, seconds=self.policy.request_deadline, path=_path(url)) from None
        except httpx.TimeoutException:
            raise TimedOut(host=host, seconds=self.policy.read_timeout, path=_path(url)) from None
        except httpx.TooManyRedirects:
            raise BadResponse(BadResponseReason.REDIRECT_LOOP, path=_path(url)) from None
        except httpx.RemoteProtocolError as exc:
            # The server (or something in between) broke the connection off mid-answer, or spoke something
            # that is not HTTP: not "no network", and worth another try.
            raise BrokenAnswer(host=host, cause=type(exc).__name__, path=_path(url)) from None
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
                raise BadResponse(
                    BadResponseReason.UNDECODABLE, what=type(exc).__name__, path=_path(url)
                ) from None
            raise Offline(host=host, cause=type(exc).__name__, path=_path(url)) from None
        except httpx.HTTPError as exc:  # DecodingError and other protocol-level oddities
            raise BadResponse(
                BadResponseReason.UNDECODABLE, what=type(exc).__name__, path=_path(url)
            ) from None
        log.debug("%s %s -> %d", method, _path(url), status)
        scopes = headers.get("x-oauth-scopes")
        if status == 304:
            if cached is None:
                # Not Modified, to a request that named no stored copy: a cache or proxy in between.
                raise BadResponse(BadResponseReason.NOT_MODIFIED, status=status, path=_path(url))
            self.stats.not_modified += 1
            try:
                data = _decode(cached.body, url)
            except BadResponse:
                # A damaged stored page is dropped, never replayed: ask again without it.
                await self._drop_cached(url)
                return await self._once(method, url, json_body, False, left)
            return _Answer(200, data, cached.link, scopes, final_url, headers.get("date"))
        if 300 <= status < 400 and method != "GET":
            raise Redirected(status=status, path=_path(url))
        if 200 <= status < 300:
            data = _decode(body, url, headers.get("content-type", "")) if body else None
            etag = headers.get("etag")
            link = headers.get("link")
            if use_cache and self._cache is not None and etag:
                await self._store(url, etag, body, link)
            return _Answer(status, data, link, scopes, final_url, headers.get("date"))
        raise self._error(status, headers, body, url)

    async def _exchange(
        self, method: str, url: str, json_body: object, cached: CachedPage | None
    ) -> tuple[int, httpx.Headers, bytes, str]:
        """Send, follow a GET's redirects while they stay on the API origin, read the body; returns the
        status, headers, body and the URL that answered. Every wait for the server (the answer's head,
        each piece of its body) is bounded by ``Policy.read_timeout`` of the clock."""
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"triageboard/{__version__}",
        }
        if cached is not None:
            headers["If-None-Match"] = cached.etag
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            request = self._http.build_request(
                method, current, headers=headers, json=json_body, timeout=self.policy.read_timeout
            )
            # A redirected write would be replayed as a GET by httpx (301/302): never follow one; and a
            # GET's redirects are followed here, one by one, so that none leaves the API's origin.
            response = await self._timed(self._http.send(request, auth=self._auth, stream=True), current)
            try:
                self._note_rate_limit(response.headers)
                location = response.headers.get("location")
                if method == "GET" and response.status_code in _REDIRECTS and location:
                    current = self._redirect_target(current, location)
                    continue
                body = await self._read_capped(response, current)
                return response.status_code, response.headers, body, current
            finally:
                await response.aclose()
        raise BadResponse(BadResponseReason.REDIRECT_LOOP, path=_path(url))

    def _redirect_target(self, url: str, location: str) -> str:
        try:
            target = str(httpx.URL(url).join(location))
        except (httpx.InvalidURL, ValueError):
            raise BadResponse(BadResponseReason.MALFORMED, what="a redirect", path=_path(url)) from None
        if origin(target) != self._origin:
            # Never ask another host, nor take its answer for GitHub's, because a redirect said so.
            raise BadResponse(BadResponseReason.REDIRECT_OFFSITE, what=_address_text(target), path=_path(url))
        return target

    async def _timed(self, work: Awaitable[T], url: str) -> T:
        """``work`` (a wait for the server) within ``Policy.read_timeout`` of the clock."""
        try:
            async with self.clock.timeout(self.policy.read_timeout):
                return await work
        except TimeoutError:
            host = httpx.URL(url).host
            raise TimedOut(host=host, seconds=self.policy.read_timeout, path=_path(url)) from None

    async def _cached(self, url: str) -> CachedPage | None:
        if self._cache is None:
            return None
        page = await self._cache.get(url)
        if page is not None and not sendable_header(page.etag):
            await self._drop_cached(url)  # stored by an older version, or damaged: never sent back
            return None
        return page

    async def _store(self, url: str, etag: str, body: bytes, link: str | None) -> None:
        assert self._cache is not None
        if not sendable_header(etag) or (link is not None and not link.isascii()):
            return  # a value that cannot be sent back is not stored
        await self._cache.put(url, CachedPage(etag, body, link))

    async def _drop_cached(self, url: str) -> None:
        if self._cache is not None:
            await self._cache.drop(url)

    async def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        limit = self.policy.max_body_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise BadResponse(
                BadResponseReason.TOO_LARGE, what=f"{int(declared) // 1_000_000} MB", path=_path(url)
            )
        chunks: list[bytes] = []
        size = 0
        # Closed explicitly: an abandoned async generator is finalised later, maybe after the loop is gone.
        stream = response.aiter_bytes()
        try:
            while True:
                try:
                    chunk = await self._timed(anext(stream), url)
                except StopAsyncIteration:
                    break
                size += len(chunk)
                if size > limit:
                    raise BadResponse(
                        BadResponseReason.TOO_LARGE, what=f"over {limit // 1_000_000} MB", path=_path(url)
                    )
                chunks.append(chunk)
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
        return b"".join(chunks)

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        state = RateLimit.from_headers(headers)
        if state is None:
            return
        self.rate_limits[state.resource] = state
        if self._on_rate_limit is not None:
            self._on_rate_limit(state)

    def _error(self, status: int, headers: httpx.Headers, body: bytes, url: str) -> GitHubError:
        detail = _message(body)
        where = _path(url)
        if status == 400:
            return BadRequest(status=status, path=where, detail=detail)
        if status == 451:
            return LegallyBlocked(status=status, path=where, detail=detail)
        if status == 401:
            return AuthError(had_token=self._auth.has_token(), status=status, path=where, detail=detail)
        if status in (403, 429):
            limited = self._rate_limit_error(status, headers, detail, where)
            if limited is not None:
                return limited
        if status == 403:
            return PermissionDenied(status=status, path=where, detail=detail)
        if status == 410:
            return Gone(status=status, path=where, detail=detail)
        if status == 404:
            return NotFound(status=status, path=where, detail=detail)
        if status == 422:
            if "1000" in detail or "1,000" in detail:
                return SearchLimitReached(status=status, path=where, detail=detail)
            return ValidationFailed(status=status, path=where, detail=detail)
        if status >= 500:
            return Unavailable(status=status, path=where, detail=detail)
        return BadResponse(BadResponseReason.UNEXPECTED_STATUS, status=status, path=where, detail=detail)

    def _rate_limit_error(
        self, status: int, headers: httpx.Headers, detail: str, where: str
    ) -> RateLimited | None:
        now = self.clock.now()
        longest = timedelta(seconds=self.policy.max_announced_wait)
        retry_after = headers.get("retry-after")
        if headers.get("x-ratelimit-remaining") == "0" and not retry_after:
            state = RateLimit.from_headers(headers)
            reset = state.reset_at if state else now + timedelta(minutes=1)
            # A reset beyond GitHub's longest window (a century ahead, say) is not a real instruction.
            capped = reset > now + longest
            return RateLimited(
                resume_at=max(now, min(reset, now + longest)),
                secondary=False,
                capped=capped,
                status=status,
                path=where,
                detail=detail,
            )
        if retry_after or status == 429 or "secondary rate limit" in detail.lower():
            announced = _seconds(retry_after)
            wait = announced if announced is not None else self.policy.secondary_default_wait
            capped = wait > self.policy.max_announced_wait
            return RateLimited(
                resume_at=now + min(timedelta(seconds=wait), longest),
                secondary=True,
                retry_after=announced,
                capped=capped,
                status=status,
                path=where,
                detail=detail,
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
        raise BadResponse(BadResponseReason.HTML, path=_path(url))
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadResponse(
            BadResponseReason.MALFORMED, what="an answer that is not JSON", path=_path(url)
        ) from None


def clean_text(text: str, limit: int = 300) -> str:
    """Text from a server made safe to show anywhere: control characters and bidi overrides replaced."""
    return _CONTROL.sub("\ufffd", text.replace("\r\n", " ").replace("\n", " "))[:limit]


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return ""
    message = str(data["message"])
    # A 422's useful part is in errors[]: which field, and why (e.g. "label color: invalid").
    details = []
    errors = data.get("errors")
    for item in errors if isinstance(errors, list) else []:
        if isinstance(item, dict):
            parts = [str(item[k]) for k in ("resource", "field", "code", "message") if item.get(k)]
            if parts:
                details.append(" ".join(parts))
        elif isinstance(item, str):
            details.append(item)
    if details:
        message = f"{message} ({'; '.join(details[:3])})"
    return clean_text(message)


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


def _address_text(url: str) -> str:
    """Where a URL leads, as a user reads it: ``scheme://host[:port]/path`` (never the query), cleaned."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "(an unreadable address)"
    port = f":{parsed.port}" if parsed.port is not None else ""
    return clean_text(f"{parsed.scheme}://{parsed.host}{port}{parsed.path}", 200)


def _last_page(header: str | None) -> int | None:
    """The page number of a Link header's ``rel="last"`` URL, when it has one."""
    if not header:
        return None
    for match in _LINK.finditer(header):
        rels = " ".join(p.strip().partition("=")[2].strip('"').lower() for p in match.group(2).split(";"))
        if "last" in rels.split():
            try:
                value = httpx.URL(match.group(1)).params.get("page", "")
            except (httpx.InvalidURL, ValueError):
                return None
            return int(value) if value.isdigit() and 0 < len(value) < 7 else None
    return None


def _http_date(value: str | None) -> datetime | None:
    """A ``Date`` header as an aware datetime (None when absent or unreadable)."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _path(url: str) -> str:
    """A URL as it may appear in messages and logs: without its query (which may hold search text)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "(an unreadable address)"
    return clean_text(f"{parsed.host}{parsed.path}", 200)
