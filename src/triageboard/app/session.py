"""One open board: the one place where the client, the board, the services and the window are wired.

Building a :class:`Session` starts nothing; :meth:`Session.start` shows the window and starts the work (in
the session's task scope); :meth:`Session.aclose` stops exactly what the session started and closes its
files. Everything any layer reports goes through the session's reporter, buffered until the window
connects, so nothing said while the session is built is lost.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
from PySide6.QtCore import QObject, QSettings, QTimer

from ..auth import Credentials
from ..board import Board, BoardSpec, Issue, IssueKey, Meeting
from ..clock import Clock, SystemClock
from ..errors import StoreError
from ..github import GitHubClient, MemoryPageCache, PageCache, Policy, RateLimit, host_of
from ..moves import MoveEngine
from ..reporting import Doing, Reporter
from ..services import (
    AssigneeService,
    AuthService,
    BoardService,
    DetailsService,
    MeetingService,
    MoveService,
    TimelineService,
)
from ..store import Journal, Outbox, TimelineStore
from ..store.snapshots import Account, SavedBoard, SnapshotStore
from ..tasks import CrashHandler, TaskScope
from ..ui.meeting import MeetingView
from ..ui.minutes import open_minutes
from ..ui.window import MainWindow
from ..wording import Front, describe
from .settings import window_settings

log = logging.getLogger(__name__)


class Session(QObject):
    """``credentials`` supply the token per request (``credentials.token``), so signing in again rebuilds
    nothing. ``sign_in``: offer the Account menu (not for the demo, whose token comes from its sandbox).
    Raises ``StoreError`` when the outbox cannot be opened (nothing may start without it).

    ``board`` and ``window``: made (and painted) before the session, when the start painted a saved board
    first (``saved``); ``outbox``: opened already (in a worker thread), else ``outbox_path`` is opened.
    ``snapshots``: where the board is saved for the next start; ``account``: who last used this host (whose
    stored pages these are: they are cleared only when another account signs in)."""

    def __init__(
        self,
        spec: BoardSpec,
        http: httpx.AsyncClient,
        credentials: Credentials,
        *,
        outbox_path: Path,
        journal_path: Path | None = None,
        page_cache: PageCache | None = None,
        sign_in: bool = False,
        client_id: str | None = None,
        gh: str | None = None,
        policy: Policy | None = None,
        clock: Clock | None = None,
        reporter: Reporter | None = None,
        on_crash: CrashHandler | None = None,
        auto_refresh: float = 0.0,
        settings: QSettings | None = None,
        timelines_path: Path | None = None,
        board: Board | None = None,
        window: MainWindow | None = None,
        snapshots: SnapshotStore | None = None,
        account: Account | None = None,
        saved: SavedBoard | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.credentials = credentials
        self.clock: Clock = clock or SystemClock()
        self.reporter = reporter or Reporter()
        self.scope = TaskScope(on_crash) if on_crash is not None else TaskScope()
        self.board = board if board is not None else Board(spec)
        self.snapshots = snapshots
        self._cache_owner = account.login if account is not None else None
        self.page_cache = page_cache if page_cache is not None else MemoryPageCache()
        if self.page_cache.notice is not None:  # a damaged cache was set aside: nothing lost, but say so
            self.reporter.warning(self.page_cache.notice)
        self.client = GitHubClient(
            http,
            spec.api_url,
            credentials.token,
            cache=self.page_cache,
            policy=policy,
            clock=self.clock,
            on_rate_limit=self._on_rate_limit,
        )
        self.outbox = outbox if outbox is not None else Outbox(outbox_path, clock=self.clock)
        if self.outbox.notice is not None:
            self.reporter.warning(self.outbox.notice)
        self.engine = MoveEngine(self.client, self.outbox)
        # The meeting journal sits beside the outbox (a demo's in its scratch folder); without it the board
        # still works, only meetings cannot be kept.
        self.journal: Journal | None = None
        try:
            self.journal = Journal(
                journal_path or outbox_path.with_name("meetings.sqlite3"), clock=self.clock
            )
        except StoreError as exc:
            self.reporter.error(exc)
        else:
            if self.journal.notice is not None:
                self.reporter.warning(self.journal.notice)
        self.board_service = BoardService(
            self.board,
            self.client,
            self.reporter,
            self.scope,
            clock=self.clock,
            snapshots=snapshots,
            account=account.login if account is not None and account.signed_in else None,
            check_user=not sign_in,
        )
        self.move_service = MoveService(self.board, self.engine, self.reporter, self.scope)
        self.board_service.set_overlay(self.move_service)
        self.details = DetailsService(self.client, self.scope)
        self._fresh_marks: dict[IssueKey, int] = {}  # move_service.mark() as a settled card is read again
        self._read_after: dict[IssueKey, int] = {}  # the last such mark per card
        self.assignees = AssigneeService(self.client, self.reporter, self.scope, self.clock)
        self.meetings = MeetingService(
            self.board,
            self.move_service,
            self.journal,
            self.reporter,
            self.scope,
            self.clock,
            api_url=spec.api_url,
        )
        # Time in a column: timelines on a client of their own (the same HTTP client, token, policy and
        # clock), whose page cache is the timeline store (``timelines_path``; None: this session only), so
        # reading them never holds up a move or a refresh.
        self.timelines = self._open_timelines(timelines_path)
        pages = self.timelines.pages(self.client.api_url) if self.timelines is not None else None
        self.timeline_client = GitHubClient(
            http,
            spec.api_url,
            credentials.token,
            cache=pages,
            policy=policy,
            clock=self.clock,
            on_rate_limit=self._on_rate_limit,
        )
        self.timeline_service = TimelineService(
            self.board,
            self.timeline_client,
            self.reporter,
            self.scope,
            store=self.timelines,
            pages=pages,
            clock=self.clock,
        )
        self.auth: AuthService | None = None
        if sign_in:
            self.auth = AuthService(
                credentials,
                http,
                self.reporter,
                self.scope,
                repos=spec.repos,
                client_id=client_id,
                policy=policy,
                clock=self.clock,
                gh=gh,
            )
        if window is None:
            window = MainWindow(self.board, settings=settings if settings is not None else window_settings())
        self.window = window
        self.meeting_view = MeetingView(self.board, self.window.assignable_users, self.window)
        self._meeting_wanted = False
        self.closed = asyncio.Event()
        self._prepared = False
        # Others triage too: refetch every ``auto_refresh`` seconds (free with ETags: 304s cost nothing).
        self.auto_refresh = QTimer(self)
        self.auto_refresh.setInterval(int(auto_refresh * 1000))
        self.auto_refresh.timeout.connect(self._refresh_now)
        self._disconnect_reports = self.reporter.connect(self.window.reports)
        self._wire()
        if saved is not None:
            self.board_service.adopt(saved, shown=board is not None)

    # --- wiring: every connection between the parts, in one place ------------------------------------

    def _wire(self) -> None:
        window, boards, moves = self.window, self.board_service, self.move_service
        moves.defer = window.after_paint  # a request is saved (and the engine woken) after its paint
        window.refresh_requested.connect(boards.refresh)
        window.move_requested.connect(moves.request_move)
        window.bulk_move_requested.connect(self._bulk_move)
        moves.batch_progress.connect(window.bulk.on_progress)
        window.bulk.cancel_requested.connect(self._cancel_bulk)
        window.comments_wanted.connect(self._comments_wanted)
        window.card_settled.connect(self._card_settled)
        self.details.comments_loaded.connect(window.details.show_comments)
        self.details.comments_failed.connect(
            lambda key, error: window.details.show_comments_failed(key, describe(error, Front.WINDOW))
        )
        self.details.issue_loaded.connect(self._fresh_issue)
        window.undo_requested.connect(lambda: self._track(moves.undo(), "back"))
        window.redo_requested.connect(lambda: self._track(moves.redo(), "again"))
        window.closed.connect(self.closed.set)
        boards.loading_changed.connect(window.on_loading)
        boards.loading_changed.connect(self._on_loading)
        boards.progress.connect(window.on_progress)
        boards.refreshed.connect(window.on_refreshed)
        boards.user_changed.connect(window.set_user)
        boards.rate_limit_changed.connect(window.set_rate_limit)
        moves.pending_changed.connect(window.set_pending)
        moves.waiting_changed.connect(window.set_waiting)
        # Who is signed in: whose timelines are read and kept, who a claim through the bot is for.
        boards.user_changed.connect(self.timeline_service.set_account)
        # Time in a column: the cards on screen are read first; what is read shows on the cards.
        window.card_state.shown_changed.connect(self.timeline_service.show)
        window.card_state.wanted.connect(self.timeline_service.want)
        self.timeline_service.since_changed.connect(window.card_state.set_in_column)
        boards.user_changed.connect(moves.set_user)
        boards.refreshed.connect(self._recheck_permissions)
        # What the account may do: moves it cannot make are disabled before they are tried, and those
        # through @rustbot say so; what happened to a card is announced (assistive technology, status bar).
        window.set_routes(moves)
        moves.permissions_changed.connect(window.permissions_changed)
        moves.changed.connect(window.on_card_changed)
        window.fix_requested.connect(moves.request)
        moves.undo_available.connect(window.undo_action.setEnabled)
        moves.redo_available.connect(window.redo_action.setEnabled)
        window.undo_action.setEnabled(False)
        window.redo_action.setEnabled(False)
        self._wire_meeting()
        help_menu = window.menuBar().addMenu("&Help")
        help_menu.addAction("&About triageboard", self._about)
        if self.auth is not None:
            self._wire_auth(self.auth)
        # The board service may learn who is signed in itself (no sign-in service, or its check failed):
        # whose pages and board these are.
        boards.user_changed.connect(lambda login: self._account_changed(login) if login else None)

    def _bulk_move(self, moves: list[tuple[IssueKey, str]], target: str) -> None:
        self._track(self.move_service.request_bulk(moves), f"to {target}" if target else "")

    def _track(self, batch: int | None, where: str) -> None:
        """Several cards on their way (a bulk move, or the undo or redo of one): progress and Cancel."""
        if batch is not None:
            self.window.bulk.track(batch, self.move_service.batch_total(batch), where)

    def _cancel_bulk(self, batch: int) -> None:
        async def cancel() -> None:
            try:
                taken = await self.move_service.cancel_batch(batch)
            except StoreError as exc:  # the outbox could not be changed: nothing was taken back
                self.reporter.error(exc, doing=Doing.MOVE)
                self.window.bulk.cancel_failed(batch)
            else:
                self.window.bulk.cancelled(batch, len(taken))

        self.scope.spawn(cancel(), name="cancel bulk move")

    def _comments_wanted(self, key: IssueKey) -> None:
        """The details pane shows ``key``: its comments; read it again first when a write of it settled
        since it was last read (a label write's answer lacks the new "updated" time)."""
        issue = self.board.get(key)
        if issue is None or self.scope.closed:
            return
        settled = self.move_service.settled_at(key)
        if settled is not None and settled > self._read_after.get(key, -1) and not self.board.is_pending(key):
            self._card_settled(key)
        else:
            self.details.load_comments(issue)

    def _card_settled(self, key: IssueKey) -> None:
        if not self.scope.closed:
            mark = self.move_service.mark()
            self._fresh_marks[key] = self._read_after[key] = mark
            self.details.refresh(key)

    def _fresh_issue(self, issue: Issue) -> None:
        """An issue read again after its move settled: the board (and the details pane) show it as GitHub
        has it now, unless another change of it is on its way (that one settles it) or settled since."""
        mark = self._fresh_marks.pop(issue.key, None)
        if issue.key in self.board and not self.board.is_pending(issue.key):
            self.board.update(self.move_service.overlay([issue], fetched_after=mark))

    def _wire_meeting(self) -> None:
        window, view, meetings, users = (
            self.window,
            self.meeting_view,
            self.meetings,
            self.window.assignable_users,
        )
        window.assign_requested.connect(
            lambda key, login, add: self.move_service.request_assignment(key, login, add=add)
        )
        users.wanted.connect(self.assignees.load)
        self.assignees.loaded.connect(users.set_logins)
        self.board_service.user_changed.connect(self._user_changed)
        self.board_service.refreshed.connect(lambda _when: meetings.board_refreshed())
        window.meeting_requested.connect(self._open_meeting)
        window.minutes_requested.connect(meetings.request_minutes)
        meetings.meeting_changed.connect(self._meeting_changed)
        meetings.minutes_ready.connect(self._show_minutes)
        meetings.since_changed.connect(window.set_since_meeting)
        meetings.since_changed.connect(view.set_since)
        view.decision_requested.connect(meetings.decide)
        view.undo_requested.connect(meetings.undo)
        view.minutes_requested.connect(meetings.request_minutes)
        view.end_requested.connect(meetings.end)
        view.open_requested.connect(window.open_url)

    def _user_changed(self, login: str) -> None:
        self.meeting_view.me = login
        self.meetings.set_account(login)

    def _open_meeting(self) -> None:
        self._meeting_wanted = True
        self.meetings.open()

    def _meeting_changed(self, meeting: Meeting | None) -> None:
        self.meeting_view.show_meeting(meeting)
        if meeting is None:
            self.meeting_view.hide()
        elif self._meeting_wanted:
            self._meeting_wanted = False
            self.meeting_view.open_meeting()

    def _show_minutes(self, text: str) -> None:
        view = self.meeting_view
        parent = view if view.isVisible() else self.window
        open_minutes(text, f"triage-{self.spec.name}-{self.clock.now():%Y-%m-%d}.md", parent)

    def _wire_auth(self, auth: AuthService) -> None:
        window = self.window
        auth.user_changed.connect(window.set_user)
        # Stored pages belong to the account that fetched them; queued changes may go out again.
        auth.user_changed.connect(self._account_changed)
        auth.user_changed.connect(self.timeline_service.set_account)
        auth.user_changed.connect(self.move_service.set_user)
        auth.signed_in.connect(lambda _login: self.board_service.refresh())
        # A token at start: the board loads alongside the check of whose it is (one GET /user).
        auth.token_found.connect(self.board_service.refresh)
        # No usable token at start: the reason is in the message bar; offer the dialog at once.
        auth.sign_in_needed.connect(self._sign_in)
        menu = window.account_menu
        menu.menuAction().setVisible(True)
        menu.addAction("Sign &in…", self._sign_in)
        menu.addAction("Import token from &gh CLI…", self._gh_import)
        sign_out = menu.addAction("Sign &out", auth.sign_out)
        sign_out.setEnabled(False)
        auth.user_changed.connect(lambda login: sign_out.setEnabled(bool(login)))

    # The dialogs are imported on first use: a start paints the board without them.
    def _about(self) -> None:
        from ..ui.about import show_about

        show_about(self.window)

    def _sign_in(self) -> None:
        from ..ui.signin import open_sign_in

        assert self.auth is not None
        open_sign_in(self.auth, self.window)

    def _gh_import(self) -> None:
        from ..ui.signin import open_gh_import

        assert self.auth is not None
        open_gh_import(self.auth, self.window)

    def _account_changed(self, login: str) -> None:
        self._user_changed(login)
        host = host_of(self.spec.api_url)
        if login:
            self.move_service.resume()
            # Stored pages belong to the account that fetched them: kept across starts, cleared only when
            # another account signs in (another account may see other data behind the same URLs).
            if self._cache_owner is not None and self._cache_owner != login:
                self.scope.spawn(self.page_cache.clear(), name="clear page cache")
            self._cache_owner = login
            self._remember(host, Account(login))
        elif self._cache_owner is not None:
            # Signed out: the next start paints nothing before a sign-in.
            self._remember(host, Account(self._cache_owner, signed_in=False))
        # Signed out: the previous account's cards (maybe from private repositories) leave the screen;
        # another account: its own board replaces them.
        self.board_service.set_account(login or None)

    def _remember(self, host: str, account: Account) -> None:
        if self.snapshots is not None:
            self.scope.spawn(self.snapshots.set_account(host, account, self.clock.time()), name="remember")

    def _on_rate_limit(self, state: RateLimit) -> None:
        self.board_service.note_rate_limit(state)

    def _on_loading(self, loading: bool) -> None:
        if self.scope.closed:
            return  # a refresh cancelled while the session closes
        if not loading and not self._prepared and len(self.board):
            # Permissions and column labels are read once the repositories on the board are known.
            self._prepared = True
            self.move_service.prepare()

    def _recheck_permissions(self, _when: object) -> None:
        """After each refresh, GitHub is asked again what the account was refused (a role granted)."""
        if self._prepared:
            self.move_service.recheck()

    def _open_timelines(self, path: Path | None) -> TimelineStore | None:
        if path is None:
            return None
        try:
            store = TimelineStore(path)
        except (StoreError, OSError) as exc:  # only a cache: the board goes on without it
            log.warning("timeline cache unavailable: %s", exc)
            return None
        if store.notice is not None:
            self.reporter.warning(store.notice)
        return store

    def _refresh_now(self) -> None:
        """A timed refresh: only when signed in and nothing is loading (a manual F5 may be under way)."""
        signed_in = self.auth is None or bool(self.credentials.token())
        if signed_in and not self.board_service.loading:
            self.board_service.refresh()

    # --- life ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Show the window at once (a saved board is on it already); then the token, and the first fetch
        alongside the check of whose the token is (columns fill as it runs)."""
        self.window.show()
        if self.auth is not None:
            # Without a token a fetch would only add a bare 401: the board loads once the sign-in service
            # has found one (token_found), or after a sign-in (signed_in).
            self.auth.start()
        else:
            self.board_service.refresh()
        if self.board_service.source == "snapshot":
            # Moves still in the outbox show on the saved cards too.
            await self.engine.load()
            self.board_service.reapply_overlay()
        self.move_service.start()
        self.timeline_service.start()
        if self.auto_refresh.interval() > 0:
            self.auto_refresh.start()

    async def aclose(self) -> None:
        """Stop everything this session started; the caller closes the HTTP client afterwards."""
        self.closed.set()
        self.auto_refresh.stop()
        if self.window.isVisible():
            self.window.close()
        self.meeting_view.close()
        await self.move_service.saves_done()
        await self.board_service.flush()
        await self.scope.aclose()
        await self.timeline_service.aclose()
        self._disconnect_reports()
        self.outbox.close()
        if self.journal is not None:
            self.journal.close()
        if self.timelines is not None:
            self.timelines.close()
        if self.snapshots is not None:
            await asyncio.to_thread(self.snapshots.close)  # it checkpoints the file: not on the UI thread
