"""How the client and the move engine behave under failure: one policy, following GitHub's guidance.

Every figure is in seconds of the session's clock (a test run's scaled or fake clock shrinks them all).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Policy:
    # Quick retries inside one request (network errors, 5xx), with jittered exponential backoff.
    retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 32.0
    # Later attempts of one move after the quick retries gave up.
    move_retry_base: float = 5.0
    move_retry_max: float = 300.0
    # Reads of an issue's labels while confirming a move.
    verify_rounds: int = 3
    # A repository or label found missing (or not labelable) is refused up front for this long; after that,
    # and always before sending, GitHub is asked again (the user may have fixed it meanwhile).
    recheck_after: float = 60.0
    # GitHub: at least 1 s between content-changing requests.
    mutation_spacing: float = 1.0
    # A secondary limit without retry-after: wait at least a minute, then back off exponentially up to this.
    secondary_default_wait: float = 60.0
    secondary_max: float = 900.0
    # GitHub's rate-limit windows last an hour: a longer announced wait is not a real instruction.
    max_announced_wait: float = 3600.0
    # Per network operation (connect, each read) and for a whole request including its body.
    read_timeout: float = 30.0
    request_deadline: float = 90.0
    max_body_bytes: int = 32 * 1024 * 1024
    # Redirects a GET follows (on the API's origin only); writes follow none.
    max_redirects: int = 10
    # Requests of one load in flight at once: a few, one per column of a four-column board, as a polite client
    # runs series. Pages per series: GitHub's own lists end long before this, and search ends at 1,000
    # results (10 pages).
    max_series: int = 4
    max_pages: int = 1000
    # The @rustbot fallback: the bot acts a moment after a comment; look at the issue after bot_poll seconds,
    # then ever less often (up to bot_poll_max), and give up on it after bot_wait ("the bot never acted").
    bot_poll: float = 5.0
    bot_poll_max: float = 60.0
    bot_wait: float = 600.0

    def backoff(self, attempt: int, *, base: float | None = None, cap: float | None = None) -> float:
        """The wait before retry number ``attempt`` (0-based): exponential, capped, jittered to 50–100 %
        so that clients failing together do not retry together."""
        base = self.backoff_base if base is None else base
        cap = self.backoff_max if cap is None else cap
        return float(min(cap, base * 2.0**attempt) * random.uniform(0.5, 1.0))
