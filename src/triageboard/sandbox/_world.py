"""The sandbox's mutable state behind one lock: data, tokens, limits, the clock, delayed actions, the log.

Every read of the time in the sandbox goes through :meth:`World.time` and :meth:`World.monotonic`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..clock import Clock
from ._dataset import build_dataset
from ._model import DATASET_NOW, PERMISSION_ORDER, Comment, Dataset, Issue, Permission, Repo
from ._ratelimit import ContentLimiter, RateLimiter
from ._render import Urls

LOG_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class TokenInfo:
    login: str
    scopes: tuple[str, ...]
    permission: Permission
    fine_grained: bool = False


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: a known token, or nobody (``token`` None)."""

    token: TokenInfo | None
    bucket_key: str

    @property
    def login(self) -> str | None:
        return None if self.token is None else self.token.login


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One entry of the request log. The Authorization header is never kept."""

    method: str
    path: str  # raw, percent-encoded, without the query
    query: str  # raw query string
    status: int  # 0: the connection was reset without an answer
    counted: bool  # whether it used up one request of a rate limit
    resource: str | None  # "core", "search", or None outside the REST API
    login: str | None  # the caller, when the token was known
    fault: str | None  # the fault kind that shaped the answer (test sandboxes only)
    at: float  # World.time() when it was answered


@dataclass(frozen=True, slots=True)
class RecordMeta:
    counted: bool = False
    resource: str | None = None
    login: str | None = None
    fault: str | None = None


@dataclass(order=True, slots=True)
class _Later:
    due: float  # World.monotonic()
    seq: int
    at: float = field(compare=False)  # World.time() when it is due
    action: Callable[[float], None] = field(compare=False)


class World:
    def __init__(self, *, seed: int, clock: Clock, extra_issues: int) -> None:
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.clock = clock
        self.data: Dataset = build_dataset(seed, extra_issues)
        self.tokens: dict[str, TokenInfo] = {}
        self.limits = RateLimiter(self.time)
        self.content = ContentLimiter(self.monotonic)
        self.urls = Urls(api="http://127.0.0.1:0/api/v3", web="http://127.0.0.1:0")
        self.log: deque[RequestRecord] = deque(maxlen=LOG_LIMIT)  # a long demo must not grow forever
        self.counters: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self._t0 = self.monotonic()
        self._last_stamp = DATASET_NOW
        self._later: list[_Later] = []
        self._seq = itertools.count()
        self.request_ids = 0
        # Called for every new comment, with the lock held (the triagebot reads them).
        self.comment_watchers: list[Callable[[Repo, Issue, Comment], None]] = []

    # -- time: the one place the sandbox reads it ------------------------------------------------

    def time(self) -> float:
        """Seconds since the epoch, on the sandbox's clock (shared with the client in tests)."""
        return self.clock.time()

    def monotonic(self) -> float:
        """Seconds that never go backwards: rate-limit windows, delays."""
        return self.clock.monotonic()

    def stamp(self, at: float | None = None) -> int:
        """A timestamp for a change made now (or at ``at``, World.time() seconds): the wall clock, never
        before the dataset's "now", strictly increasing."""
        wall = self.time() if at is None else at
        t = max(int(wall), DATASET_NOW + int(self.monotonic() - self._t0))
        t = max(t, self._last_stamp + 1)
        self._last_stamp = t
        return t

    def sleep(self, seconds: float) -> None:
        """Hold an answer ``seconds`` of the clock's time (a scaled clock's seconds are shorter; a fake
        clock's are real: network stalls must be real to trip a client's timeout), or less when the
        sandbox stops."""
        if seconds > 0:
            self.stopping.wait(seconds * getattr(self.clock, "scale", 1.0))

    def later(self, seconds: float, action: Callable[[float], None]) -> None:
        """Run ``action(at)`` ``seconds`` from now on the sandbox's clock, ``at`` being the World.time() it
        fell due. Due actions run, in order, before the next request or admin call is answered: nobody can
        observe the sandbox in between."""
        delay = seconds
        heapq.heappush(
            self._later, _Later(self.monotonic() + delay, next(self._seq), self.time() + delay, action)
        )

    def settle(self) -> None:
        """Run the delayed actions that are due (the lock is held)."""
        now = self.monotonic()
        while self._later and self._later[0].due <= now:
            item = heapq.heappop(self._later)
            item.action(item.at)

    @contextlib.contextmanager
    def locked(self) -> Iterator[World]:
        """Hold the lock with every due action done: what every request and admin call starts with."""
        with self.lock:
            self.settle()
            yield self

    # -- tokens and permissions -------------------------------------------------------------------

    def role(self, login: str, repo: Repo) -> Permission:
        """What ``login`` may do in ``repo``: a token's permission, else a collaborator's role, else read
        (every repository is public); at most read in a read-only repository."""
        key = login.casefold()
        have = next((t.permission for t in self.tokens.values() if t.login.casefold() == key), None)
        if have is None:
            have = repo.roles.get(key, "read")
        if repo.read_only and PERMISSION_ORDER.index(have) > PERMISSION_ORDER.index("read"):
            return "read"
        return have

    def permission(self, caller: Caller, repo: Repo) -> Permission:
        if caller.token is None:
            return "read"
        have = caller.token.permission
        if repo.read_only and PERMISSION_ORDER.index(have) > PERMISSION_ORDER.index("read"):
            return "read"
        return have

    def can_write_scopes(self, caller: Caller) -> bool:
        """A classic token needs ``repo`` or ``public_repo`` to change anything."""
        token = caller.token
        if token is None:
            return False
        return token.fine_grained or bool({"repo", "public_repo"} & set(token.scopes))

    def find_issue(self, full_name: str, number: int) -> tuple[Repo, Issue]:
        repo = self.data.repo(full_name)
        if repo is None:
            raise KeyError(f"no repository {full_name!r}")
        issue = repo.issues.get(number)
        if issue is None:
            raise KeyError(f"no issue {full_name}#{number}")
        return repo, issue

    # -- bookkeeping ------------------------------------------------------------------------------

    def next_request_id(self) -> str:
        self.request_ids += 1
        n = self.request_ids
        return f"{n % 0xFFFF:04X}:{n:05X}:{n * 7:07X}:{n * 13:07X}:{int(self.time()):08X}"

    def record(self, method: str, path: str, query: str, status: int, meta: RecordMeta) -> None:
        self.log.append(
            RequestRecord(
                method=method,
                path=path,
                query=query,
                status=status,
                counted=meta.counted,
                resource=meta.resource,
                login=meta.login,
                fault=meta.fault,
                at=self.time(),
            )
        )
        self.counters["requests"] += 1
        self.status_counts[status] += 1
        if status == 304:
            self.counters["not_modified"] += 1
        if meta.counted:
            self.counters["counted"] += 1

    def stats(self) -> dict[str, object]:
        return {
            "requests": self.counters["requests"],
            "counted": self.counters["counted"],
            "not_modified": self.counters["not_modified"],
            "mutations": self.counters["mutations"],
            "rate_limited": self.counters["rate_limited"],
            "secondary_limited": self.counters["secondary_limited"],
            "by_status": {str(k): v for k, v in sorted(self.status_counts.items())},
        }
