"""Fetch what a board shows: everything once (:func:`fetch_board`), then only what changed
(:func:`fetch_changes`).

A full load asks each series (a repository and one label set, or the board's search) for its first page;
once GitHub's ``Link`` header says how many pages a series has, the later pages are fetched a few at a time.
One semaphore per load keeps the requests in flight polite (``Policy.max_series`` series' worth).

A search whose ``total_count`` exceeds GitHub's cap of 1,000 is split into disjoint creation-date ranges
that each stay under the cap, and merged by issue; the user is told only when a range one second wide
still holds more than 1,000 issues.

A refresh asks each repository for what changed since the last one (``since=`` with every state and no
label filter, so closed issues and removed labels are seen) and each search for ``updated:>=``; the
answers are the board's changes, placed or removed by the domain's scope rules. An unchanged refresh is
one request per source, answered 304 (free) thanks to the stored ETags.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..board import BoardSpec, Issue, IssueKey, in_scope, label_key
from ..errors import BadResponse, BadResponseReason, GitHubError, RateLimited, SearchLimitReached, first_error
from ..reporting import SearchIncomplete, SearchTruncated
from . import parse
from .client import GitHubClient, ListingPage

log = logging.getLogger(__name__)

SEARCH_CAP = 1000
PER_PAGE = 100
MAX_SEARCH_PAGES = SEARCH_CAP // PER_PAGE
# A change made while a page was read must still be asked for: the first marks lie this far before the
# server's time of a load (GitHub's replicas and search index lag a little behind).
REPO_MARGIN = timedelta(seconds=60)
SEARCH_MARGIN = timedelta(seconds=180)
# A repository's mark moves on once a refresh brings back more than this many issues (half a page).
MARK_MOVES_AFTER = PER_PAGE // 2
# Waits for the search rate limit (30 a minute) while a large search is split, at most this long each.
SEARCH_WAIT_MAX = 90.0
SEARCH_WAITS = 20
# A split asks for at most this many ranges per 1,000 results (at least SPLIT_MIN): a server that claims
# more than the cap for every range must not make it ask forever.
SPLIT_PROBES = 3
SPLIT_MIN = 20
SPLIT_DEPTH = 40  # halvings from years down to one second
# Whatever total a server claims, a split asks for at most this many ranges in all (and starts with at most
# SPLIT_PIECES): about 200,000 results, far more than a board shows.
SPLIT_MAX = 240
SPLIT_PIECES = 60
# The totals of a split's ranges add up to the whole's (a little more: issues opened meanwhile).
SPLIT_SLACK = 1.05

OnPage = Callable[[list[Issue]], None]


class _Gate:
    """At most ``size`` requests in flight. A request takes a ticket (at once, in order); a waiting ticket
    with a lower ``rank`` goes first: the later pages of a series under way go before the first page of
    another, since the longest series ends the load."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = 0

    def ticket(self, rank: int) -> asyncio.Future[None]:
        """A place in line, taken now; done when the request may go. Release it once used (or cancel it)."""
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._free > 0 and not self._waiting:
            self._free -= 1
            ticket.set_result(None)
        else:
            self._order += 1
            heapq.heappush(self._waiting, (rank, self._order, ticket))
        return ticket

    def release(self) -> None:
        while self._waiting:
            _rank, _order, ticket = heapq.heappop(self._waiting)
            if not ticket.done():
                ticket.set_result(None)
                return
        self._free += 1

    async def use(self, ticket: asyncio.Future[None]) -> None:
        """Wait for ``ticket``; cancelled meanwhile, it gives its place (or the slot it was just given) up."""
        try:
            await asyncio.shield(ticket)
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():
                self.release()
            else:
                ticket.cancel()
            raise


@dataclass
class FetchResult:
    """A complete load: every in-scope issue, facts for the reporter, and the marks a refresh starts from
    (source → the server's time, ISO 8601)."""

    issues: list[Issue]
    notices: list[object] = field(default_factory=list)
    marks: dict[str, str] = field(default_factory=dict)


@dataclass
class Changes:
    """What changed since ``marks`` were taken: ``issues`` as GitHub has them now (in scope or not: the board
    places or drops them), the marks for the next refresh, and ``incomplete`` sources whose changes were too
    many to ask for (the caller loads the board in full instead)."""

    issues: list[Issue]
    marks: dict[str, str]
    incomplete: list[str] = field(default_factory=list)
    notices: list[object] = field(default_factory=list)


# --- what a board asks for --------------------------------------------------------------------------------


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


def changes_query(spec: BoardSpec) -> str:
    """The search a refresh asks what changed with: the board's query without its state and label scope, so
    that issues which were closed or lost a label since are seen too (the domain then drops them)."""
    parts = [spec.query or ""]
    if not spec.include_pull_requests:
        parts.append("is:issue")
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


def sources(spec: BoardSpec) -> list[str]:
    """The keys of the board's sources: one per repository, and the search (when the board has one)."""
    keys = [f"repo:{repo}" for repo in dict.fromkeys(spec.repos)]
    if spec.query:
        keys.append(f"search:{changes_query(spec)}")
    return keys


def _ranged(query: str, lo: datetime, hi: datetime | None) -> str:
    return f"{query} created:{_iso(lo)}..{_iso(hi) if hi is not None else '*'}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- one load -----------------------------------------------------------------------------------------------


class _Load:
    """The state one load shares: a polite limit on requests in flight, what was found, and the earliest
    server time seen per source (where the next refresh starts)."""

    def __init__(self, client: GitHubClient, spec: BoardSpec, on_page: OnPage | None) -> None:
        self.client = client
        self.spec = spec
        self.on_page = on_page
        # As many requests in flight as a polite client runs series: pages of one series share them.
        self.gate = _Gate(max(1, client.policy.max_series))
        self.ranges_left = 0  # ranges a split may still ask for
        self.seen: dict[IssueKey, Issue] = {}
        self.notices: list[object] = []
        self.first_time: dict[str, datetime] = {}
        self.truncated = False

    def take(self, issues: list[Issue]) -> None:
        fresh = [i for i in issues if in_scope(self.spec, i)]
        for issue in fresh:
            self.seen[issue.key] = issue
        if self.on_page is not None and fresh:
            self.on_page(fresh)

    def note_time(self, source: str, page: ListingPage) -> None:
        moment = page.server_time or self.client.clock.now()
        known = self.first_time.get(source)
        if known is None or moment < known:
            self.first_time[source] = moment

    async def page(
        self,
        url: str,
        params: dict[str, str] | None = None,
        *,
        cacheable: bool = True,
        rank: int = 1,
        ticket: asyncio.Future[None] | None = None,
        then: Callable[[ListingPage], None] | None = None,
    ) -> ListingPage:
        """One request through the gate (``rank`` 0: a later page of a series under way; ``ticket``: a place
        taken before). ``then(page)`` runs while the slot is still held (to queue the next pages first);
        the page is handled after the slot went to the next request, so reading it never delays the
        network."""
        ticket = ticket if ticket is not None else self.gate.ticket(rank)
        await self.gate.use(ticket)
        try:
            page = await self.client.get_page(url, params, cacheable=cacheable)
            if then is not None:
                then(page)
        finally:
            self.gate.release()
        await asyncio.sleep(0)
        return page

    async def walk(
        self, url: str, params: dict[str, str] | None, handle: Callable[[ListingPage], None], *, source: str
    ) -> None:
        """Every page of one listing: the first, then the rest a few at a time when their number is known
        (else one after another, following ``rel="next"``)."""
        policy = self.client.policy
        later: list[tuple[str, asyncio.Future[None]]] = []

        def queue_later(first: ListingPage) -> None:
            # Still holding the first page's slot: the later pages take their places in line now, ahead of
            # other series' first pages, and the slot passes straight to page 2.
            last = first.last_page
            if last is None or self.client.page_url(first, 2) is None:
                return
            if last > policy.max_pages:
                raise BadResponse(BadResponseReason.TOO_MANY_PAGES, what=f"{policy.max_pages:,}", path=url)
            for number in range(2, last + 1):
                page_url = self.client.page_url(first, number)
                if page_url is not None:
                    later.append((page_url, self.gate.ticket(0)))

        first = await self.page(url, params, then=queue_later)
        self.note_time(source, first)
        if later:

            async def one(page_url: str, ticket: asyncio.Future[None]) -> None:
                handle(await self.page(page_url, ticket=ticket))

            try:
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(one(page_url, ticket)) for page_url, ticket in later]
                    handle(first)
            finally:
                # An error ended the series: places never used are given up (a slot granted to a page
                # whose task never ran stays taken, but the gate ends with this load anyway).
                for _url, ticket in later:
                    if not ticket.done():
                        ticket.cancel()
            del tasks
            return
        handle(first)
        page, count = first, 1
        visited = {first.url}
        while page.next_url is not None:
            if page.next_url in visited:
                raise BadResponse(BadResponseReason.LINK_CYCLE, path=url)
            if count >= policy.max_pages:
                raise BadResponse(BadResponseReason.TOO_MANY_PAGES, what=f"{policy.max_pages:,}", path=url)
            page = await self.page(page.next_url, rank=0)
            visited.add(page.url)
            count += 1
            handle(page)

    # --- searches ------------------------------------------------------------------------------------

    async def search_page(
        self, query: str, number: int = 1, *, order: str = "asc"
    ) -> tuple[ListingPage, int, bool, list[Issue]]:
        """One page of a search (sorted by creation, oldest first unless ``order``), waiting out the search
        rate limit (30 a minute) briefly when a big search meets it."""
        params = {"q": query, "per_page": str(PER_PAGE), "sort": "created", "order": order}
        if number > 1:
            params["page"] = str(number)
        waits = 0
        while True:
            try:
                url = f"{self.client.api_url}/search/issues"
                page = await self.page(url, params, cacheable=False, rank=0 if number > 1 else 1)
            except RateLimited as exc:
                delay = exc.seconds_left(self.client.clock.now())
                if waits >= SEARCH_WAITS or delay > SEARCH_WAIT_MAX:
                    raise
                waits += 1
                log.info("search rate limit: waiting %.0f s", delay)
                await self.client.clock.sleep(max(1.0, delay))
                continue
            total, incomplete, issues = parse.parse_search(page.data)
            return page, total, incomplete, issues

    async def search_pages(self, query: str, first: ListingPage, take: Callable[[list[Issue]], None]) -> bool:
        """The pages after ``first`` of a search, a few at a time when the ``Link`` header says how many
        (else one after another), up to GitHub's cap; True when GitHub said any was incomplete."""
        partial = False
        try:
            if first.last_page is not None:

                async def one(number: int) -> None:
                    nonlocal partial
                    _page, _total, part, issues = await self.search_page(query, number)
                    partial = partial or part
                    take(issues)

                async with asyncio.TaskGroup() as group:
                    for number in range(2, min(first.last_page, MAX_SEARCH_PAGES) + 1):
                        group.create_task(one(number))
                return partial
            page, count = first, 1
            while page.next_url is not None and count < MAX_SEARCH_PAGES:
                page = await self.page(page.next_url, cacheable=False, rank=0)
                count += 1
                _total, part, issues = parse.parse_search(page.data)
                partial = partial or part
                take(issues)
        except* SearchLimitReached:
            pass  # GitHub's cap: the caller compares what it got with total_count
        return partial

    async def search(self, query: str, source: str) -> None:
        """Every result of ``query``: split by creation date while a part holds more than 1,000."""
        first, total, partial, issues = await self.search_page(query)
        self.note_time(source, first)
        before = len(self.seen)
        self.take(issues)
        self.truncated = False
        if total <= SEARCH_CAP:
            partial = await self.search_pages(query, first, self.take) or partial
        else:
            # The oldest and the newest result bound the ranges (equal spans; the last one open-ended).
            _last, _total, newest_partial, newest_issues = await self.search_page(query, order="desc")
            self.take(newest_issues)
            partial = partial or newest_partial
            stamps = [i.created_at for i in (*issues, *newest_issues) if i.created_at is not None]
            if not stamps:
                # A total with no results to show for it: nothing to split by.
                self.truncated = True
                self.notices.append(SearchTruncated(shown=len(self.seen) - before, total=total))
                return
            oldest = min(stamps).astimezone(UTC).replace(microsecond=0)
            newest = max(stamps).astimezone(UTC)
            pieces = min(SPLIT_PIECES, max(2, math.ceil(total / (SEARCH_CAP * 0.8))))
            budget = max(SPLIT_MIN, SPLIT_PROBES * math.ceil(total / SEARCH_CAP)) + 2 * SPLIT_DEPTH
            self.ranges_left = min(SPLIT_MAX, budget) - pieces
            step = max((newest - oldest) / pieces, timedelta(seconds=2))
            bounds = [(oldest + step * n).replace(microsecond=0) for n in range(pieces)]
            ranges: list[tuple[datetime, datetime | None]] = [
                (bounds[n], bounds[n + 1] - timedelta(seconds=1)) for n in range(pieces - 1)
            ]
            ranges.append((bounds[-1], None))
            results = await self.split(query, ranges, total, newest)
            partial = partial or results
        if self.truncated:
            self.notices.append(SearchTruncated(shown=len(self.seen) - before, total=total))
        elif partial:
            self.notices.append(SearchIncomplete())

    async def split(
        self, query: str, ranges: list[tuple[datetime, datetime | None]], total: int, newest: datetime
    ) -> bool:
        """Every result of ``query`` in the disjoint ``ranges`` (of a part holding ``total``): each range's
        first page is asked for at once; their totals must add up to about ``total``, else the server does
        not narrow by creation date and splitting cannot help. True when GitHub said a part was incomplete."""
        probes = await asyncio.gather(*(self.search_page(_ranged(query, lo, hi)) for lo, hi in ranges))
        if sum(probe[1] for probe in probes) > total * SPLIT_SLACK + PER_PAGE:
            self.truncated = True
            for probe in probes:
                self.take(probe[3])
            return any(probe[2] for probe in probes)
        results = await asyncio.gather(
            *(
                self.cover(query, lo, hi, probe, newest)
                for (lo, hi), probe in zip(ranges, probes, strict=True)
            )
        )
        return any(results)

    async def cover(
        self,
        query: str,
        lo: datetime,
        hi: datetime | None,
        probe: tuple[ListingPage, int, bool, list[Issue]],
        newest: datetime,
    ) -> bool:
        """Every result of ``query`` created from ``lo`` to ``hi`` (inclusive; None: open-ended, its last
        result seen at ``newest``), given the range's first page: the rest of its pages when it holds no
        more than the cap, else its halves."""
        first, total, partial, issues = probe
        ranged = _ranged(query, lo, hi)
        self.take(issues)
        if total <= SEARCH_CAP:
            return await self.search_pages(ranged, first, self.take) or partial
        # Results come oldest first: nothing in the range is older than the first one.
        start = max([lo, *(i.created_at.astimezone(UTC) for i in issues if i.created_at is not None)][:2])
        start = start.replace(microsecond=0)
        end = hi if hi is not None else newest.replace(microsecond=0)
        if end - start < timedelta(seconds=2):
            # One second cannot be split: the first 1,000 are all GitHub gives.
            self.truncated = True
            return await self.search_pages(ranged, first, self.take) or partial
        if self.ranges_left < 2:
            self.truncated = True  # splitting gets nowhere: what was found is all there is
            return partial
        self.ranges_left -= 2
        middle = (start + (end - start) / 2).replace(microsecond=0)
        halves: list[tuple[datetime, datetime | None]] = [
            (start, middle),
            (middle + timedelta(seconds=1), hi),
        ]
        return await self.split(query, halves, total, newest) or partial

    def marks(self) -> dict[str, str]:
        return {
            source: _iso(moment - (SEARCH_MARGIN if source.startswith("search:") else REPO_MARGIN))
            for source, moment in self.first_time.items()
        }


def _taking(take: Callable[[list[Issue]], None], repo: str) -> Callable[[ListingPage], None]:
    return lambda page: take(parse.parse_issue_list(page.data, repo))


def _repo_params(labels: tuple[str, ...], state: str) -> dict[str, str]:
    params = {"state": state, "per_page": str(PER_PAGE), "sort": "created", "direction": "desc"}
    if labels:
        params["labels"] = ",".join(labels)
    return params


async def fetch_board(client: GitHubClient, spec: BoardSpec, on_page: OnPage | None = None) -> FetchResult:
    """Every in-scope issue of ``spec``. ``on_page`` sees each page as it arrives (columns fill early).

    The first error cancels the other series and is raised: a half-fetched board is never presented as
    complete.
    """
    load = _Load(client, spec, on_page)
    state = "all" if spec.include_closed else "open"
    try:
        async with asyncio.TaskGroup() as group:
            for name, labels in repo_series(spec):
                url = f"{client.api_url}/repos/{name}/issues"
                handle = _taking(load.take, name)
                group.create_task(load.walk(url, _repo_params(labels, state), handle, source=f"repo:{name}"))
            if spec.query:
                group.create_task(load.search(search_query(spec), f"search:{changes_query(spec)}"))
    except* GitHubError as errors:
        raise first_error(errors) from None
    return FetchResult(list(load.seen.values()), load.notices, load.marks())


async def fetch_changes(
    client: GitHubClient, spec: BoardSpec, marks: Mapping[str, str], on_page: OnPage | None = None
) -> Changes:
    """What changed in ``spec``'s sources since ``marks`` (from the last load or refresh).

    Every repository is asked once (``since=`` its mark, every state, no labels), the search once with
    ``updated:>=`` its mark. The answers hold issues as GitHub has them now, in scope or not (``on_page``
    sees them as they come). A source without a mark, or a search whose changes exceed the cap, is listed in
    ``incomplete``: load the board in full instead.
    """
    load = _Load(client, spec, None)
    changed: dict[IssueKey, Issue] = {}
    newest: dict[str, datetime] = {}
    counts: dict[str, int] = {}
    incomplete: list[str] = []

    def collector(source: str) -> Callable[[list[Issue]], None]:
        def take(issues: list[Issue]) -> None:
            counts[source] = counts.get(source, 0) + len(issues)
            for issue in issues:
                changed[issue.key] = issue
                stamp = issue.updated_at
                if stamp is not None and (source not in newest or stamp > newest[source]):
                    newest[source] = stamp
            if on_page is not None and issues:
                on_page(issues)

        return take

    async def repo(name: str, since: str) -> None:
        source = f"repo:{name}"
        params = {"state": "all", "per_page": str(PER_PAGE), "sort": "updated", "direction": "desc"}
        params["since"] = since
        url = f"{client.api_url}/repos/{name}/issues"
        await load.walk(url, params, _taking(collector(source), name), source=source)

    async def search(query: str, since: str) -> None:
        source = f"search:{query}"
        ranged = f"{query} updated:>={since}"
        first, total, partial, issues = await load.search_page(ranged)
        if total > SEARCH_CAP:
            incomplete.append(source)
            return
        take = collector(source)
        take(issues)
        if await load.search_pages(ranged, first, take) or partial:
            load.notices.append(SearchIncomplete())

    wanted = sources(spec)
    try:
        async with asyncio.TaskGroup() as group:
            for source in wanted:
                kind, _, rest = source.partition(":")
                mark = marks.get(source)
                if mark is None or _parse_iso(mark) is None:
                    incomplete.append(source)
                elif kind == "repo":
                    group.create_task(repo(rest, mark))
                else:
                    group.create_task(search(rest, mark))
    except* GitHubError as errors:
        raise first_error(errors) from None
    new_marks = {source: marks[source] for source in wanted if source in marks}
    for source, moment in newest.items():
        # A mark stays while few changes gather behind it: an unchanged refresh then asks exactly the same
        # question, and GitHub answers 304 (free). Once half a page has gathered, it moves to the newest
        # change seen (``since`` includes it). Search has no ETags, and its index lags: it moves on at once,
        # a margin earlier.
        if source.startswith("search:"):
            moment -= SEARCH_MARGIN
        elif counts.get(source, 0) <= MARK_MOVES_AFTER:
            continue
        old = _parse_iso(new_marks[source]) if source in new_marks else None
        if old is None or moment > old:
            new_marks[source] = _iso(moment)
    return Changes(list(changed.values()), new_marks, incomplete, load.notices)
