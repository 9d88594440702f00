"""Paint the last board first, then pay only for what changed: sessions against the sandbox (real loopback
HTTP) with the board snapshots and the ETag page cache on disk, as the app keeps them."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from pytestqt.qtbot import QtBot
from qtsession import FAST, finish
from sandboxkit import Fault, Sandbox

from triageboard.app.session import Session
from triageboard.auth import Credentials
from triageboard.board import Issue, IssueKey, Label, preset
from triageboard.clock import ScaledClock
from triageboard.github import CachedPage, host_of
from triageboard.sandbox import DEFAULT_LOGIN, RequestRecord
from triageboard.store import Account, SavedBoard, SnapshotStore, SQLitePageCache, SyncMarks, board_key
from triageboard.ui.models import IssueKeyRole

OTHER = "other-user"
AT = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # The default login (ferris) with this test's token: the saved boards belong to ferris.
    with Sandbox(token="tb-board-token", seed=1) as server:
        server.set_rate_limit(server.token, core_limit=100_000)
        yield server


@pytest.fixture
def http(qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> Iterator[httpx.AsyncClient]:
    client = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
    yield client
    finish(qtbot, qloop, client.aclose())


class Rig:
    """What a start of the app has: a snapshot store and a page cache on disk, shared by its sessions."""

    def __init__(self, sandbox: Sandbox, http: httpx.AsyncClient, tmp_path: Path, qtbot: QtBot) -> None:
        self.sandbox, self.http, self.tmp, self.qtbot = sandbox, http, tmp_path, qtbot
        self.spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
        self.key = board_key(self.spec)
        self.sessions: list[Session] = []
        self._caches: list[SQLitePageCache] = []

    def open(self, *, sign_in: bool = False, paint_saved: bool = True) -> Session:
        snapshots = SnapshotStore(self.tmp / "boards.sqlite3")
        cache = SQLitePageCache(self.tmp / "pages.sqlite3")
        account = snapshots.account_now(host_of(self.spec.api_url))
        saved = None
        if paint_saved and account is not None and account.signed_in:
            saved = snapshots.load_now(self.key, account.login)
        environ = {"GH_TOKEN": self.sandbox.token} if sign_in else {}
        credentials = Credentials(self.sandbox.api_url, environ=environ)
        if not sign_in:
            credentials.use(self.sandbox.token, "test")
        session = Session(
            self.spec,
            self.http,
            credentials,
            outbox_path=self.tmp / "outbox.sqlite3",
            page_cache=cache,
            sign_in=sign_in,
            policy=FAST,
            clock=ScaledClock(0.01),
            snapshots=snapshots,
            account=account,
            saved=saved,
        )
        session.window.resize(1360, 820)
        self.sessions.append(session)
        self._caches.append(cache)
        return session

    def start(self, session: Session) -> None:
        finish(self.qtbot, asyncio.get_event_loop(), session.start())
        self.settle(session)

    def settle(self, session: Session, done: Callable[[], bool] | None = None) -> None:
        service = session.board_service
        self.qtbot.waitUntil(lambda: service.completed > 0 and not service.loading, timeout=20_000)
        if done is not None:
            self.qtbot.waitUntil(done, timeout=20_000)

    def refresh(self, session: Session) -> None:
        before = session.board_service.completed
        task = session.board_service.refresh()
        assert task is not None
        self.qtbot.waitUntil(task.done, timeout=20_000)
        assert session.board_service.completed == before + 1, session.board_service.last_error

    def close(self, session: Session) -> None:
        finish(self.qtbot, asyncio.get_event_loop(), session.aclose())
        self.sessions.remove(session)

    def close_all(self) -> None:
        for session in list(self.sessions):
            self.close(session)
        for cache in self._caches:
            cache.close()
        self._caches.clear()


@pytest.fixture
def rig(sandbox: Sandbox, http: httpx.AsyncClient, tmp_path: Path, qtbot: QtBot) -> Iterator[Rig]:
    made = Rig(sandbox, http, tmp_path, qtbot)
    yield made
    made.close_all()


def issue_requests(sandbox: Sandbox) -> list[RequestRecord]:
    return [r for r in sandbox.request_log if r.path.endswith("/issues")]


def saved_board(rig: Rig) -> None:
    """A session loads the board (and refreshes once, which asks each repository for changes for the first
    time), then closes: the board, its marks and the pages' ETags are on disk."""
    session = rig.open()
    rig.start(session)
    rig.refresh(session)
    rig.close(session)


def test_the_saved_board_is_painted_before_any_request_and_an_unchanged_refresh_is_all_304s(
    rig: Rig, sandbox: Sandbox
) -> None:
    saved_board(rig)
    store = SnapshotStore(rig.tmp / "boards.sqlite3")
    saved = store.load_now(rig.key, DEFAULT_LOGIN)
    store.close()
    assert saved is not None
    assert len(saved.issues) > 100
    sandbox.clear_request_log()

    session = rig.open()
    # On screen, and not one request sent yet.
    assert len(session.board) == len(saved.issues)
    assert sum(w.counts()[1] for w in session.window.columns) == len(saved.issues)
    assert sandbox.request_log == []
    assert "Showing the board as it was at" in session.window.message_bar.text.text()

    rig.start(session)
    issues = issue_requests(sandbox)
    repos = len(rig.spec.repos)
    assert len(issues) == repos  # one question per repository: what changed since the last refresh
    for record in issues:
        query = parse_qs(record.query)
        assert "since" in query
        assert query["state"] == ["all"]
        assert "labels" not in query
        assert record.status == 304
        assert not record.counted
    assert len(session.board) == len(saved.issues)
    assert not session.window.message_bar.isVisible()  # the "saved at" notice went with the check


def test_k_changes_cost_a_page_per_hundred_and_one_question_per_repository_and_change_cards_in_place(
    rig: Rig, sandbox: Sandbox
) -> None:
    saved_board(rig)
    session = rig.open()
    rig.start(session)
    board, window = session.board, session.window
    focus = board.column_issues(rig.spec.column("Focus"))
    other = board.column_issues(rig.spec.column("Other"))
    uncategorized = board.column_issues(rig.spec.column("Uncategorized"))
    selected = focus[0].key
    assert window.select(selected)
    scrolled = window.column_widget("Other")
    scrolled.view.verticalScrollBar().setValue(300)
    # What others did on github.com meanwhile:
    sandbox.edit_labels_as(OTHER, selected.repo, selected.number, add=["C-bug"])  # changes in place
    moving = other[-1].key
    sandbox.edit_labels_as(
        OTHER, moving.repo, moving.number, add=["AsyncAwait-OnDeck"], remove=["AsyncAwait-Other"]
    )
    closing = other[-2].key
    sandbox.set_issue_state(closing.repo, closing.number, "closed")
    unlabelled = next(i for i in uncategorized if [lb.name for lb in i.labels] == ["A-async-await"]).key
    sandbox.edit_labels_as(OTHER, unlabelled.repo, unlabelled.number, remove=["A-async-await"])
    k = 4
    sandbox.clear_request_log()

    rig.refresh(session)
    issues = issue_requests(sandbox)
    assert len(issues) <= math.ceil(k / 100) + len(rig.spec.repos)
    assert sum(r.counted for r in issues) <= math.ceil(k / 100) + len(rig.spec.repos)
    assert board.issue(selected).has_label("C-bug")
    assert board.column_of(moving).name == "OnDeck"
    assert closing not in board
    assert unlabelled not in board
    # The card changed in place: still selected, and the other column kept its scroll position.
    assert window.selected_key == selected
    assert window.column_widget("Focus").view.currentIndex().data(IssueKeyRole) == selected
    assert scrolled.view.verticalScrollBar().value() == 300


def test_a_filter_stays_while_changes_arrive(rig: Rig, sandbox: Sandbox) -> None:
    saved_board(rig)
    session = rig.open()
    rig.start(session)
    board, window = session.board, session.window
    issue = board.column_issues(rig.spec.column("Other"))[0]
    window.filter_bar.text.setText(f"#{issue.number}")
    assert sum(w.counts()[0] for w in window.columns) == 1
    sandbox.edit_labels_as(OTHER, issue.repo, issue.number, add=["C-bug"])
    another = board.column_issues(rig.spec.column("Other"))[1]
    sandbox.edit_labels_as(OTHER, another.repo, another.number, add=["C-bug"])
    rig.refresh(session)
    assert window.filter_bar.text.text() == f"#{issue.number}"
    assert [w.counts()[0] for w in window.columns if w.counts()[0]] == [1]
    assert board.issue(issue.key).has_label("C-bug")


@pytest.mark.logs("Cannot reach|OfflineSince")
def test_offline_the_board_stays_says_since_when_and_comes_back_by_itself(rig: Rig, sandbox: Sandbox) -> None:
    saved_board(rig)
    session = rig.open()
    rig.start(session)
    cards = len(session.board)
    done = session.board_service.completed
    sandbox.inject(Fault(kind="reset", count=None))
    session.board_service.refresh()
    bar = session.window.message_bar
    rig.qtbot.waitUntil(lambda: "Offline since" in bar.text.text(), timeout=20_000)
    assert bar.level == "warning"
    assert "moves are kept" in bar.text.text()
    assert session.board_service.offline_since is not None
    assert len(session.board) == cards  # filters, details and moves keep working on it
    sandbox.reset_faults()
    # No F5: it tries again by itself, and the message goes when GitHub answers.
    rig.qtbot.waitUntil(lambda: session.board_service.completed > done, timeout=20_000)
    rig.qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5_000)
    assert session.board_service.offline_since is None


def test_one_token_check_per_start_and_stored_pages_survive_it(rig: Rig, sandbox: Sandbox) -> None:
    saved_board(rig)
    store = SnapshotStore(rig.tmp / "boards.sqlite3")
    store.set_account_now(host_of(rig.spec.api_url), Account(DEFAULT_LOGIN), 0)
    store.close()
    cache = SQLitePageCache(rig.tmp / "pages.sqlite3")
    pages_before = len(cache)
    cache.close()
    sandbox.clear_request_log()
    session = rig.open(sign_in=True)
    rig.start(session)
    assert [r.path for r in sandbox.request_log if r.path.endswith("/user")] == ["/api/v3/user"]
    assert all(r.status == 304 for r in issue_requests(sandbox))  # ETags kept across the start
    assert pages_before > 0


def test_another_account_replaces_the_board_and_the_stored_pages(rig: Rig, sandbox: Sandbox) -> None:
    """The saved board and the stored pages belong to the account that last used this host; a token of
    another account gets its own board, and the pages are cleared."""
    snapshots = SnapshotStore(rig.tmp / "boards.sqlite3")
    theirs = [Issue("rust-lang/rust", 999_999, "someone else's private issue", (Label("A-async-await"),))]
    snapshots.save_now(SavedBoard(rig.key, "someone-else", AT, theirs, SyncMarks()))
    snapshots.set_account_now(host_of(rig.spec.api_url), Account("someone-else"), 0)
    snapshots.close()
    cache = SQLitePageCache(rig.tmp / "pages.sqlite3")
    cache.put_now("http://127.0.0.1/sentinel", CachedPage('W/"x"', b"[]"))
    cache.close()

    session = rig.open(sign_in=True)
    assert IssueKey("rust-lang/rust", 999_999) in session.board  # painted first, as last seen
    rig.start(session)
    rig.qtbot.waitUntil(lambda: IssueKey("rust-lang/rust", 999_999) not in session.board, timeout=20_000)
    rig.settle(session, lambda: len(session.board) > 100 and not session.board_service.loading)
    check = SQLitePageCache(rig.tmp / "pages.sqlite3")
    assert check.get_now("http://127.0.0.1/sentinel") is None
    check.close()
    store = SnapshotStore(rig.tmp / "boards.sqlite3")
    assert store.account_now(host_of(rig.spec.api_url)) == Account(DEFAULT_LOGIN)
    store.close()
