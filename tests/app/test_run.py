"""``app.run``'s process-level duties: the no-display message, the demo entry point, a start the outbox
refuses, a damaged cache said in the window."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triageboard.__main__ import main
from triageboard.app import display_problem


def test_no_display_is_one_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["--demo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "xvfb-run" in err
    assert "QT_QPA_PLATFORM=offscreen" in err
    assert "Traceback" not in err


def test_display_problem_only_without_any_display() -> None:
    assert display_problem({}, "linux") is not None
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None


def test_a_bad_time_scale_stops_the_window_with_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRIAGEBOARD_TIME_SCALE", "fast")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main(["--repo", "rust-lang/rust"]) == 2
    err = capsys.readouterr().err
    assert "TRIAGEBOARD_TIME_SCALE" in err
    assert "Traceback" not in err


def test_demo_opens_and_closes_cleanly(tmp_path: Path) -> None:
    """``triageboard --demo`` in a real process: the window opens against the sandbox, then quits cleanly."""
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from triageboard.__main__ import main\n"
        "def close():\n"
        "    for w in QApplication.topLevelWidgets():\n"
        "        label = getattr(w, 'refresh_label', None)\n"
        "        if w.isVisible() and label is not None and label.text().startswith('Refreshed'):\n"
        "            print('COLUMNS', [c.counts()[1] for c in w.columns], flush=True)\n"
        "            w.close(); return\n"
        "    QTimer.singleShot(100, close)\n"
        "app = QApplication([sys.argv[0]])\n"
        "QTimer.singleShot(100, close)\n"
        "sys.exit(main(['--demo']))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("COLUMNS"))
    counts = eval(line.removeprefix("COLUMNS"))  # noqa: S307 (our own printed list)
    assert len(counts) == 4
    assert all(n > 0 for n in counts)
    stderr = [x for x in done.stderr.splitlines() if "propagateSizeHints" not in x]
    assert stderr == []


def test_an_outbox_from_a_newer_version_stops_the_start_with_a_dialog(
    qapp: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Starting without the outbox would strand its moves: the app refuses, says why, and keeps the file."""
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from triageboard import paths

    path = paths.outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=999")
    conn.close()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    monkeypatch.setenv("GH_TOKEN", "unused-token")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run() installs and restores its own

    handlers = list(logging.getLogger().handlers)
    assert main(["--repo", "rust-lang/rust", "--api-url", "http://127.0.0.1:9/api/v3"]) == 1
    assert logging.getLogger().handlers == handlers  # run() leaves logging as it found it
    assert len(shown) == 1
    assert "newer triageboard" in shown[0]
    assert "newer triageboard" in capsys.readouterr().err
    with sqlite3.connect(path) as conn:  # left as it was, for the newer triageboard to send
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
    conn.close()


@pytest.mark.logs("StoreRecovered|is damaged")
def test_a_damaged_page_cache_is_set_aside_and_the_window_says_so(
    qtbot: object, qloop: object, sandbox: object
) -> None:
    import asyncio

    import httpx

    from triageboard import paths
    from triageboard.app.session import Session
    from triageboard.auth import Credentials
    from triageboard.board import preset
    from triageboard.store import SQLitePageCache

    path = paths.page_cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    cache = SQLitePageCache(path)
    api_url = sandbox.api_url  # type: ignore[attr-defined]
    http = httpx.AsyncClient()
    session = Session(
        preset("rust-async").with_sources(api_url=api_url),
        http,
        Credentials(api_url, environ={}),
        outbox_path=paths.outbox_path(),
        page_cache=cache,
    )
    try:
        shown = session.window.message_bar.text.text()
        assert "damaged" in shown
        assert str(path.parent) in shown
        assert len(list(path.parent.glob("pages.sqlite3.corrupt-*"))) == 1
    finally:
        loop = asyncio.get_event_loop()
        for work in (session.aclose(), http.aclose()):
            task = loop.create_task(work)
            qtbot.waitUntil(task.done)  # type: ignore[attr-defined]
        cache.close()
