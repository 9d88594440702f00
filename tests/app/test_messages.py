"""Messages that stay true: a banner belongs to its cause and goes when the cause goes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable

import httpx
import pytest
from keyring_doubles import MemoryKeyring
from pace import POLICY
from pytestqt.qtbot import QtBot
from sandboxkit import Fault, Sandbox

from triageboard import paths
from triageboard.app.session import Session
from triageboard.auth import Credentials, KeyringStore
from triageboard.board import Column, preset
from triageboard.clock import ScaledClock
from triageboard.sandbox import DEFAULT_LOGIN


def finish(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, work: Awaitable[object], timeout: int = 20000
) -> object:
    """Run ``work`` (a coroutine, or a task already running) on the window's loop until it is done."""
    future = asyncio.ensure_future(work, loop=loop)
    qtbot.waitUntil(future.done, timeout=timeout)
    return future.result()


@pytest.mark.logs("UserUnknown")
def test_could_not_check_who_is_signed_in_goes_when_github_answers(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox
) -> None:
    http = httpx.AsyncClient()
    store = KeyringStore(MemoryKeyring())
    credentials = Credentials(sandbox.api_url, store=store, environ={})
    finish(qtbot, qloop, credentials.store_token(sandbox.token, "pasted token"))
    credentials.forget()
    spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
    session = Session(
        spec,
        http,
        credentials,
        outbox_path=paths.outbox_path(),
        sign_in=True,
        policy=POLICY,
        clock=ScaledClock(0.01),
    )
    bar = session.window.message_bar
    try:
        sandbox.inject(Fault("status", status=503, path=r"/user$", count=4))  # the start's check fails
        finish(qtbot, qloop, session.start())
        qtbot.waitUntil(lambda: "Could not check who is signed in" in bar.text.text(), timeout=20000)
        qtbot.waitUntil(lambda: not session.board_service.loading, timeout=20000)
        sandbox.reset_faults()
        # The board loads while who is signed in is unknown; the next refresh asks GitHub again.
        done = session.board_service.completed
        session.board_service.refresh()
        qtbot.waitUntil(lambda: session.board_service.completed > done, timeout=20000)
        assert "Could not check who is signed in" not in bar.text.text()
        assert session.board_service.user == DEFAULT_LOGIN
    finally:
        finish(qtbot, qloop, session.aclose())
        finish(qtbot, qloop, http.aclose())


@pytest.mark.logs("does not exist in")
def test_a_missing_label_banner_speaks_of_moves_into_the_column_and_goes_once_one_works(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox
) -> None:
    spec = preset("rust-async").with_sources(repos=["rust-lang/rust"], api_url=sandbox.api_url)
    renamed = Column("Focus", ("AsyncAwait-Focus-Now",), 3, 5)
    spec = dataclasses.replace(spec, columns=tuple(renamed if c.name == "Focus" else c for c in spec.columns))
    http = httpx.AsyncClient()
    credentials = Credentials(sandbox.api_url, environ={})
    credentials.use(sandbox.token, "test")
    session = Session(
        spec, http, credentials, outbox_path=paths.outbox_path(), policy=POLICY, clock=ScaledClock(0.01)
    )
    bar = session.window.message_bar
    try:
        finish(qtbot, qloop, session.start())
        qtbot.waitUntil(lambda: "AsyncAwait-Focus-Now" in bar.text.text(), timeout=20000)
        text = bar.text.text()
        assert "Moves into Focus are refused until then" in text
        assert "was not sent" not in text  # no move was tried
        sandbox.create_label("rust-lang/rust", "AsyncAwait-Focus-Now")  # the user follows the advice
        finish(qtbot, qloop, session.move_service.recheck())
        assert not bar.isVisible()
    finally:
        finish(qtbot, qloop, session.aclose())
        finish(qtbot, qloop, http.aclose())
