"""What can go wrong talking to GitHub, as a small tree. Every message says what happened and what to do.

No raw ``httpx.Response`` or header ever rides on these: they are safe to log and to show.
"""

from __future__ import annotations

from datetime import UTC, datetime


class GitHubError(Exception):
    """Base of every error the client raises. ``str(err)`` is a sentence fit for the message bar."""

    temporary: bool = False

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url


class AuthError(GitHubError):
    """401: no token, or GitHub rejected it."""


class PermissionDenied(GitHubError):
    """403 without a rate limit: the token may read but not do this (e.g. label without triage role)."""


class NotFound(GitHubError):
    """404: the repository, issue or label does not exist, or the token cannot see it."""


class ValidationFailed(GitHubError):
    """422: GitHub refused the request's content."""


class SearchLimitReached(ValidationFailed):
    """GitHub's search gives only the first 1,000 results."""


class RateLimited(GitHubError):
    """403/429 from a primary or secondary rate limit. ``resume_at`` is when to try again."""

    temporary = True

    def __init__(
        self,
        message: str,
        *,
        resume_at: datetime,
        secondary: bool,
        retry_after: float | None = None,
        status: int | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, status=status, url=url)
        self.resume_at = resume_at
        self.secondary = secondary
        # GitHub's retry-after in seconds, or None when it sent none (then back off exponentially).
        self.retry_after = retry_after

    def seconds_left(self, now: datetime | None = None) -> float:
        return max(0.0, (self.resume_at - (now or datetime.now(UTC))).total_seconds())


class Unavailable(GitHubError):
    """GitHub could not be reached or answered 5xx: worth retrying later."""

    temporary = True


class Offline(Unavailable):
    """No connection at all (DNS, refused, reset, timeout)."""


class BadResponse(GitHubError):
    """GitHub (or something pretending to be it) answered with something the client cannot read."""

    temporary = True


class InsecureURL(GitHubError):
    """A configured API URL that would send the token in clear text or to the wrong place."""
