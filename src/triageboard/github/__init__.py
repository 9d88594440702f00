"""Everything that knows GitHub's JSON and HTTP. No Qt here (an import-linter contract keeps it so).

The client raises the GitHub branch of :mod:`triageboard.errors`.
"""

from .client import (
    CachedPage,
    ClientStats,
    GitHubClient,
    MemoryPageCache,
    PageCache,
    RateLimit,
    SearchPage,
    TokenAuth,
    check_token_sendable,
    clean_text,
    sendable_header,
    sendable_token,
)
from .loader import FetchResult, fetch_board, repo_series, search_query
from .parse import Comment, Repository, User
from .policy import Policy
from .urls import GITHUB_API, host_of, is_loopback, normalize_api_url, web_url

__all__ = [
    "GITHUB_API",
    "CachedPage",
    "ClientStats",
    "Comment",
    "FetchResult",
    "GitHubClient",
    "MemoryPageCache",
    "PageCache",
    "Policy",
    "RateLimit",
    "Repository",
    "SearchPage",
    "TokenAuth",
    "User",
    "check_token_sendable",
    "clean_text",
    "fetch_board",
    "host_of",
    "is_loopback",
    "normalize_api_url",
    "repo_series",
    "search_query",
    "sendable_header",
    "sendable_token",
    "web_url",
]
