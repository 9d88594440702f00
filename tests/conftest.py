"""Fixtures shared by the whole suite: a qasync loop inside pytest-qt, and a live sandbox server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# logcheck (tests/support/logcheck.py): a test fails on a warning it did not expect; pytester tests it
pytest_plugins = ["logcheck", "pytester"]


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config/cache/data/state directories and no token from the environment."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
    ):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    for var in ("GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def qloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked as running inside pytest-qt's QApplication.

    Tests stay synchronous and wait with ``qtbot.waitSignal``/``waitUntil``; never ``loop.stop()`` here
    (it would call ``QApplication.exit()`` with no ``exec()`` running).
    """
    from triageboard.runtime.loop import EventLoop

    loop = EventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
    finally:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            from PySide6.QtCore import QCoreApplication, QDeadlineTimer

            deadline = QDeadlineTimer(5000)
            while not all(t.done() for t in tasks) and not deadline.hasExpired():
                QCoreApplication.processEvents()
        loop._QEventLoop__is_running = False
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def sandbox() -> Iterator[object]:
    """A live GitHub-compatible sandbox on 127.0.0.1 with the demo dataset (seed 1)."""
    from sandboxkit import Sandbox

    with Sandbox(token="tb-test-token", seed=1) as server:
        yield server
