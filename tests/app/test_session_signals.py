"""The session wires the signals' parts: time in a column read as the signed-in account once the board is
loaded (and kept in the timeline store), what the account may do asked once the repositories are known,
and the store closed with the session."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot
from qtsession import FAST, finish, wait_loaded
from sandboxkit import READER_LOGIN, READER_TOKEN, Sandbox

from triageboard.app.session import Session
from triageboard.auth import Credentials
from triageboard.board import IssueKey, Via, preset
from triageboard.clock import ScaledClock
from triageboard.store import TimelineStore


def session_for(sandbox: Sandbox, http: httpx.AsyncClient, tmp_path: Path, token: str) -> Session:
    credentials = Credentials(sandbox.api_url, environ={})
    credentials.use(token, "test")
    spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
    return Session(
        spec,
        http,
        credentials,
        outbox_path=tmp_path / "outbox.sqlite3",
        policy=FAST,
        clock=ScaledClock(0.01),
        timelines_path=tmp_path / "timelines.sqlite3",
    )


def test_time_in_column_is_read_as_the_signed_in_account_and_kept(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox, tmp_path: Path
) -> None:
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    session = session_for(sandbox, http, tmp_path, sandbox.token)
    told: dict[IssueKey, datetime | None] = {}
    session.timeline_service.since_changed.connect(told.update)
    try:
        finish(qtbot, qloop, session.start())
        wait_loaded(qtbot, session)
        focus = [i.key for i in session.board.column_issues(session.spec.column("Focus"))]
        assert focus
        qtbot.waitUntil(lambda: all(told.get(k) for k in focus), timeout=20_000)
        assert session.timeline_service.account == "ferris"
        assert session.engine.me == "ferris"  # a claim through the bot would be for this account
        assert session.timeline_service.known().keys() >= set(focus)
        # The board's own client never read a timeline: the timeline client did, on its own page cache.
        assert session.client.stats.requests > 0
        assert session.timeline_client.stats.requests >= len(focus)
    finally:
        finish(qtbot, qloop, session.aclose())
        finish(qtbot, qloop, http.aclose())
    store = TimelineStore(tmp_path / "timelines.sqlite3")  # closed by the session: it opens again
    try:
        assert set(store.load_now(sandbox.api_url, "ferris")) >= set(focus)
    finally:
        store.close()


@pytest.mark.logs("cannot change labels")
def test_what_a_read_only_account_may_do_is_known_once_the_board_is_loaded(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox, tmp_path: Path
) -> None:
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    session = session_for(sandbox, http, tmp_path, READER_TOKEN)
    moves = session.move_service
    answers: list[Via | None] = []  # what the window would hear each time it is told to ask again

    def ask_again() -> None:
        cards = [
            i.key
            for i in session.board.column_issues(session.spec.column("Uncategorized"))
            if i.repo == "rust-lang/rust"
        ]
        answers.append(moves.route(cards[0], "OnDeck").via if cards else None)

    moves.permissions_changed.connect(ask_again)
    try:
        finish(qtbot, qloop, session.start())
        wait_loaded(qtbot, session)
        # Once the board is loaded, its repositories' permissions and triagebots are read; then the
        # window is told to ask again, and hears the answer.
        qtbot.waitUntil(lambda: Via.RUSTBOT in answers, timeout=20_000)
        assert moves.refusals()
        card = next(
            i.key
            for i in session.board.column_issues(session.spec.column("Uncategorized"))
            if i.repo == "rust-lang/rust"
        )
        assert session.move_service.route(card, "Focus").refused
        assert session.move_service.assignment_route(card, READER_LOGIN).via is Via.RUSTBOT
    finally:
        finish(qtbot, qloop, session.aclose())
        finish(qtbot, qloop, http.aclose())
