"""The window front end: ``run(args)`` sets up the process (display check, logging, QApplication, the
qasync loop, the crash handler), opens one :class:`~triageboard.app.session.Session` and closes everything
on quit.

A start paints the last board before anything else: the saved board is read in a worker thread while Qt
starts, put on screen, and only then are the event loop, the HTTP stack and the sign-in machinery loaded to
revalidate it. With ``TRIAGEBOARD_EXIT_WHEN_PAINTED=1`` the window exits (0) as soon as a complete board is
painted (from the snapshot when there is one, else after the first full load), or with 3 when that load
fails: a benchmark can wait for "the board is on screen".
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import APP_ID, paths
from ..board import BoardSpec
from ..errors import ConfigError, StoreError, TriageboardError
from ..reporting import Reporter
from ..runtime import logs
from ..runtime.crash import CrashHandler
from ..wording import Front, describe

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtWidgets import QApplication

    from ..board import Board
    from ..clock import Clock
    from ..store.outbox import Outbox
    from ..store.pages import SQLitePageCache
    from ..store.snapshots import Account, SavedBoard, SnapshotStore
    from ..ui.window import MainWindow
    from .session import Session

log = logging.getLogger(__name__)

DEMO_SEED = 1
EXIT_AFTER_ENV = "TRIAGEBOARD_EXIT_AFTER"
EXIT_WHEN_PAINTED_ENV = "TRIAGEBOARD_EXIT_WHEN_PAINTED"
EXIT_LOAD_FAILED = 3
# Bounded waits of the start: the stores' worker thread, and the first paint of a saved board.
OPEN_STORES_WAIT = 10.0
FIRST_PAINT_WAIT_MS = 10_000
_IMPORTED = time.monotonic()


def seconds_since_start() -> float:
    """Seconds since this process started (Linux: from /proc), else since triageboard was imported."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as uptime:
            up = float(uptime.read().split()[0])
        return max(0.0, up - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


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


def exit_after_seconds(environ: Mapping[str, str] = os.environ) -> float | None:
    """``TRIAGEBOARD_EXIT_AFTER=N``: close the window after N seconds (smoke tests of a built bundle)."""
    value = environ.get(EXIT_AFTER_ENV)
    if value is None or not value.strip():
        return None
    seconds = float(value)  # ValueError is reported by run()
    if not seconds > 0:
        raise ValueError(value)
    return seconds


def exit_when_painted(environ: Mapping[str, str] = os.environ) -> bool:
    """``TRIAGEBOARD_EXIT_WHEN_PAINTED=1``: exit as soon as a complete board is on screen (benchmarks)."""
    return environ.get(EXIT_WHEN_PAINTED_ENV, "").strip() not in ("", "0")


def run(args: argparse.Namespace) -> int:
    """Open the board window; returns the process exit code."""
    from ..cli.parser import resolve_board

    problem = display_problem(os.environ)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        exit_after = exit_after_seconds()
    except ValueError:
        print(f"triageboard: {EXIT_AFTER_ENV} must be a number of seconds above 0", file=sys.stderr)
        return 2
    try:
        spec = resolve_board(args)
        _check_time_scale()
    except ConfigError as exc:
        print(f"triageboard: {describe(exc, Front.CLI)}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the test-mode time scale
        print(f"triageboard: {exc}", file=sys.stderr)
        return 2
    # The stores open in a worker thread while Qt starts: SQLite never waits on the UI thread.
    stores = None if args.demo else _Stores(spec)
    configured = logs.configure(getattr(args, "verbose", 0), log_dir=paths.log_dir)
    try:
        return _run_app(args, spec, stores, configured.path, exit_after, exit_when_painted())
    finally:
        configured.undo()
        if stores is not None:
            stores.close_unused()


def _check_time_scale() -> None:
    """A wrong TRIAGEBOARD_TIME_SCALE stops the start at once (ValueError), before any window."""
    from ..clock import TIME_SCALE_ENV

    if os.environ.get(TIME_SCALE_ENV, "").strip():
        from ..clock import clock_from_environ

        clock_from_environ()


@dataclass
class _Opened:
    snapshots: SnapshotStore | None = None
    page_cache: SQLitePageCache | None = None
    account: Account | None = None
    saved: SavedBoard | None = None
    outbox: Outbox | None = None
    outbox_error: StoreError | None = None  # nothing may start without the outbox: said once the loop runs


class _Stores:
    """Opens the outbox, the board snapshots and the page cache, and reads the last board, in a worker
    thread."""

    def __init__(self, spec: BoardSpec) -> None:
        self.spec = spec
        self.opened = _Opened()
        self._taken = False
        self._saved_read = threading.Event()
        self._thread = threading.Thread(target=self._open, name="triageboard-stores", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        from ..github.urls import host_of
        from ..store.pages import SQLitePageCache
        from ..store.snapshots import SnapshotStore, board_key

        try:
            snapshots = SnapshotStore(paths.snapshots_path())
        except (StoreError, OSError) as exc:
            log.warning("board snapshots unavailable: %s", exc)
        else:
            self.opened.snapshots = snapshots
            account = snapshots.account_now(host_of(self.spec.api_url))
            self.opened.account = account
            if account is not None and account.signed_in:
                self.opened.saved = snapshots.load_now(board_key(self.spec), account.login)
        self._saved_read.set()  # the first paint needs only this much; the rest opens meanwhile
        try:
            self.opened.page_cache = SQLitePageCache(paths.page_cache_path())
        except (StoreError, OSError) as exc:
            log.warning("page cache unavailable: %s", exc)
        from ..clock import clock_from_environ
        from ..store.outbox import Outbox

        try:
            self.opened.outbox = Outbox(paths.outbox_path(), clock=clock_from_environ())
        except StoreError as exc:
            self.opened.outbox_error = exc

    def saved(self) -> SavedBoard | None:
        """The last board of this board and account (waiting for it to be read, boundedly)."""
        if not self._saved_read.wait(OPEN_STORES_WAIT):
            log.warning("the last board took too long to read; starting without it")
            return None
        return self.opened.saved

    def take(self) -> _Opened:
        """What was opened (waiting for the thread, boundedly); the caller closes it from now on."""
        self._thread.join(OPEN_STORES_WAIT)
        if self._thread.is_alive():
            log.warning("the board snapshots took too long to open; starting without them")
            return _Opened()
        self._taken = True
        return self.opened

    def close_unused(self) -> None:
        if self._taken:
            return
        self._thread.join(OPEN_STORES_WAIT)
        if self._thread.is_alive():
            return
        for store in (self.opened.snapshots, self.opened.page_cache, self.opened.outbox):
            if store is not None:
                store.close()


def _application() -> QApplication:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "triageboard"])
    assert isinstance(app, QApplication)
    app.setApplicationName("triageboard")
    app.setApplicationDisplayName("triageboard")
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)  # the session ends when its window closes, then the loop
    return app


def _set_icon(app: QApplication) -> None:
    """The window icon (several image sizes to decode): after the first paint."""
    with contextlib.suppress(Exception):
        from ..resources import app_icon

        app.setWindowIcon(app_icon())


def _paint_first(spec: BoardSpec, saved: SavedBoard | None) -> tuple[Board, MainWindow]:
    """The window with the last board on it (when there is one), painted before anything else runs."""
    from PySide6.QtCore import QEventLoop, QTimer

    from ..board import Board
    from ..ui.painted import PaintWatch
    from ..ui.window import MainWindow
    from .settings import window_settings

    board = Board(spec)
    if saved is not None:
        board.replace_all(saved.issues)
    window = MainWindow(board, settings=window_settings())
    if saved is None:
        return board, window
    watch = PaintWatch([c.view for c in window.columns], window)
    waiting = QEventLoop()
    watch.painted.connect(waiting.quit)
    watch.arm()
    window.show()
    QTimer.singleShot(FIRST_PAINT_WAIT_MS, waiting.quit)
    waiting.exec()
    if not watch.armed:
        log.info("board painted: %d cards (snapshot) in %.2f s", len(board), seconds_since_start())
    return board, window


def _run_app(
    args: argparse.Namespace,
    spec: BoardSpec,
    stores: _Stores | None,
    log_path: Path | None,
    exit_after: float | None,
    exit_painted: bool,
) -> int:
    app = _application()
    reporter = Reporter()
    crash = CrashHandler(reporter, str(log_path) if log_path else None)
    uninstall = crash.install()
    saved = stores.saved() if stores is not None else None
    opened = _Opened()
    try:
        board, window = _paint_first(spec, saved)
        if saved is not None and not window.isVisible():
            return 0  # closed while its first paint was under way
        if exit_painted and saved is not None:
            # The saved board is on screen: that is all a benchmark of the start waits for.
            window.close()
            return 0
        opened = stores.take() if stores is not None else opened
        if saved is None or opened.saved is not saved:
            opened.saved = None  # nothing painted (or not this): nothing to adopt
        _set_icon(app)
        return _run_loop(app, args, spec, opened, board, window, reporter, crash, exit_after, exit_painted)
    finally:
        uninstall()
        if opened.snapshots is not None:
            opened.snapshots.close()
        if opened.page_cache is not None:
            opened.page_cache.close()
        if opened.outbox is not None:
            opened.outbox.close()


def _run_loop(
    app: QApplication,
    args: argparse.Namespace,
    spec: BoardSpec,
    opened: _Opened,
    board: Board,
    window: MainWindow,
    reporter: Reporter,
    crash: CrashHandler,
    exit_after: float | None,
    exit_painted: bool,
) -> int:
    import asyncio

    from PySide6.QtWidgets import QMessageBox

    from ..clock import clock_from_environ
    from ..runtime.loop import EventLoop

    clock = clock_from_environ()
    loop = EventLoop(app)
    loop.set_exception_handler(crash.loop_handler)
    asyncio.set_event_loop(loop)
    try:
        work = _run_session(
            args, spec, clock, reporter, crash, exit_after, exit_painted, opened, board, window
        )
        return int(loop.run_until_complete(work))
    except StoreError as exc:
        # The outbox cannot be opened (newer version, locked, unreadable): nothing may start without it.
        window.close()
        text = describe(exc, Front.WINDOW)
        print(f"triageboard: {text}", file=sys.stderr)
        if exit_after is None and not exit_painted:  # an unattended run has nobody to click the dialog away
            QMessageBox.critical(None, "triageboard cannot start", text)
        return 1
    finally:
        # Async generators abandoned mid-iteration (an HTTP body left by an error) are closed while the loop
        # still runs them; after close() the garbage collector would, outside any loop.
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)


async def _run_session(
    args: argparse.Namespace,
    spec: BoardSpec,
    clock: Clock,
    reporter: Reporter,
    crash: CrashHandler,
    exit_after: float | None,
    exit_painted: bool,
    opened: _Opened,
    board: Board,
    window: MainWindow,
) -> int:
    import tempfile

    import httpx

    from ..auth import Credentials
    from ..github import PageCache
    from ..github.transport import http_client
    from .session import Session

    async with contextlib.AsyncExitStack() as stack:
        sandbox = None
        if args.demo:
            from ..sandbox import Sandbox

            sandbox = stack.enter_context(Sandbox(seed=DEMO_SEED, clock=clock))
            spec = spec.with_sources(api_url=sandbox.api_url)
        http = await stack.enter_async_context(http_client(spec.api_url, timeout=httpx.Timeout(30.0)))
        credentials = Credentials(spec.api_url, environ={} if sandbox is not None else None)
        page_cache: PageCache | None = None
        if sandbox is not None:
            credentials.use(sandbox.token, "demo sandbox")
            # The demo's outbox is thrown away with the demo server.
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="triageboard-demo-"))
            outbox_path = Path(scratch) / "outbox.sqlite3"
        else:
            outbox_path = paths.outbox_path()
            if opened.outbox_error is not None:
                raise opened.outbox_error
            page_cache = opened.page_cache
            if opened.page_cache is not None:
                # Closing checkpoints the file: in a worker thread, after the session has stopped.
                stack.push_async_callback(_close_off_thread, opened.page_cache)
                opened.page_cache = None
        session = Session(
            spec,
            http,
            credentials,
            outbox_path=outbox_path,
            page_cache=page_cache,
            sign_in=sandbox is None,
            clock=clock,
            reporter=reporter,
            on_crash=crash,
            auto_refresh=60.0 * getattr(args, "refresh_minutes", 0.0),
            timelines_path=None if sandbox is not None else paths.timeline_cache_path(),
            board=board,
            window=window,
            snapshots=opened.snapshots,
            account=opened.account,
            saved=opened.saved,
            outbox=opened.outbox if sandbox is None else None,
        )
        opened.snapshots = None  # the session closes them
        if sandbox is None:
            opened.outbox = None
        outcome = _watch_first_load(session)
        try:
            await session.start()
            if exit_painted:
                return await _exit_when_painted(session, outcome)
            if exit_after is None:
                await session.closed.wait()
                return 0
            return await _close_after(session, exit_after)
        finally:
            await session.aclose()


async def _close_off_thread(store: SQLitePageCache) -> None:
    import asyncio

    await asyncio.to_thread(store.close)


def _watch_first_load(session: Session) -> asyncio.Future[int]:
    """Log when the first board GitHub confirmed is on screen; the future says how the first load went (0:
    painted, 3: failed)."""
    import asyncio

    from ..ui.painted import PaintWatch

    outcome: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    service = session.board_service
    watch = PaintWatch([c.view for c in session.window.columns], session)

    def completed(source: str) -> None:
        if source == "network" and not outcome.done():
            watch.arm()

    def painted() -> None:
        log.info("board painted: %d cards (network) in %.2f s", len(session.board), seconds_since_start())
        if not outcome.done():
            outcome.set_result(0)

    def loading(busy: bool) -> None:
        if not busy and service.last_error is not None and not service.source and not outcome.done():
            outcome.set_result(EXIT_LOAD_FAILED)

    service.completed_changed.connect(completed)
    watch.painted.connect(painted)
    service.loading_changed.connect(loading)
    return outcome


async def _exit_when_painted(session: Session, outcome: asyncio.Future[int]) -> int:
    """``TRIAGEBOARD_EXIT_WHEN_PAINTED`` without a saved board: wait for the first full load's paint."""
    import asyncio

    closed = asyncio.ensure_future(session.closed.wait())
    try:
        await asyncio.wait((outcome, closed), return_when=asyncio.FIRST_COMPLETED)
    finally:
        closed.cancel()
    if not outcome.done():
        return 0  # closed by hand
    code = int(outcome.result())
    if code != 0:
        error = session.board_service.last_error
        reason = describe(error, Front.CLI) if error is not None else "unknown"
        print(f"triageboard: the board did not load: {reason}", file=sys.stderr)
    return code


async def _close_after(session: Session, seconds: float) -> int:
    """Wait, close through the normal path, and say how the first load went (0 only with cards shown)."""
    import asyncio

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(session.closed.wait(), seconds)
    service = session.board_service
    loaded = service.completed > 0 and service.last_error is None and len(session.board) > 0
    count = len(session.board)
    print(f"triageboard: {EXIT_AFTER_ENV}={seconds:g}: closing; {count} issues on the board", file=sys.stderr)
    if not loaded:
        error: TriageboardError | None = service.last_error
        reason = describe(error, Front.CLI) if error is not None else "the first load did not finish in time"
        print(f"triageboard: the board did not load: {reason}", file=sys.stderr)
        return 3
    return 0
