"""Everything that knows GitHub's JSON and HTTP. No Qt here (an import-linter contract keeps it so)."""

from .client import (
    CachedPage,
    ClientStats,
    GitHubClient,
    MemoryPageCache,
    PageCache,
    Policy,
    RateLimit,
    SearchPage,
    TokenAuth,
)
from .errors import (
    AuthError,
    BadResponse,
    GitHubError,
    InsecureURL,
    NotFound,
    Offline,
    PermissionDenied,
    RateLimited,
    SearchLimitReached,
    Unavailable,
    ValidationFailed,
)
from .loader import FetchResult, fetch_board, repo_series, search_query
from .parse import Repository, User
from .urls import GITHUB_API, host_of, is_loopback, normalize_api_url, web_url

__all__ = [
    "GITHUB_API",
    "AuthError",
    "BadResponse",
    "CachedPage",
    "ClientStats",
    "FetchResult",
    "GitHubClient",
    "GitHubError",
    "InsecureURL",
    "MemoryPageCache",
    "NotFound",
    "Offline",
    "PageCache",
    "PermissionDenied",
    "Policy",
    "RateLimit",
    "RateLimited",
    "Repository",
    "SearchLimitReached",
    "SearchPage",
    "TokenAuth",
    "Unavailable",
    "User",
    "ValidationFailed",
    "fetch_board",
    "host_of",
    "is_loopback",
    "normalize_api_url",
    "repo_series",
    "search_query",
    "web_url",
]
