"""Everything that knows GitHub's JSON and HTTP. No Qt here (an import-linter contract keeps it so).

The client raises the GitHub branch of :mod:`triageboard.errors`. Names are imported on first use (PEP
562): the URL rules are needed to parse a command line, the HTTP stack only once something is fetched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports
from .urls import GITHUB_API, host_of, is_loopback, normalize_api_url, web_url

if TYPE_CHECKING:
    from .client import (
        CachedPage,
        ClientStats,
        GitHubClient,
        ListingPage,
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
    from .loader import (
        Changes,
        FetchResult,
        changes_query,
        fetch_board,
        fetch_changes,
        repo_series,
        search_query,
        sources,
    )
    from .parse import Comment, Repository, User
    from .policy import Policy

_WHERE = {
    **dict.fromkeys(
        (
            "CachedPage",
            "ClientStats",
            "GitHubClient",
            "ListingPage",
            "MemoryPageCache",
            "PageCache",
            "RateLimit",
            "SearchPage",
            "TokenAuth",
            "check_token_sendable",
            "clean_text",
            "sendable_header",
            "sendable_token",
        ),
        "client",
    ),
    **dict.fromkeys(
        (
            "Changes",
            "FetchResult",
            "changes_query",
            "fetch_board",
            "fetch_changes",
            "repo_series",
            "search_query",
            "sources",
        ),
        "loader",
    ),
    "Comment": "parse",
    "Repository": "parse",
    "User": "parse",
    "Policy": "policy",
}

__all__ = [
    "GITHUB_API",
    "CachedPage",
    "Changes",
    "ClientStats",
    "Comment",
    "FetchResult",
    "GitHubClient",
    "ListingPage",
    "MemoryPageCache",
    "PageCache",
    "Policy",
    "RateLimit",
    "Repository",
    "SearchPage",
    "TokenAuth",
    "User",
    "changes_query",
    "check_token_sendable",
    "clean_text",
    "fetch_board",
    "fetch_changes",
    "host_of",
    "is_loopback",
    "normalize_api_url",
    "repo_series",
    "search_query",
    "sendable_header",
    "sendable_token",
    "sources",
    "web_url",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
