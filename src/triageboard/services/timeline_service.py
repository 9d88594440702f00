"""Time in a column: each card's timeline, read lazily and politely, into the board's cards.

What the window shows is read first (:meth:`TimelineService.show`), then the cards a rule needs (the columns
with a stalled rule: Focus), then whatever else was asked for (:meth:`TimelineService.want`); nothing else.
One request at a time, on a client of its own (its page cache is the timeline store: a revalidated timeline
costs a 304, free of the rate limit), so a move or a refresh never waits behind it. A card is read again
only when the board shows it changed since (its labels or its last update): an unchanged issue has an
unchanged timeline. What was read is kept across starts (per API URL and account) and painted at once.

Signal: ``since_changed(dict[IssueKey, datetime | None])``: cards whose time in their column became known,
changed, or is no longer known (the card moved: it is read again). Ask :meth:`since` / :meth:`known`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from ..board import Board, Column, Issue, IssueKey, in_column_since
from ..clock import Clock, SystemClock, wait_event
from ..errors import AuthError, GitHubError, NotFound, RateLimited
from ..github import GitHubClient
from ..reporting import Doing, Reporter
from ..store import StoredTimeline, TimelinePages, TimelineStore
from ..tasks import TaskScope

log = logging.getLogger(__name__)

SOURCE = "timelines"  # the cause a failed read's message belongs to; a good read takes it down
# Cards the window shows at once are many fewer: a longer list is cut (the first ones are read first).
MAX_SHOWN = 500
# A card whose timeline could not be read is tried again after this (doubling per failure, up to the cap).
RETRY_BASE = 30.0
RETRY_MAX = 3600.0


def _labels(issue: Issue) -> frozenset[str]:
    return frozenset(label.key for label in issue.labels)


class _Touched:
    """A board listener that collects which cards changed (moved, relabelled, added)."""

    def __init__(self, service: TimelineService) -> None:
        self._service = service
        self._inserting: tuple[Column, int] | None = None

    def begin_insert(self, column: Column, row: int) -> None:
        self._inserting = (column, row)

    def end_insert(self, column: Column) -> None:
        if self._inserting is not None:
            where, row = self._inserting
            self._inserting = None
            self._service._touched([self._service.board.issue_at(where, row).key])

    def begin_remove(self, column: Column, row: int) -> None:
        self._service._touched([self._service.board.issue_at(column, row).key])

    def end_remove(self, column: Column) -> None:
        pass

    def row_changed(self, column: Column, row: int) -> None:
        self._service._touched([self._service.board.issue_at(column, row).key])

    def begin_reset(self, column: Column) -> None:
        pass

    def end_reset(self, column: Column) -> None:
        self._service._touched([issue.key for issue in self._service.board.column_issues(column)])


class TimelineService(QObject):
    since_changed = Signal(object)

    def __init__(
        self,
        board: Board,
        client: GitHubClient,
        reporter: Reporter,
        scope: TaskScope,
        *,
        store: TimelineStore | None = None,
        pages: TimelinePages | None = None,
        clock: Clock | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``client`` reads the timelines (its page cache: ``pages``, the store's view for the account);
        ``store`` keeps them across starts (None: this session only)."""
        super().__init__(parent)
        self.board = board
        self.client = client
        self.reporter = reporter
        self.scope = scope
        self.store = store
        self.pages = pages
        self.clock: Clock = clock or SystemClock()
        self.account = ""
        self.reads = 0  # timelines read from GitHub this session (a 304 included)
        self._stored: dict[IssueKey, StoredTimeline] = {}
        self._memo: dict[IssueKey, tuple[StoredTimeline, datetime | None, datetime | None]] = {}
        self._told: dict[IssueKey, datetime | None] = {}
        self._shown: list[IssueKey] = []
        self._wanted: dict[IssueKey, None] = {}
        self._retry_at: dict[IssueKey, float] = {}
        self._failures: dict[IssueKey, int] = {}
        self._changed: set[IssueKey] = set()
        self._recheck_scheduled = False
        self._reported = False
        self._blocked = False  # GitHub rejected the token: wait for a new account or sign-in
        self._loading = False  # the account's stored timelines are being read: nothing is asked meanwhile
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener = _Touched(self)
        self._listening = False

    # --- the window's side ------------------------------------------------------------------------------

    def show(self, keys: Iterable[IssueKey]) -> None:
        """The cards the window shows now, most important first: their timelines are read first."""
        self._shown = list(dict.fromkeys(keys))[:MAX_SHOWN]
        self._wake.set()

    def want(self, keys: Iterable[IssueKey]) -> None:
        """Cards whose time in a column is wanted too (a sort by it, a view): read after the shown ones."""
        for key in keys:
            self._wanted[key] = None
        self._wake.set()

    def since(self, key: IssueKey) -> datetime | None:
        """When ``key``'s card entered the column it is shown in; None while unknown (not read yet, or the
        card changed since its timeline was read: being moved, or moved by someone)."""
        issue = self.board.get(key)
        stored = self._stored.get(key)
        if issue is None or stored is None or self.board.is_pending(key) or _labels(issue) != stored.labels:
            return None
        # Asked for every painted card: worked out once per timeline read (the labels are those it explains).
        memo = self._memo.get(key)
        if memo is not None and memo[0] is stored and memo[1] == issue.created_at:
            return memo[2]
        since = in_column_since(self.board.spec, issue, stored.events)
        self._memo[key] = (stored, issue.created_at, since)
        return since

    def known(self) -> dict[IssueKey, datetime]:
        """Every card's time in its column known now: ``board_cards(board, now, since=known())``."""
        found = {}
        for key in self._stored:
            since = self.since(key)
            if since is not None:
                found[key] = since
        return found

    # --- life ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start reading (in the session's task scope). Idempotent."""
        if not self._listening:
            self.board.subscribe(self._listener)
            self._listening = True
        if self._task is None or self._task.done():
            self._task = self.scope.spawn(self._run(), name="timelines")

    def set_account(self, login: str) -> None:
        """The signed-in account: its stored timelines are painted, and reading goes on as it. An empty
        login (signed out) forgets what the previous account read, on screen."""
        if login == self.account:
            self._blocked = False
            self._wake.set()
            return
        self.account = login
        if self.pages is not None:
            self.pages.account = login
        self._stored.clear()
        self._memo.clear()
        self._retry_at.clear()
        self._failures.clear()
        self._blocked = False
        self._touched(list(self._told))
        if login and self.store is not None:
            self._loading = True
            self.scope.spawn(self._load(login), name="load timelines")
        self._wake.set()

    async def _load(self, login: str) -> None:
        assert self.store is not None
        try:
            stored = await self.store.load(self.client.api_url, login)
        finally:
            if login == self.account:
                self._loading = False
                self._wake.set()
        if login != self.account:
            return  # another account signed in meanwhile
        for key, timeline in stored.items():
            self._stored.setdefault(key, timeline)  # what this session read is newer
        self._touched([key for key in stored if key in self.board])
        self._wake.set()

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._listening:
            self.board.unsubscribe(self._listener)
            self._listening = False

    # --- what changed ---------------------------------------------------------------------------------------

    def _touched(self, keys: Iterable[IssueKey]) -> None:
        """Cards changed on the board (or were read): tell the window what changed, once per loop turn."""
        self._changed.update(keys)
        if not self._recheck_scheduled:
            self._recheck_scheduled = True
            asyncio.get_event_loop().call_soon(self._recheck)

    def _recheck(self) -> None:
        self._recheck_scheduled = False
        changed, self._changed = self._changed, set()
        told: dict[IssueKey, datetime | None] = {}
        for key in changed:
            since = self.since(key)
            if since != self._told.get(key):
                told[key] = since
                if since is None:
                    self._told.pop(key, None)
                else:
                    self._told[key] = since
        if told:
            self.since_changed.emit(told)
        self._wake.set()  # a changed card may need reading again

    # --- reading ----------------------------------------------------------------------------------------

    def _order(self) -> Iterable[IssueKey]:
        """Shown cards with a rule first, other shown cards, the columns with a rule, then what was wanted."""
        ruled = {c.name for c in self.board.spec.columns if c.stalled_after_days is not None}
        shown = [k for k in self._shown if k in self.board]
        yield from (k for k in shown if self.board.column_of(k).name in ruled)
        yield from shown
        for column in self.board.spec.columns:
            if column.name in ruled:
                yield from (issue.key for issue in self.board.column_issues(column))
        yield from list(self._wanted)

    def _stale(self, key: IssueKey) -> bool:
        """Whether ``key``'s card needs its timeline read (again): never read, or changed on the board since.
        A card being moved is read once GitHub has the move."""
        issue = self.board.get(key)
        if issue is None or self.board.is_pending(key):
            return False
        stored = self._stored.get(key)
        return stored is None or stored.labels != _labels(issue) or stored.updated_at != issue.updated_at

    @property
    def up_to_date(self) -> bool:
        """Every card asked for (shown, in a column with a rule, wanted) has its timeline read as the board
        shows it now (or waits to be tried again after a failure)."""
        return bool(self.account) and not self._loading and self._scan()[0] is None

    def next_key(self) -> IssueKey | None:
        """The card to read next, or None when there is nothing to read now."""
        return self._scan()[0] if self._reading else None

    @property
    def _reading(self) -> bool:
        """An account is known, its stored timelines are loaded, and GitHub did not reject the token."""
        return bool(self.account) and not self._blocked and not self._loading

    def _scan(self) -> tuple[IssueKey | None, float | None]:
        """The first card to read now, else how long until a card that failed may be tried again (None:
        nothing to wait for). One look at the clock for both, so no retry falls between them."""
        now = self.clock.monotonic()
        seen: set[IssueKey] = set()
        retry: float | None = None
        for key in self._order():
            if key in seen:
                continue
            seen.add(key)
            if self._stale(key):
                at = self._retry_at.get(key, now)
                if at <= now:
                    return key, None
                retry = at - now if retry is None else min(retry, at - now)
        for key in [k for k in self._wanted if k not in self.board]:
            del self._wanted[key]  # gone from the board: not wanted any more
        return None, retry

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            key, retry = self._scan() if self._reading else (None, None)
            if key is None:
                await wait_event(self.clock, self._wake, retry)
                continue
            pause = await self._read(key)
            if pause:
                await self.clock.sleep(pause)

    async def _read(self, key: IssueKey) -> float:
        """Read one card's timeline; returns how long to pause before the next (a rate limit, no network)."""
        issue = self.board.issue(key)
        labels, updated = _labels(issue), issue.updated_at
        account = self.account
        try:
            events = await self.client.timeline(key.repo, key.number)
        except RateLimited as exc:
            log.info("timelines wait for the rate limit until %s", exc.resume_at)
            return max(1.0, exc.seconds_left(self.clock.now()))
        except AuthError as exc:
            self._blocked = True  # a new sign-in sets the account again
            self._failed(exc)
            return 0.0
        except NotFound as exc:  # deleted or transferred: the next refresh takes the card away
            self._retry_at[key] = self.clock.monotonic() + RETRY_MAX
            log.info("timeline of %s not found: %s", key, exc)
            return 0.0
        except GitHubError as exc:
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            self._retry_at[key] = self.clock.monotonic() + min(RETRY_MAX, RETRY_BASE * 2.0 ** (failures - 1))
            self._failed(exc)
            # Not this card's fault (no network, GitHub down): give GitHub a moment before the next.
            return RETRY_BASE if exc.temporary and not isinstance(exc, RateLimited) else 0.0
        self.reads += 1
        self._failures.pop(key, None)
        self._retry_at.pop(key, None)
        if self._reported:
            self._reported = False
            self.reporter.resolve(SOURCE)
        if account != self.account:
            return 0.0  # read for an account that signed out meanwhile
        stored = StoredTimeline(events, labels, updated, self.clock.time())
        self._stored[key] = stored
        if self.store is not None:
            await self.store.save(self.client.api_url, account, key, stored)
        self._touched([key])
        return 0.0

    def _failed(self, exc: GitHubError) -> None:
        log.info("a timeline could not be read: %r", exc)
        if not self._reported:  # once per streak of failures: the cards just stay without their time
            self._reported = True
            self.reporter.warning(exc, doing=Doing.TIMELINE, source=SOURCE)
