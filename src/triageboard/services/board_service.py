"""Loading and refreshing the board: paint the last board first, then ask GitHub only for what changed.

The board the window shows comes from three places, through the same path: the snapshot saved by the last
session (:meth:`BoardService.adopt`, before any request), a complete load (every page, with stored ETags),
and refreshes that ask each source for what changed since the last one (:func:`fetch_changes`). Changes
arrive as ordinary board updates, so a card changes in place and the selection, filters and scroll stay.
Offline, the board stays as it was, says since when it is offline, and tries again by itself.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from ..board import Board, Issue, IssueKey
from ..clock import Clock, SystemClock
from ..errors import AuthError, GitHubError, Offline, TimedOut, TriageboardError
from ..github import GitHubClient, RateLimit, host_of
from ..github.sync import needs_full, sync_board
from ..reporting import Doing, OfflineSince, Reporter, ShowingSaved, Source
from ..store.snapshots import SavedBoard, SnapshotStore, SyncMarks, board_key
from ..tasks import TaskScope

log = logging.getLogger(__name__)


class Overlay(Protocol):
    """What a board shows on top of what GitHub said. ``mark()`` is taken as a fetch begins; ``overlay(issues,
    mark)`` then re-applies the changes still in flight, and keeps what a write settled after ``mark`` (its
    answer is newer than the fetched page: a refresh racing a move must not take the card back)."""

    def mark(self) -> int: ...

    def overlay(self, issues: list[Issue], fetched_after: int | None = None) -> list[Issue]: ...


REFRESH = Source.REFRESH  # the cause a failed refresh's message belongs to; a good refresh takes it down
SNAPSHOT = "snapshot"  # the "showing the saved board" message; the first good refresh takes it down
# Offline: try again after 5 s, then doubling, at most every 5 minutes.
RETRY_FIRST = 5.0
RETRY_MAX = 300.0


class _Nothing:
    def mark(self) -> int:
        return 0

    def overlay(self, issues: list[Issue], fetched_after: int | None = None) -> list[Issue]:
        return issues


class BoardService(QObject):
    """Fills ``board``: a saved snapshot first (:meth:`adopt`), then complete loads and refreshes of changes.

    Signals: ``loading_changed(bool)``, ``refreshed(datetime)`` (when GitHub last confirmed the board),
    ``user_changed(str)`` (the signed-in login, when this service asks), ``rate_limit_changed(RateLimit)``,
    ``progress(int)`` (issues received), ``completed_changed(str)`` ("snapshot" or "network": the board
    holds a complete set of cards). Failures go to the reporter (source ``"refresh"``).

    ``snapshots``: where the board is saved after each load (None: nowhere). ``account``: whose board and
    stored pages this app holds for the host (None: unknown). ``check_user``: ask GitHub who is signed in
    alongside the first pages (False when the window's sign-in service asks at the same time; later
    refreshes ask whenever nobody has said who it is).
    """

    loading_changed = Signal(bool)
    refreshed = Signal(object)
    user_changed = Signal(str)
    rate_limit_changed = Signal(object)
    progress = Signal(int)
    completed_changed = Signal(str)

    def __init__(
        self,
        board: Board,
        client: GitHubClient,
        reporter: Reporter,
        scope: TaskScope,
        *,
        clock: Clock | None = None,
        overlay: Overlay | None = None,
        snapshots: SnapshotStore | None = None,
        account: str | None = None,
        check_user: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.board = board
        self.client = client
        self.reporter = reporter
        self.scope = scope
        self.clock: Clock = clock or SystemClock()
        self.snapshots = snapshots
        self.account = account
        # Ask who is signed in alongside the pages: at once without a sign-in service, else from the second
        # refresh on, should that service's check have failed (offline at start).
        self.check_user = check_user
        self._overlay: Overlay = overlay or _Nothing()
        self._fetch_mark: int | None = None  # the overlay's mark when the fetch under way began
        self._task: asyncio.Task[None] | None = None
        self._retry: asyncio.Task[None] | None = None
        self._user = ""
        self._received = 0
        self._key = board_key(board.spec)
        # What GitHub said, without the changes still in flight (those are the overlay's): what is saved.
        self._truth: dict[IssueKey, Issue] = {}
        self._complete = False
        self._marks = SyncMarks()
        self._saved_at: datetime | None = None
        self._dirty = False  # the truth changed since it was saved
        self._saving: asyncio.Task[None] | None = None
        self.offline_since: datetime | None = None
        self._failures = 0
        self.last_error: TriageboardError | None = None
        self.completed = 0  # refreshes that finished without an error
        self.source = ""  # "snapshot" or "network": where the complete board on screen came from

    @property
    def loading(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def user(self) -> str:
        return self._user

    @property
    def saved_at(self) -> datetime | None:
        """When GitHub last confirmed the board on screen (None: it never has)."""
        return self._saved_at

    def set_overlay(self, overlay: Overlay | None) -> None:
        """``overlay`` rewrites fetched issues: changes still in flight, or settled since, stay visible."""
        self._overlay = overlay or _Nothing()

    def note_rate_limit(self, state: RateLimit) -> None:
        """Called by the client with every response's rate-limit headers."""
        if state.resource in ("core", "search") and (state.resource == "core" or state.remaining < 10):
            self.rate_limit_changed.emit(state)

    # --- the saved board --------------------------------------------------------------------------------

    def adopt(self, saved: SavedBoard, *, shown: bool = False) -> None:
        """Take ``saved`` as the board's starting point: its cards (unless the caller already put them on the
        board: ``shown``), its age (said through the reporter) and its marks (the first refresh asks only for
        what changed since)."""
        self.account = saved.account
        self._truth = {issue.key: issue for issue in saved.issues}
        self._marks = saved.marks
        self._saved_at = saved.saved_at
        self._complete = True
        self._dirty = False
        if not shown:
            self.board.replace_all(self._overlay.overlay(saved.issues))
        self.source = "snapshot"
        self.refreshed.emit(saved.saved_at)
        self.reporter.info(ShowingSaved(saved.saved_at, self.clock.now()), doing=Doing.START, source=SNAPSHOT)
        self.completed_changed.emit(self.source)

    def reapply_overlay(self) -> None:
        """Show the changes still in flight on top of what GitHub said (once the outbox has been read)."""
        if self._truth:
            self.board.update(self._overlay.overlay(list(self._truth.values())))

    def set_account(self, login: str | None) -> bool:
        """GitHub said whose the token is (None: signed out). When the board on screen belongs to another
        account, it goes, and that account's saved board (if any) and a refresh follow. Returns whether the
        account changed from a known one."""
        previous = self.account
        self._user = login or ""
        if not login:
            self.account = None
            self._forget_board()
            return False
        self.account = login
        if previous is None or previous == login:
            if self._complete and self._dirty:
                self._save_soon()
            return False
        log.info("the board on screen belonged to another account; loading this account's board")
        self._forget_board()
        self.scope.spawn(self._switch(login), name="switch account")
        return True

    def _forget_board(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            self.loading_changed.emit(False)
        self._truth = {}
        self._complete = False
        self._marks = SyncMarks()
        self._saved_at = None
        self.source = ""
        self.board.clear()
        self.reporter.resolve(SNAPSHOT)

    async def _switch(self, login: str) -> None:
        saved = await self.snapshots.load(self._key, login) if self.snapshots is not None else None
        if saved is not None and self.account == login and not self._complete:
            self.adopt(saved)
        self.refresh()

    # --- refreshing -----------------------------------------------------------------------------------

    def refresh(self) -> asyncio.Task[None] | None:
        """Bring the board up to date in the background (only what changed, when the board is complete); a
        refresh already under way is not started twice."""
        if self.loading:
            return None
        retry, self._retry = self._retry, None
        if retry is not None and not retry.done() and retry is not asyncio.current_task():
            retry.cancel()
        self._task = self.scope.spawn(self._refresh_guarded(), name="refresh")
        # Said at once, as ``loading`` says it: not when the task first runs (a window asked in between
        # showed no progress for a load under way).
        self.loading_changed.emit(True)
        return self._task

    async def _refresh_guarded(self) -> None:
        try:
            await self._refresh()
        except AuthError as exc:
            self._user = ""
            self.user_changed.emit("")
            self.last_error = exc
            self.reporter.error(exc, doing=Doing.REFRESH, source=REFRESH)
        except (Offline, TimedOut) as exc:
            self.last_error = exc
            self._went_offline(exc)
        except GitHubError as exc:
            self.last_error = exc
            self.reporter.error(exc, doing=Doing.REFRESH, source=REFRESH)
        else:
            self.last_error = None
            self.completed += 1
            self.offline_since = None
            self._failures = 0
        finally:
            self.check_user = True
            self.loading_changed.emit(False)

    async def _refresh(self) -> None:
        if self.check_user and not self._user:
            async with asyncio.TaskGroup() as group:
                user = group.create_task(self.client.current_user())
                group.create_task(self._sync())
            login = user.result().login
            self.user_changed.emit(login)
            # GitHub answered who is signed in: "not signed in" or "could not check who" is over.
            self.reporter.resolve(Source.AUTH)
            if self.account is not None and self.account != login:
                # The board on screen is another account's: it goes once this refresh has ended.
                asyncio.get_running_loop().call_soon(self.set_account, login)
                return
            self.set_account(login)
        else:
            await self._sync()
        # Take the last failure's message down first: it must not take these notices with it.
        self.reporter.resolve(REFRESH)
        self.reporter.resolve(SNAPSHOT)
        assert self._saved_at is not None
        self.refreshed.emit(self._saved_at)

    async def _sync(self) -> None:
        started = self.clock.now()
        if not self._complete or needs_full(
            self.board.spec, self._marks.since, self._marks.full_at, started.timestamp()
        ):
            self._received = 0
            self.progress.emit(0)
        known = self._truth if self._complete else None
        self._fetch_mark = mark = self._overlay.mark()
        synced = await sync_board(
            self.client,
            self.board.spec,
            known,
            self._marks.since,
            self._marks.full_at,
            on_page=self._take_page,
        )
        self._dirty = self._dirty or synced.issues != self._truth
        self._truth = synced.issues
        if synced.changed is None:
            self.board.replace_all(self._overlay.overlay(list(synced.issues.values()), mark))
        elif synced.changed:
            self.board.update(self._overlay.overlay(synced.changed, mark))
        self._complete = True
        self._marks = SyncMarks(synced.full_at, synced.marks)
        self._saved_at = started
        if self.source != "network":  # what is on screen is now what GitHub says
            self.source = "network"
            self.completed_changed.emit(self.source)
        for fact in synced.notices:
            self.reporter.warning(fact, doing=Doing.REFRESH)
        self._save_soon()

    def _take_page(self, issues: list[Issue]) -> None:
        self.board.update(self._overlay.overlay(issues, self._fetch_mark))
        self._received += len(issues)
        self.progress.emit(self._received)

    # --- saving -------------------------------------------------------------------------------------

    def _save_soon(self) -> None:
        """Save the board for the next start, in a worker thread, after the one being saved (if any)."""
        if self.snapshots is None or self.account is None or self._saved_at is None:
            return
        previous = self._saving
        self._saving = self.scope.spawn(self._save(previous), name="save board")

    async def flush(self, seconds: float = 5.0) -> None:
        """Wait (at most ``seconds``) until the board is saved: a session ends without losing it."""
        task = self._saving
        if task is not None and not task.done():
            done, _ = await asyncio.wait((task,), timeout=seconds)
            if not done:
                log.warning("the board could not be saved in time; the next start loads it again")

    async def _save(self, previous: asyncio.Task[None] | None) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait((previous,))
        if self.snapshots is None or self.account is None or self._saved_at is None:
            return
        if self._dirty:
            self._dirty = False
            saved = SavedBoard(
                self._key, self.account, self._saved_at, list(self._truth.values()), self._marks
            )
            await self.snapshots.save(saved)
        else:
            await self.snapshots.touch(self._key, self.account, self._saved_at, self._marks)

    # --- offline ---------------------------------------------------------------------------------------

    def _went_offline(self, exc: Offline | TimedOut) -> None:
        now = self.clock.now()
        if self.offline_since is None:
            self.offline_since = now
        delay = min(RETRY_MAX, RETRY_FIRST * 2.0**self._failures)
        self._failures += 1
        retry_at = datetime.fromtimestamp(self.clock.time() + delay, now.tzinfo)
        fact = OfflineSince(host_of(self.client.api_url), self.offline_since, exc, self._saved_at, retry_at)
        self.reporter.resolve(SNAPSHOT)
        self.reporter.warning(fact, doing=Doing.REFRESH, source=REFRESH)
        self._retry = self.scope.spawn(self._retry_after(delay), name="retry refresh")

    async def _retry_after(self, seconds: float) -> None:
        await self.clock.sleep(seconds)
        if self.offline_since is not None and not self.loading:
            self.refresh()
