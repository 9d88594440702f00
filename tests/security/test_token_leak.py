"""The token never reaches a file, a log line or the terminal.

A whole session against the sandbox — sign in (pasted token and device flow), load the board, move a card,
error paths (rejected token, injected failures, revoked token), the crash handler — and the CLI; then every
file under the app's config, cache, data and state directories, the captured log records (DEBUG) and the
captured stdout/stderr are searched for each token: 0 hits.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from keyring_doubles import MemoryKeyring
from pace import QUICK
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sandboxkit import Fault, Sandbox

from triageboard import paths
from triageboard.auth import Credentials, KeyringStore
from triageboard.board import preset
from triageboard.clock import ScaledClock
from triageboard.ui.signin import SignInDialog

FAST = QUICK
# Shaped like nothing the redactor knows, so only not logging it at all keeps it out of the output.
TOKEN = "tbleak" + secrets.token_hex(16)


def forms(token: str) -> list[bytes]:
    raw = token.encode()
    return [raw, base64.b64encode(raw), base64.b64encode(b"x-access-token:" + raw), raw[::-1]]


def hits(roots: list[Path], tokens: list[str]) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {t[:6]}…" for t in tokens for form in forms(t) if form in data]
    return found


def app_dirs() -> list[Path]:
    return [paths.config_dir(), paths.cache_dir(), paths.data_dir(), paths.log_dir()]


def finish(qtbot: QtBot, loop: asyncio.AbstractEventLoop, work: object, timeout: int = 15000) -> object:
    """Wait, without blocking Qt, for a coroutine (run on the qasync loop) or an already running task."""
    task = work if isinstance(work, asyncio.Future) else loop.create_task(work)  # type: ignore[arg-type]
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@contextlib.contextmanager
def logging_like_the_app() -> Iterator[Path | None]:
    """The app's own logging (log file in the state dir, stderr at DEBUG), removed afterwards.

    Entered inside the test, so its stderr handler writes to the stream capfd captures during the call.
    """
    from triageboard.runtime import logs

    configured = logs.configure(2, log_dir=paths.log_dir)
    try:
        yield configured.path
    finally:
        configured.undo()


@pytest.mark.logs(r"Crash\(|rejected the token|unexpected error")
def test_a_whole_window_session_leaves_no_token_behind(
    qtbot: QtBot,
    qloop: asyncio.AbstractEventLoop,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from triageboard.app.session import Session
    from triageboard.runtime.crash import CrashHandler
    from triageboard.store import SQLitePageCache

    caplog.set_level(logging.DEBUG)
    tokens = [TOKEN]
    with logging_like_the_app() as log_path, Sandbox(token=TOKEN, seed=1, clock=ScaledClock(0.01)) as sandbox:
        http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        memory = MemoryKeyring()
        credentials = Credentials(sandbox.api_url, store=KeyringStore(memory), environ={})
        spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
        cache = SQLitePageCache(paths.page_cache_path())
        session = Session(
            spec,
            http,
            credentials,
            outbox_path=paths.outbox_path(),
            page_cache=cache,
            sign_in=True,
            client_id=sandbox.device_flow_client_id,
            policy=FAST,
            clock=ScaledClock(0.1),
        )
        auth = session.auth
        assert auth is not None
        try:
            # Sign in by pasting the token (a wrong one first: an error path).
            dialog = SignInDialog(auth, session.window, open_url=lambda url: True)
            qtbot.addWidget(dialog)
            dialog.show()
            dialog.tabs.setCurrentIndex(1)
            for attempt in ("ghp_wrong" + TOKEN[::-1], TOKEN):
                dialog.token_edit.setText(attempt)
                dialog.check_button.click()
                qtbot.waitUntil(dialog.check_button.isEnabled, timeout=5000)
            with qtbot.waitSignal(auth.signed_in, timeout=5000):
                dialog.use_button.click()
            assert dialog.result() == QDialog.DialogCode.Accepted
            assert credentials.token() == TOKEN

            # Load the board and move a card (one injected failure on the way, retried).
            finish(qtbot, qloop, session.start())
            qtbot.waitUntil(
                lambda: session.window.refresh_label.text().startswith("Refreshed"), timeout=20000
            )
            qtbot.waitUntil(lambda: not session.board_service.loading, timeout=20000)
            board = session.board
            column = next(c for c in spec.columns if c.name == "Uncategorized")
            key = next(i.key for i in board.column_issues(column) if not board.placement(i.key).is_conflict)
            sandbox.inject(Fault(kind="status", status=502, method="POST", count=1))
            assert session.move_service.request_move(key, "Other")
            qtbot.waitUntil(lambda: not board.is_pending(key), timeout=20000)
            assert "asyncawait-other" in {n.casefold() for n in sandbox.issue_labels(key.repo, key.number)}

            # Switch account through the device flow; then the new token is revoked (401 on refresh).
            sandbox.auto_approve_after_polls = 1
            device_dialog = SignInDialog(auth, session.window, open_url=lambda url: True)
            qtbot.addWidget(device_dialog)
            device_dialog.show()
            with qtbot.waitSignal(auth.signed_in, timeout=10000):
                device_dialog.start_button.click()
            minted = credentials.token()
            assert minted is not None
            assert minted != TOKEN
            tokens.append(minted)
            sandbox.revoke_token(minted)
            session.window.refresh()
            qtbot.waitUntil(lambda: session.board_service.loading, timeout=5000)
            qtbot.waitUntil(lambda: not session.board_service.loading, timeout=20000)

            # The crash handler, with an exception that carries a token in its text.
            crash = CrashHandler(session.reporter, str(log_path))
            try:
                raise RuntimeError(f"request failed with Authorization: token {TOKEN} and {minted}")
            except RuntimeError as exc:
                crash.excepthook(type(exc), exc, exc.__traceback__)
            shown = session.window.message_bar.text.text()
            assert "RuntimeError" in shown

            finish(qtbot, qloop, auth.sign_out())
        finally:
            finish(qtbot, qloop, session.aclose())
            cache.close()
            finish(qtbot, qloop, http.aclose())

    out, err = capfd.readouterr()
    sys.stdout.write(out)  # keep them visible in pytest's report
    sys.stderr.write(err)
    assert log_path is not None
    assert log_path.stat().st_size > 0, "the session should have logged something"
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert memory.entries == {}, "signed out: the keyring entry is gone"
    assert hits(app_dirs(), tokens) == []
    for token in tokens:
        for form in forms(token):
            assert form.decode() not in caplog.text
            assert form.decode() not in out
            assert form.decode() not in err
        for record in caplog.records:
            assert token not in record.getMessage()
            assert token not in str(record.args)


@pytest.mark.logs("TimelinesCapped")
def test_the_cli_leaves_no_token_behind(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    cli = pytest.importorskip("triageboard.cli")
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("TRIAGEBOARD_TIME_SCALE", "0.01")
    with Sandbox(token=TOKEN, seed=1, clock=ScaledClock(0.01)) as sandbox:
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        assert cli.main(["list", "-vv", "--api-url", sandbox.api_url]) == 0
        sandbox.inject(Fault(kind="status", status=401, count=None))
        assert cli.main(["list", "-vv", "--api-url", sandbox.api_url]) != 0
        monkeypatch.setenv("GH_TOKEN", "tbleak-wrong-" + TOKEN[::-1][:12])
        sandbox.reset_faults()
        assert cli.main(["list", "-vv", "--api-url", sandbox.api_url]) != 0
    out, err = capfd.readouterr()
    assert out.strip(), "the CLI listed the board"
    assert hits(app_dirs(), [TOKEN]) == []
    for form in forms(TOKEN):
        assert form.decode() not in caplog.text
        assert form.decode() not in out
        assert form.decode() not in err
