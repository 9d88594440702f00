"""Fetch everything a board shows: which requests a board spec needs, run a few series at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ..board import BoardSpec, Issue, IssueKey, in_scope, label_key
from ..errors import GitHubError
from ..reporting import SearchIncomplete, SearchTruncated
from .client import GitHubClient

SEARCH_CAP = 1000


@dataclass
class FetchResult:
    issues: list[Issue]
    notices: list[object] = field(default_factory=list)  # facts for the reporter


def search_query(spec: BoardSpec) -> str:
    """The board's query with its scope added: issues, open, and any of the area or column labels (OR)."""
    parts = [spec.query or ""]
    if not spec.include_pull_requests:
        parts.append("is:issue")
    if not spec.include_closed:
        parts.append("is:open")
    # A label every column carries (e.g. AsyncAwait-Triaged) is enough to find each column's issues.
    labelled = [c for c in spec.columns if c.labels]
    shared = set.intersection(*({label_key(n) for n in c.labels} for c in labelled)) if labelled else set()
    common = [n for n in spec.triage_labels if label_key(n) in shared]
    names = (*spec.area_labels, *(common[:1] or spec.triage_labels))
    if spec.area_labels:
        parts.append("label:" + ",".join(_quoted(n) for n in names))
    return " ".join(p for p in parts if p).strip()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', "") + '"'


def repo_series(spec: BoardSpec) -> list[tuple[str, tuple[str, ...]]]:
    """(repo, labels) series: one per area label, and one per column with that column's labels.

    ``labels=`` means AND, so each series asks for exactly one way of being in scope; the column series
    catch issues that carry a column's labels without the area label.
    """
    if not spec.area_labels:
        return [(repo, ()) for repo in spec.repos]
    wanted: dict[tuple[str, ...], tuple[str, ...]] = {}
    for labels in [(name,) for name in spec.area_labels] + [c.labels for c in spec.columns if c.labels]:
        wanted.setdefault(tuple(sorted(n.casefold() for n in labels)), labels)
    return [(repo, labels) for repo in spec.repos for labels in wanted.values()]


async def fetch_board(
    client: GitHubClient,
    spec: BoardSpec,
    on_page: Callable[[list[Issue]], None] | None = None,
) -> FetchResult:
    """Every in-scope issue of ``spec``. ``on_page`` sees each page as it arrives (columns fill early).

    The first error cancels the other series and is raised: a half-fetched board is never presented as
    complete.
    """
    seen: dict[IssueKey, Issue] = {}
    notices: list[object] = []
    state = "all" if spec.include_closed else "open"

    def take(issues: list[Issue]) -> None:
        fresh = [i for i in issues if in_scope(spec, i)]
        for issue in fresh:
            seen[issue.key] = issue
        if on_page is not None and fresh:
            on_page(fresh)

    async def repo(name: str, labels: tuple[str, ...]) -> None:
        async for page in client.iter_repo_issues(name, labels, state=state):
            take(page)

    async def search() -> None:
        query = search_query(spec)
        got = 0
        total = 0
        incomplete = False
        async for page in client.iter_search(query):
            got += len(page.issues)
            total = page.total_count
            incomplete = incomplete or page.incomplete
            take(page.issues)
        if total > got and total > SEARCH_CAP:
            notices.append(SearchTruncated(shown=got, total=total))
        elif incomplete:
            notices.append(SearchIncomplete())

    try:
        async with asyncio.TaskGroup() as group:
            for name, labels in repo_series(spec):
                group.create_task(repo(name, labels))
            if spec.query:
                group.create_task(search())
    except* GitHubError as errors:
        raise errors.exceptions[0] from None
    return FetchResult(list(seen.values()), notices)
