"""A full board session (client, services, window) against the sandbox, inside pytest-qt's QApplication.

Fixtures for the window and session tests (``tests/ui``, ``tests/app``): their conftest modules import them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pace import QUICK
from pytestqt.qtbot import QtBot
from sandboxkit import Sandbox

from triageboard.app.session import Session
from triageboard.auth import Credentials
from triageboard.board import preset
from triageboard.clock import ScaledClock

FAST = QUICK


def finish(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, Any], timeout: int = 10000
) -> Any:
    """Run ``work`` on the (already running) qasync loop and wait for it without blocking Qt."""
    task = loop.create_task(work)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


def make_session(sandbox: Sandbox, http: httpx.AsyncClient, tmp_path: Path) -> Session:
    credentials = Credentials(sandbox.api_url, environ={})
    credentials.use(sandbox.token, "test")
    spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
    return Session(
        spec, http, credentials, outbox_path=tmp_path / "outbox.sqlite3", policy=FAST, clock=ScaledClock(0.01)
    )


def wait_loaded(qtbot: QtBot, session: Session) -> None:
    qtbot.waitUntil(lambda: session.window.refresh_label.text().startswith("Refreshed"), timeout=20000)
    qtbot.waitUntil(lambda: not session.board_service.loading, timeout=20000)


Finish = Callable[..., Any]
MakeSession = Callable[[], Session]


@pytest.fixture
def run_async(qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> Finish:
    """``run_async(coro)``: run a coroutine on the qasync loop and wait for its result."""
    return lambda work, timeout=10000: finish(qtbot, qloop, work, timeout)


@pytest.fixture
def new_session(sandbox: Sandbox, http: httpx.AsyncClient, tmp_path: Path) -> MakeSession:
    """``new_session()``: a Session against the sandbox, not started."""
    return lambda: make_session(sandbox, http, tmp_path)


@pytest.fixture
def http(qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> Iterator[httpx.AsyncClient]:
    client = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    yield client
    finish(qtbot, qloop, client.aclose())


@pytest.fixture
def session(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox, http: httpx.AsyncClient, tmp_path: Path
) -> Iterator[Session]:
    """A loaded board window; closed (and every task finished) at teardown."""
    s = make_session(sandbox, http, tmp_path)
    finish(qtbot, qloop, s.start())
    wait_loaded(qtbot, s)
    yield s
    finish(qtbot, qloop, s.aclose())
