"""The one wiring point: QApplication, the qasync loop, one httpx client, the services and the window.

``run(args, spec)`` is what ``triageboard`` (no subcommand) calls. :class:`Session` holds everything one
open board needs and closes it in order; tests build a Session on pytest-qt's QApplication.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.handlers
import os
import sys
import tempfile
import traceback
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx
from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from . import APP_ID, APP_NAME, options, paths
from .auth import Credentials, TokenRedactingFilter, redact
from .board import Board, BoardSpec
from .github import GitHubClient, MemoryPageCache, PageCache, Policy, RateLimit
from .logs import StderrHandler
from .loop import EventLoop
from .moves import MoveEngine
from .sandbox import Sandbox
from .services import BoardService
from .services.auth_service import AuthService
from .services.moves import MoveService
from .store import Outbox, SQLitePageCache, StoreError
from .ui.about import show_about
from .ui.signin import open_gh_import, open_sign_in
from .ui.window import MainWindow

log = logging.getLogger(__name__)

DEMO_SEED = 1


def display_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no window can open here (Linux without a display), as one line that says how to fix it."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "triageboard: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); run it in a "
        "desktop session, or under a virtual display with 'xvfb-run triageboard ...', or headless with "
        "QT_QPA_PLATFORM=offscreen."
    )


def time_scale(environ: Mapping[str, str] = os.environ) -> float:
    """``options.time_scale``, except that the window ignores a bad value (the CLI reports it)."""
    try:
        return options.time_scale(environ)
    except options.UsageError:
        return 1.0


def window_settings() -> QSettings:
    """Window geometry and splitter sizes, in the per-user config folder; never a token."""
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)


class Session(QObject):
    """One open board: client, board, services and window, wired together; ``aclose()`` undoes it all.

    ``credentials`` supply the token per request (``credentials.token``), so signing in again rebuilds
    nothing. ``auth`` is None for the demo, whose token comes from the embedded sandbox.
    """

    def __init__(
        self,
        spec: BoardSpec,
        http: httpx.AsyncClient,
        credentials: Credentials,
        *,
        outbox_path: Path,
        page_cache: PageCache | None = None,
        auth: AuthService | None = None,
        policy: Policy | None = None,
        auto_refresh: float = 0.0,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.credentials = credentials
        self.auth = auth
        self.board = Board(spec)
        self.page_cache = page_cache if page_cache is not None else MemoryPageCache()
        self.client = GitHubClient(
            http,
            spec.api_url,
            credentials.token,
            cache=self.page_cache,
            policy=policy or Policy(time_scale=time_scale()),
            on_rate_limit=self._on_rate_limit,
        )
        self.board_service = BoardService(self.board, self.client)
        self.outbox = Outbox(outbox_path)
        self.engine = MoveEngine(self.client, self.outbox)
        self.move_service = MoveService(self.board, self.engine)
        self.board_service.set_overlay(self.move_service.overlay)
        self.window = MainWindow(
            self.board, self.board_service, self.move_service, settings=window_settings()
        )
        self.closed = asyncio.Event()
        self._prepared = False
        # Others triage too: refetch every ``auto_refresh`` seconds (free with ETags: 304s cost nothing).
        self.auto_refresh = QTimer(self)
        self.auto_refresh.setInterval(int(auto_refresh * 1000))
        self.auto_refresh.timeout.connect(self._refresh_now)

        moves = self.move_service
        moves.move_failed.connect(lambda text: self.window.show_message("error", text))
        moves.pending_changed.connect(self.window.set_pending)
        moves.status.connect(self.window.set_move_status)
        moves.undo_available.connect(self.window.undo_action.setEnabled)
        moves.redo_available.connect(self.window.redo_action.setEnabled)
        self.window.undo_action.setEnabled(False)
        self.window.redo_action.setEnabled(False)
        self.window.set_pending(moves.pending_count())
        self.board_service.loading_changed.connect(self._on_loading)
        self.window.closed.connect(self.closed.set)
        cache_notice = self.page_cache.notice
        if cache_notice:  # a damaged cache was moved aside: nothing is lost, but say what happened
            self.window.show_message("warning", cache_notice)
        help_menu = self.window.menuBar().addMenu("&Help")
        help_menu.addAction("&About triageboard", lambda: show_about(self.window))
        if auth is not None:
            self._wire_auth(auth)

    def _wire_auth(self, auth: AuthService) -> None:
        window = self.window
        auth.user_changed.connect(window.set_user)
        auth.error.connect(lambda text: window.show_message("error", text))
        auth.notice.connect(lambda text: window.show_message("warning", text))
        # Stored pages belong to the account that fetched them; queued moves may go out again.
        auth.user_changed.connect(lambda _login: self.page_cache.clear())
        auth.user_changed.connect(lambda login: self.move_service.resume() if login else None)
        # Signed out: the previous account's cards (maybe from private repositories) leave the screen.
        auth.user_changed.connect(lambda login: None if login else self.board.clear())
        auth.signed_in.connect(lambda _login: window.refresh())
        # No usable token at start: the reason is in the message bar; offer the dialog at once.
        auth.sign_in_needed.connect(lambda _text: open_sign_in(auth, window))
        menu = window.account_menu
        menu.menuAction().setVisible(True)
        menu.addAction("Sign &in…", lambda: open_sign_in(auth, window))
        menu.addAction("Import token from &gh CLI…", lambda: open_gh_import(auth, window))
        sign_out = menu.addAction("Sign &out", auth.sign_out)
        sign_out.setEnabled(False)
        auth.user_changed.connect(lambda login: sign_out.setEnabled(bool(login)))

    def _on_rate_limit(self, state: RateLimit) -> None:
        self.board_service.note_rate_limit(state)

    def _on_loading(self, loading: bool) -> None:
        if not loading and not self._prepared and len(self.board):
            # Permissions and column labels are read once the repositories on the board are known.
            self._prepared = True
            self.move_service.prepare()

    def _refresh_now(self) -> None:
        """A timed refresh: only when signed in and nothing is loading (a manual F5 may be under way)."""
        signed_in = self.auth is None or bool(self.credentials.token())
        if signed_in and not self.board_service.loading:
            self.window.refresh()

    async def start(self) -> None:
        """Show the window at once; then sign-in state, and the first fetch (columns fill as it runs)."""
        self.window.show()
        if self.auth is not None:
            await self.auth.start()
        self.move_service.start()
        if self.auth is None or self.credentials.token():
            # Without a token a fetch would only add a bare 401; signing in refreshes (signed_in).
            self.window.refresh()
        if self.auto_refresh.interval() > 0:
            self.auto_refresh.start()

    async def aclose(self) -> None:
        """Stop everything this session started; the caller closes the HTTP client afterwards."""
        self.closed.set()
        self.auto_refresh.stop()
        if self.window.isVisible():
            self.window.close()
        await self.move_service.aclose()
        if self.auth is not None:
            await self.auth.aclose()
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self.outbox.close()


# --- process-level concerns: display, logging, crash handler, the loop ---------------------------------


def setup_logging(verbose: int) -> Path | None:
    """Log to the per-user log directory (rotated) and warnings to stderr; tokens are masked in both."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    # qasync logs every background thread's result at DEBUG; a keyring read must never reach a log.
    logging.getLogger("qasync").setLevel(logging.INFO)
    console = StderrHandler(
        logging.WARNING if verbose == 0 else logging.DEBUG if verbose >= 2 else logging.INFO
    )
    root.addHandler(console)
    try:
        path = paths.log_dir() / "triageboard.log"
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        log.warning("cannot write the log file (%s); logging to the terminal only", exc)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenRedactingFilter())
    root.addHandler(handler)
    return path


class CrashHandler:
    """``sys.excepthook``: log the traceback (tokens masked) and tell the user in the window."""

    def __init__(self, log_path: Path | None) -> None:
        self.log_path = log_path
        self.window: MainWindow | None = None

    def __call__(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        text = redact("".join(traceback.format_exception(kind, exc, tb)))
        log.error("unexpected error:\n%s", text)
        where = f" Details are in {self.log_path}." if self.log_path else ""
        summary = redact(f"{kind.__name__}: {exc}")
        message = (
            f"Something went wrong inside triageboard ({summary}).{where} Your moves are kept in the outbox; "
            "if the window misbehaves, restart it, and please report the problem with the log."
        )
        if self.window is not None:
            self.window.show_message("error", message)
        else:
            print(message, file=sys.stderr)


def _demo_sandbox() -> Sandbox:
    return Sandbox(seed=DEMO_SEED, auto_approve_after_polls=1)


async def _run_session(
    args: argparse.Namespace, spec: BoardSpec, crash: CrashHandler, exit_after: float | None = None
) -> int:
    sandbox: Sandbox | None = None
    scratch: str | None = None
    async with contextlib.AsyncExitStack() as stack:
        if args.demo:
            sandbox = stack.enter_context(_demo_sandbox())
            spec = spec.with_sources(api_url=sandbox.api_url)
            # The demo's outbox is thrown away with the demo server.
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="triageboard-demo-"))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=httpx.Timeout(30.0)))
        credentials = Credentials(spec.api_url, environ={} if sandbox is not None else None)
        auth: AuthService | None = None
        page_cache: PageCache | None = None
        if sandbox is not None:
            credentials.use(sandbox.token, "demo sandbox")
            outbox_path = Path(str(scratch)) / "outbox.sqlite3"
        else:
            auth = AuthService(credentials, http, repos=spec.repos, policy=Policy(time_scale=time_scale()))
            outbox_path = paths.outbox_path()
            try:
                cache = SQLitePageCache(paths.page_cache_path())
                stack.callback(cache.close)
                page_cache = cache
            except StoreError as exc:
                log.warning("page cache unavailable: %s", exc)
        session = Session(
            spec,
            http,
            credentials,
            outbox_path=outbox_path,
            page_cache=page_cache,
            auth=auth,
            auto_refresh=60.0 * getattr(args, "refresh_minutes", 0.0),
        )
        crash.window = session.window
        outcome = 0
        try:
            await session.start()
            if exit_after is None:
                await session.closed.wait()
            else:
                outcome = await _close_after(session, exit_after)
        finally:
            crash.window = None
            await session.aclose()
    return outcome


def exit_after_seconds(environ: Mapping[str, str] = os.environ) -> float | None:
    """``TRIAGEBOARD_EXIT_AFTER=N``: close the window after N seconds (smoke tests of a built bundle)."""
    value = environ.get("TRIAGEBOARD_EXIT_AFTER")
    if value is None or not value.strip():
        return None
    seconds = float(value)  # ValueError is reported by run()
    if not seconds > 0:
        raise ValueError(value)
    return seconds


async def _close_after(session: Session, seconds: float) -> int:
    """Wait, close through the normal path, and say how the first load went (0 only with cards shown)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(session.closed.wait(), seconds)
    service = session.board_service
    loaded = service.completed > 0 and service.last_error is None and len(session.board) > 0
    count = len(session.board)
    print(
        f"triageboard: TRIAGEBOARD_EXIT_AFTER={seconds:g}: closing; {count} issues on the board",
        file=sys.stderr,
    )
    if not loaded:
        reason = service.last_error or "the first load did not finish in time"
        print(f"triageboard: the board did not load: {redact(reason)}", file=sys.stderr)
        return 3
    return 0


def run(args: argparse.Namespace, spec: BoardSpec) -> int:
    """Open the board window; returns the process exit code."""
    problem = display_problem(os.environ)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        exit_after = exit_after_seconds()
    except ValueError:
        print("triageboard: TRIAGEBOARD_EXIT_AFTER must be a number of seconds above 0", file=sys.stderr)
        return 2
    root = logging.getLogger()
    handlers_before, level_before = list(root.handlers), root.level
    log_path = setup_logging(getattr(args, "verbose", 0))
    try:
        return _run_app(args, spec, log_path, exit_after)
    finally:
        # Leave logging as it was found (the process may go on: tests, an embedding script).
        for handler in [h for h in root.handlers if h not in handlers_before]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level_before)


def _run_app(
    args: argparse.Namespace, spec: BoardSpec, log_path: Path | None, exit_after: float | None
) -> int:
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("TriageBoard")
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)  # the session ends when its window closes, then the loop
    with contextlib.suppress(Exception):
        from .resources import app_icon

        app.setWindowIcon(app_icon())
    crash = CrashHandler(log_path)
    previous_hook = sys.excepthook
    sys.excepthook = crash
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(_run_session(args, spec, crash, exit_after)))
    except StoreError as exc:
        # The outbox cannot be opened (newer version, locked, unreadable): nothing may start without it.
        print(f"triageboard: {exc}", file=sys.stderr)
        if exit_after is None:  # an unattended smoke run has nobody to click the dialog away
            QMessageBox.critical(None, "triageboard cannot start", str(exc))
        return 1
    finally:
        sys.excepthook = previous_hook
        loop.close()
        asyncio.set_event_loop(None)
