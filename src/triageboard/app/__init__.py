"""The window front end: ``run(args)`` sets up the process (display check, logging, QApplication, the
qasync loop, the crash handler), opens one :class:`~triageboard.app.session.Session` and closes everything
on quit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .. import APP_ID, paths
from ..auth import Credentials
from ..board import BoardSpec
from ..clock import Clock, clock_from_environ
from ..errors import ConfigError, StoreError, TriageboardError
from ..github import PageCache
from ..reporting import Reporter
from ..runtime import logs
from ..runtime.crash import CrashHandler
from ..wording import Front, describe

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)

DEMO_SEED = 1
EXIT_AFTER_ENV = "TRIAGEBOARD_EXIT_AFTER"


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
        clock = clock_from_environ()
    except ConfigError as exc:
        print(f"triageboard: {describe(exc, Front.CLI)}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the test-mode time scale
        print(f"triageboard: {exc}", file=sys.stderr)
        return 2
    configured = logs.configure(getattr(args, "verbose", 0), log_dir=paths.log_dir)
    try:
        return _run_app(args, spec, clock, configured.path, exit_after)
    finally:
        configured.undo()


def _run_app(
    args: argparse.Namespace, spec: BoardSpec, clock: Clock, log_path: Path | None, exit_after: float | None
) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ..runtime.loop import EventLoop

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "triageboard"])
    assert isinstance(app, QApplication)
    app.setApplicationName("triageboard")
    app.setApplicationDisplayName("triageboard")
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)  # the session ends when its window closes, then the loop
    with contextlib.suppress(Exception):
        from ..resources import app_icon

        app.setWindowIcon(app_icon())
    reporter = Reporter()
    crash = CrashHandler(reporter, str(log_path) if log_path else None)
    uninstall = crash.install()
    loop = EventLoop(app)
    loop.set_exception_handler(crash.loop_handler)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(_run_session(args, spec, clock, reporter, crash, exit_after)))
    except StoreError as exc:
        # The outbox cannot be opened (newer version, locked, unreadable): nothing may start without it.
        text = describe(exc, Front.WINDOW)
        print(f"triageboard: {text}", file=sys.stderr)
        if exit_after is None:  # an unattended smoke run has nobody to click the dialog away
            QMessageBox.critical(None, "triageboard cannot start", text)
        return 1
    finally:
        # Async generators abandoned mid-iteration (an HTTP body left by an error) are closed while the loop
        # still runs them; after close() the garbage collector would, outside any loop.
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        uninstall()
        loop.close()
        asyncio.set_event_loop(None)


async def _run_session(
    args: argparse.Namespace,
    spec: BoardSpec,
    clock: Clock,
    reporter: Reporter,
    crash: CrashHandler,
    exit_after: float | None,
) -> int:
    import httpx

    from ..store import SQLitePageCache
    from .session import Session, window_settings

    async with contextlib.AsyncExitStack() as stack:
        sandbox = None
        if args.demo:
            from ..sandbox import Sandbox

            sandbox = stack.enter_context(Sandbox(seed=DEMO_SEED, clock=clock))
            spec = spec.with_sources(api_url=sandbox.api_url)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=httpx.Timeout(30.0)))
        credentials = Credentials(spec.api_url, environ={} if sandbox is not None else None)
        page_cache: PageCache | None = None
        if sandbox is not None:
            credentials.use(sandbox.token, "demo sandbox")
            # The demo's outbox is thrown away with the demo server.
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="triageboard-demo-"))
            outbox_path = Path(scratch) / "outbox.sqlite3"
        else:
            outbox_path = paths.outbox_path()
            try:
                cache = SQLitePageCache(paths.page_cache_path())
            except (StoreError, OSError) as exc:
                log.warning("page cache unavailable: %s", exc)
            else:
                stack.callback(cache.close)
                page_cache = cache
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
            settings=window_settings(),
            timelines_path=None if sandbox is not None else paths.timeline_cache_path(),
        )
        try:
            await session.start()
            if exit_after is None:
                await session.closed.wait()
                return 0
            return await _close_after(session, exit_after)
        finally:
            await session.aclose()


async def _close_after(session: Session, seconds: float) -> int:
    """Wait, close through the normal path, and say how the first load went (0 only with cards shown)."""
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
