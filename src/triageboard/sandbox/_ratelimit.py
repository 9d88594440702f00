"""Rate limits: primary buckets per token (or client address) and resource; secondary limits on
content-creating requests per user.

Windows are GitHub's seconds on the sandbox's clock (the World's ``time``/``monotonic``).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Resource = Literal["core", "search"]

# resource -> (authenticated limit, unauthenticated limit, window in GitHub seconds)
LIMITS: dict[str, tuple[int, int, float]] = {"core": (5000, 60, 3600.0), "search": (30, 10, 60.0)}

# Content-creating requests (POST, PATCH, PUT, DELETE) a user may send: (window in GitHub seconds, count).
CONTENT_LIMITS: tuple[tuple[float, int], ...] = ((60.0, 80), (3600.0, 500))
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you "
    "reach out to GitHub Support for help, please include the request ID {request_id}."
)
SECONDARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)


def retry_after(seconds: float) -> str:
    """``retry-after`` for a wait of ``seconds`` (clock time): whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))


@dataclass(slots=True)
class Bucket:
    limit: int
    used: int
    reset_at: float  # real epoch seconds
    window: float  # real seconds

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def reset_epoch(self) -> int:
        """``x-ratelimit-reset``: whole epoch seconds, rounded up so that waiting until then is enough."""
        return math.ceil(self.reset_at)

    def as_json(self) -> dict[str, int]:
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset": self.reset_epoch,
            "used": self.used,
        }

    def headers(self, resource: str) -> list[tuple[str, str]]:
        return [
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset_epoch)),
            ("x-ratelimit-used", str(self.used)),
            ("x-ratelimit-resource", resource),
        ]


class RateLimiter:
    """Not thread-safe on its own: the sandbox's lock guards it."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def bucket(self, key: str, resource: str, *, authenticated: bool) -> Bucket:
        """The bucket for ``key`` (a token, or ``anon:ADDRESS``), refilled when its window has passed."""
        now = self.clock()
        found = self._buckets.get((key, resource))
        auth_limit, anon_limit, window = LIMITS[resource]
        if found is None:
            found = Bucket(
                limit=auth_limit if authenticated else anon_limit,
                used=0,
                reset_at=now + window,
                window=window,
            )
            self._buckets[(key, resource)] = found
        elif now >= found.reset_at:
            found.used = 0
            found.reset_at = now + found.window
        return found

    def configure(
        self,
        key: str,
        resource: str,
        *,
        authenticated: bool,
        limit: int | None = None,
        remaining: int | None = None,
        reset_in: float | None = None,
    ) -> Bucket:
        bucket = self.bucket(key, resource, authenticated=authenticated)
        if limit is not None:
            bucket.limit = limit
        if remaining is not None:
            bucket.used = max(0, bucket.limit - remaining)
        if reset_in is not None:
            bucket.reset_at = self.clock() + reset_in
        return bucket


class ContentLimiter:
    """GitHub's secondary limits on content creation: at most 80 a minute and 500 an hour per user.

    Not thread-safe on its own: the sandbox's lock guards it. ``clock`` is monotonic.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.limits = CONTENT_LIMITS
        self._sent: dict[str, deque[float]] = {}

    def wait(self, key: str) -> float | None:
        """None if ``key`` may create content now, else the seconds (clock time) until it may again."""
        now = self.clock()
        sent = self._forget_old(key, now)
        waits = []
        for window, limit in self.limits:
            start = now - window
            in_window = [t for t in sent if t > start] if len(sent) >= limit else []
            if len(in_window) >= limit:
                # The oldest request that keeps the window full must leave it.
                waits.append(in_window[-limit] + window - now)
        return max(waits) if waits else None

    def count(self, key: str) -> None:
        self._forget_old(key, self.clock()).append(self.clock())

    def _forget_old(self, key: str, now: float) -> deque[float]:
        sent = self._sent.setdefault(key, deque())
        longest = max(window for window, _ in self.limits)
        while sent and sent[0] <= now - longest:
            sent.popleft()
        return sent
