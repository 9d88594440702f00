"""Primary rate limits: one bucket per token (or client address) and resource."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Resource = Literal["core", "search"]

# resource -> (authenticated limit, unauthenticated limit, window in GitHub seconds)
LIMITS: dict[str, tuple[int, int, float]] = {"core": (5000, 60, 3600.0), "search": (30, 10, 60.0)}


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

    def __init__(self, time_scale: float, clock: Callable[[], float] = time.time) -> None:
        self.time_scale = time_scale
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
                reset_at=now + window * self.time_scale,
                window=window * self.time_scale,
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
            bucket.reset_at = self.clock() + reset_in * self.time_scale
        return bucket
