"""The details pane against the sandbox: an issue's comments (read when its card is selected, kept, plain
text, a clear word when they cannot be read) and its fresh state once a move of it settled."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sandboxkit import Fault, Sandbox

from triageboard.app.session import Session
from triageboard.board import Issue, IssueKey
from triageboard.github import Comment
from triageboard.services.details_service import Comments, DetailsService
from triageboard.ui.details import COMMENT_CHARS, DetailsPane

HOSTILE = "<b>not bold</b> <img src='https://example.invalid/x.png'> <script>alert(1)</script>"


def plain_card(session: Session, column: str) -> IssueKey:
    for issue in session.board.column_issues(session.spec.column(column)):
        if not session.board.placement(issue.key).is_conflict:
            return issue.key
    raise AssertionError(f"no plain card in {column}")


def comment_reads(sandbox: Sandbox, key: IssueKey) -> int:
    path = f"/repos/{key.repo}/issues/{key.number}/comments"
    return sum(1 for r in sandbox.request_log if r.method == "GET" and r.path.endswith(path))


def test_comments_show_as_plain_text_and_are_read_once(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window, pane = session.window, session.window.details
    key, other = plain_card(session, "Uncategorized"), plain_card(session, "Focus")
    sandbox.comment_as("mallory", key.repo, key.number, HOSTILE)
    total = int(sandbox.issue(key.repo, key.number)["comments"])
    assert window.select(key)
    qtbot.waitUntil(lambda: pane.tabs.tabText(1) == f"Comments ({total:,})", timeout=10_000)
    text = pane.comment_text.toPlainText()
    assert "mallory · " in text
    assert HOSTILE in text  # shown literally: nothing bold, no image, no script
    assert pane.comment_status.textFormat() == Qt.TextFormat.PlainText
    assert pane.comment_status.text() == f"{total:,} comment{'s' if total != 1 else ''}."
    assert comment_reads(sandbox, key) == 1
    assert window.select(other)
    qtbot.waitUntil(lambda: pane.comments_key == other, timeout=10_000)
    assert window.select(key)  # back again: from the cache, no second read
    qtbot.waitUntil(lambda: HOSTILE in pane.comment_text.toPlainText(), timeout=10_000)
    assert comment_reads(sandbox, key) == 1


def test_comments_that_cannot_be_read_say_so_and_the_pane_still_holds(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window, pane = session.window, session.window.details
    sandbox.inject(Fault(kind="status", status=404, method="GET", path=r"/comments", count=None))
    key = plain_card(session, "OnDeck")
    assert window.select(key)
    qtbot.waitUntil(lambda: pane.comment_status.text().startswith("The comments could not be loaded."))
    assert len(pane.comment_status.text()) > len("The comments could not be loaded. ")  # and why
    assert pane.comment_text.toPlainText() == ""
    issue = session.board.issue(key)
    assert pane.title.text() == issue.title  # the rest of the pane is there
    assert not window.message_bar.isVisible()  # the pane's own matter: no banner over the board


def test_after_a_move_settles_the_pane_shows_the_fresh_issue(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window, pane = session.window, session.window.details
    key = plain_card(session, "Uncategorized")
    assert window.select(key)
    before = session.board.issue(key).updated_at
    qtbot.keyClick(
        window.column_widget("Uncategorized").view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier
    )
    assert "sending" in pane.column.text()
    qtbot.waitUntil(lambda: not session.board.is_pending(key), timeout=10_000)
    fresh = datetime.fromisoformat(
        str(sandbox.issue(key.repo, key.number)["updated_at"]).replace("Z", "+00:00")
    )
    assert fresh != before
    qtbot.waitUntil(lambda: pane.issue is not None and pane.issue.updated_at == fresh, timeout=10_000)
    assert pane.updated.text() == fresh.astimezone().strftime("%Y-%m-%d %H:%M")
    assert pane.column.text() == "OnDeck"
    assert session.board.column_of(key).name == "OnDeck"


def test_the_comment_cache_is_bounded(session: Session, qtbot: QtBot) -> None:
    details = DetailsService(session.client, session.scope, cache_size=3)
    issues = session.board.issues()[:5]
    for issue in issues:
        task = details.load_comments(issue)
        assert task is not None
        qtbot.waitUntil(task.done, timeout=10_000)
    assert [details.cached(i.key) is not None for i in issues] == [False, False, True, True, True]
    assert details.load_comments(issues[-1]) is None  # answered from the cache


def test_a_card_moved_while_another_was_shown_is_fresh_when_shown(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window, pane = session.window, session.window.details
    key, other = plain_card(session, "Uncategorized"), plain_card(session, "Focus")
    before = session.board.issue(key).updated_at
    session.move_service.request_move(key, "Other")
    assert window.select(other)
    qtbot.waitUntil(lambda: not session.board.is_pending(key), timeout=10_000)
    fresh = datetime.fromisoformat(
        str(sandbox.issue(key.repo, key.number)["updated_at"]).replace("Z", "+00:00")
    )
    assert fresh != before
    assert session.board.issue(key).updated_at == before  # the write's answer carries labels only
    assert window.select(key)
    qtbot.waitUntil(lambda: pane.issue is not None and pane.issue.updated_at == fresh, timeout=10_000)
    assert pane.column.text() == "Other"


def test_the_pane_shows_the_latest_comments_and_cuts_a_long_one(qtbot: QtBot) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    key = IssueKey("rust-lang/rust", 1)
    pane.show_issue(Issue("rust-lang/rust", 1, "an issue", ()))
    assert pane.comment_status.text() == "Loading comments…"
    when = datetime(2026, 11, 1, tzinfo=UTC)
    long = "x" * (COMMENT_CHARS + 5)
    comments = (Comment(1, "alice", "<i>first</i>", when), Comment(2, "bob", long, when))
    pane.show_comments(Comments(IssueKey("rust-lang/rust", 2), comments, 2, None))  # another issue's: late
    assert pane.comment_status.text() == "Loading comments…"
    pane.show_comments(Comments(key, comments, 250, None))
    assert pane.comment_status.text() == "The latest 2 of 250 comments."
    assert pane.tabs.tabText(1) == "Comments (250)"
    text = pane.comment_text.toPlainText()
    assert text.startswith("alice · ")
    assert "<i>first</i>" in text
    assert "x" * COMMENT_CHARS + "\n[… 5 more characters: Open on GitHub to read it all]" in text
    pane.show_issue(None)
    assert pane.comment_text.toPlainText() == ""
    assert pane.tabs.tabText(1) == "Comments"
