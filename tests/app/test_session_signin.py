"""A window opened with no token: it asks to sign in (and fetches nothing until then), loads the board
once signed in, and clears it on sign-out. Real sandbox, real AuthService, in-memory keyring."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
import pytest
from keyring_doubles import MemoryKeyring
from pace import POLICY
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sandboxkit import Sandbox

from triageboard import paths
from triageboard.app.session import Session
from triageboard.auth import Credentials, KeyringStore
from triageboard.board import preset
from triageboard.cli.parser import parse
from triageboard.clock import ScaledClock
from triageboard.errors import UsageError
from triageboard.ui.signin import SignInDialog

T = TypeVar("T")


def finish(qtbot: QtBot, loop: asyncio.AbstractEventLoop, work: Awaitable[T], timeout: int = 15000) -> T:
    task: asyncio.Future[Any] = asyncio.ensure_future(work, loop=loop)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()  # type: ignore[no-any-return]


def open_dialogs() -> list[SignInDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, SignInDialog) and w.isVisible()]


@pytest.mark.logs("NotSignedIn")
def test_no_token_asks_to_sign_in_then_loads_and_sign_out_clears(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox
) -> None:
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    credentials = Credentials(sandbox.api_url, store=KeyringStore(MemoryKeyring()), environ={})
    spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
    session = Session(
        spec,
        http,
        credentials,
        outbox_path=paths.outbox_path(),
        sign_in=True,
        client_id=sandbox.device_flow_client_id,
        policy=POLICY,
        clock=ScaledClock(0.01),
    )
    auth = session.auth
    assert auth is not None
    sign_out = next(a for a in session.window.account_menu.actions() if a.text() == "Sign &out")
    try:
        sandbox.clear_request_log()
        finish(qtbot, qloop, session.start())
        qtbot.waitUntil(lambda: bool(open_dialogs()), timeout=5000)
        assert not [r for r in sandbox.request_log if r.path.endswith("/issues")]  # no 401 to show
        assert not sign_out.isEnabled()
        bar = session.window.message_bar
        assert bar.isVisible()
        assert "Not signed in" in bar.text.text()

        dialog = open_dialogs()[0]
        dialog.tabs.setCurrentIndex(1)
        dialog.token_edit.setText(sandbox.token)
        dialog.check_button.click()
        qtbot.waitUntil(lambda: dialog.use_button.isEnabled(), timeout=5000)
        with qtbot.waitSignal(auth.signed_in, timeout=5000):
            dialog.use_button.click()
        qtbot.waitUntil(lambda: len(session.board) > 0 and not session.board_service.loading, timeout=20000)
        assert sign_out.isEnabled()
        assert not bar.isVisible()  # the banner belonged to not being signed in; that is over

        sign_out.trigger()
        qtbot.waitUntil(lambda: len(session.board) == 0, timeout=5000)
        assert not sign_out.isEnabled()
        assert credentials.token() is None
    finally:
        finish(qtbot, qloop, session.aclose())
        finish(qtbot, qloop, http.aclose())
        for dialog in open_dialogs():
            dialog.close()


def test_the_board_refreshes_itself_and_shows_what_others_changed(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox
) -> None:
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    credentials = Credentials(sandbox.api_url, environ={})
    credentials.use(sandbox.token, "test")
    spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
    session = Session(
        spec,
        http,
        credentials,
        outbox_path=paths.outbox_path(),
        policy=POLICY,
        clock=ScaledClock(0.01),
        auto_refresh=0.3,
    )
    try:
        finish(qtbot, qloop, session.start())
        qtbot.waitUntil(lambda: len(session.board) > 0 and not session.board_service.loading, timeout=20000)
        key = next(i.key for i in session.board.column_issues(spec.column("Uncategorized")))
        sandbox.edit_labels_as("another-triager", key.repo, key.number, add=["AsyncAwait-OnDeck"])
        # No F5: the timer fetches again and the card moves to where the other person put it.
        qtbot.waitUntil(lambda: session.board.column_of(key).name == "OnDeck", timeout=10000)
    finally:
        finish(qtbot, qloop, session.aclose())
        finish(qtbot, qloop, http.aclose())
    assert not session.auto_refresh.isActive()


def test_refresh_minutes_option() -> None:
    assert parse([]).refresh_minutes == 5.0
    assert parse(["--refresh-minutes", "0"]).refresh_minutes == 0.0
    for bad in ("-1", "soon", "9999"):
        with pytest.raises(UsageError, match="--refresh-minutes"):
            parse(["--refresh-minutes", bad])
