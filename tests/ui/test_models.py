"""Column models, the filter proxy and the card delegate over a plain Board (no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from triageboard.board import Assignee, Board, Filter, Issue, IssueKey, Label, preset
from triageboard.ui.delegate import CardDelegate, chip_colors
from triageboard.ui.models import (
    ISSUE_KEYS_MIME,
    AgeRole,
    ColumnFilter,
    ColumnModel,
    ConflictRole,
    IssueKeyRole,
    PendingRole,
    age_text,
    decode_keys,
    encode_keys,
)

SPEC = preset("rust-async")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def issue(
    n: int, *labels: str, title: str = "", assignees: tuple[str, ...] = (), repo: str = "rust-lang/rust"
) -> Issue:
    return Issue(
        repo=repo,
        number=n,
        title=title or f"issue {n}",
        labels=tuple(
            Label(name, "d73a4a" if name.startswith("A-") else "ededed")
            for name in ("A-async-await", *labels)
        ),
        assignees=assignees,
        created_at=NOW - timedelta(days=n),
        updated_at=NOW - timedelta(hours=n),
    )


@pytest.fixture
def board() -> Board:
    b = Board(SPEC)
    b.update(
        [
            issue(1, "AsyncAwait-Focus", assignees=("alice",)),
            issue(2, "AsyncAwait-Focus", "E-mentor"),
            issue(3, "AsyncAwait-OnDeck", title="<b>bold</b> & <i>tags</i>"),
            issue(4, "AsyncAwait-Other", "AsyncAwait-Focus"),  # conflict: stays in Focus, flagged
            issue(5),
            issue(6, "E-mentor", assignees=("bob",)),
        ]
    )
    return b


def models(board: Board) -> dict[str, ColumnModel]:
    return {c.name: ColumnModel(board, c) for c in SPEC.columns}


def keys(model: ColumnModel | ColumnFilter) -> list[IssueKey]:
    return [model.index(r, 0).data(IssueKeyRole) for r in range(model.rowCount())]


def k(n: int) -> IssueKey:
    return IssueKey("rust-lang/rust", n)


def test_cards_land_in_their_columns(board: Board, qapp: object) -> None:
    m = models(board)
    assert keys(m["Focus"]) == [k(1), k(2), k(4)]
    assert keys(m["OnDeck"]) == [k(3)]
    assert keys(m["Other"]) == []
    assert keys(m["Uncategorized"]) == [k(5), k(6)]
    assert m["Focus"].index(2, 0).data(ConflictRole) is True
    assert m["Focus"].index(0, 0).data(ConflictRole) is False


def test_model_follows_board_changes_with_row_signals(board: Board, qtbot: QtBot) -> None:
    m = models(board)
    with qtbot.waitSignal(m["Other"].rowsInserted), qtbot.waitSignal(m["Focus"].rowsRemoved):
        board.update([issue(1, "AsyncAwait-Other")])
    assert keys(m["Other"]) == [k(1)]
    assert k(1) not in keys(m["Focus"])
    with qtbot.waitSignal(m["Other"].dataChanged):
        board.set_pending(k(1), True)
    assert m["Other"].index(0, 0).data(PendingRole) is True
    # A big batch becomes one reset, and the model still agrees with the board.
    with qtbot.waitSignal(m["Uncategorized"].modelReset):
        board.update([issue(n) for n in range(100, 200)])
    assert m["Uncategorized"].rowCount() == board.column_size(SPEC.uncategorized) == 102


def test_drop_emits_a_request_and_never_changes_rows(board: Board, qtbot: QtBot) -> None:
    m = models(board)
    mime = m["Focus"].mimeData([m["Focus"].index(0, 0)])
    assert decode_keys(mime) == [k(1)]
    assert mime.hasFormat(ISSUE_KEYS_MIME)
    target = m["Other"]
    assert target.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, QModelIndex())
    # Dropping into the column the card is already in is refused.
    assert not m["Focus"].canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, QModelIndex())
    with qtbot.waitSignal(target.moves_requested) as blocker:
        assert target.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert blocker.args == [[k(1)], "Other"]
    assert keys(m["Focus"]) == [k(1), k(2), k(4)]  # the board owns the move
    assert not m["Focus"].removeRows(0, 1)
    assert m["Focus"].supportedDragActions() == Qt.DropAction.CopyAction


def test_a_dropped_selection_is_one_request_for_the_cards_that_move(board: Board, qtbot: QtBot) -> None:
    m = models(board)
    mime = encode_keys([k(1), k(3), k(5), IssueKey("rust-lang/rust", 999)])  # one already in OnDeck, one gone
    target = m["OnDeck"]
    requests: list[tuple[object, str]] = []
    target.moves_requested.connect(lambda found, column: requests.append((found, column)))
    assert target.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, QModelIndex())
    assert requests == [([k(1), k(5)], "OnDeck")]
    assert keys(target) == [k(3)]  # the board owns the move


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter(mentored_only=True), {"Focus": [2], "Uncategorized": [6]}),
        (Filter(assignee="alice"), {"Focus": [1]}),
        (Filter(assignee=Assignee.UNASSIGNED), {"Focus": [2, 4], "OnDeck": [3], "Uncategorized": [5]}),
        (Filter(text="#3"), {"OnDeck": [3]}),
        (Filter(text="bold"), {"OnDeck": [3]}),
        (Filter(label="AsyncAwait-Other"), {"Focus": [4]}),
    ],
)
def test_each_filter_narrows_columns(
    board: Board, qapp: object, flt: Filter, expected: dict[str, list[int]]
) -> None:
    for name, model in models(board).items():
        proxy = ColumnFilter(model)
        proxy.set_filter(flt)
        assert keys(proxy) == [k(n) for n in expected.get(name, [])], name
        assert model.rowCount() == board.column_size(SPEC.column(name))
    # The proxy keeps following the board while filtered.
    proxy = ColumnFilter(models(board)["Uncategorized"])
    proxy.set_filter(Filter(mentored_only=True))
    board.update([issue(7, "E-mentor"), issue(8)])
    assert keys(proxy) == [k(6), k(7)]


class RecordingPainter:
    """Stands in for QPainter: records what the delegate draws."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def drawText(self, rect: QRect, flags: object, text: str) -> None:
        self.texts.append(text)

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None


def test_delegate_draws_html_titles_literally_and_every_part_of_a_card(board: Board, qapp: object) -> None:
    model = models(board)["OnDeck"]
    delegate = CardDelegate()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 2000, 120)
    painter = RecordingPainter()
    delegate.draw(painter, option, model.index(0, 0))  # type: ignore[arg-type]
    assert "<b>bold</b> & <i>tags</i>" in painter.texts
    assert "#3 · rust-lang/rust" in painter.texts
    # The board's area label and the column's own label are not repeated on the card.
    assert "A-async-await" not in painter.texts
    assert "AsyncAwait-OnDeck" not in painter.texts
    assert "unassigned" in painter.texts
    # The tooltip is rich text by necessity; the title inside it is escaped, so it reads literally.
    doc = QTextDocument()
    doc.setHtml(model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole))
    assert "<b>bold</b> & <i>tags</i>" in doc.toPlainText()

    focus = models(board)["Focus"]
    painter = RecordingPainter()
    delegate.draw(painter, option, focus.index(2, 0))  # type: ignore[arg-type]
    assert "conflict" in painter.texts
    assert "AsyncAwait-Other" in painter.texts  # another column's label: the conflict's cause, shown
    painter = RecordingPainter()
    delegate.draw(painter, option, focus.index(1, 0))  # type: ignore[arg-type]
    assert "E-mentor" in painter.texts
    assert "conflict" not in painter.texts


def test_age_and_chip_contrast(board: Board, qapp: object) -> None:
    model = models(board)["Focus"]
    model.clock = lambda: NOW.timestamp()
    assert model.index(0, 0).data(AgeRole) == "1h"
    assert [age_text(s) for s in (5, 120, 7200, 3 * 86400, 90 * 86400, 800 * 86400)] == [
        "now",
        "2m",
        "2h",
        "3d",
        "2mo",
        "2y",
    ]
    assert chip_colors("ffffff")[1].name() == "#1f2328"  # dark text on white
    assert chip_colors("000000")[1].name() == "#ffffff"
    assert chip_colors("d73a4a")[1].name() == "#ffffff"  # GitHub's "bug" red takes white text
    assert chip_colors("fbca04")[1].name() == "#1f2328"  # yellow takes dark text
    assert chip_colors("nonsense")[0].name() == "#ededed"


def test_cards_are_painted_from_their_rendering_until_what_they_show_changes(
    board: Board, qapp: object
) -> None:
    """A repaint of unchanged cards draws nothing again; a card whose issue, marks or selection changed is
    drawn anew (and looks different)."""
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyle

    model = models(board)["OnDeck"]
    delegate = CardDelegate()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 300, 100)

    def paint(state: QStyle.StateFlag = QStyle.StateFlag.State_None) -> QImage:
        image = QImage(300, 100, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        option.state = state
        delegate.paint(painter, option, model.index(0, 0))
        painter.end()
        return image

    first = paint()
    assert delegate.renders == 1
    assert paint() == first
    assert delegate.renders == 1  # painted from the cache
    board.update([issue(3, "AsyncAwait-OnDeck", title="a new title")])
    retitled = paint()
    assert delegate.renders == 2
    assert retitled != first
    board.set_pending(k(3), True)
    assert paint() != retitled
    assert delegate.renders == 3
    selected = paint(QStyle.StateFlag.State_Selected)
    assert delegate.renders == 4
    assert selected != retitled


def test_the_filter_follows_typing_and_the_board_like_a_fresh_filter(board: Board, qapp: object) -> None:
    """Typing narrows from the last result, backspacing widens, and cards that arrive, change or leave
    while filtered are shown exactly as a fresh filter over the column would show them."""
    extra = [
        issue(10 + n, "AsyncAwait-Other", title=f"{word} issue", assignees=who)
        for n, (word, who) in enumerate(
            [
                ("async fn", ("alice",)),
                ("pin", ()),
                ("async closure", ()),
                ("Send bound", ("bob",)),
                ("asynchrony", ()),
            ]
        )
    ]
    board.update(extra)
    model = models(board)["Other"]
    proxy = ColumnFilter(model)

    def expected() -> list[IssueKey]:
        flt = proxy._filter
        return [i.key for i in board.column_issues(SPEC.column("Other")) if flt.matches(i)]

    for text in ["a", "as", "asy", "async", "async f", "async", "as", "", "12", "#12", "pin"]:
        proxy.set_filter(Filter(text=text))
        assert keys(proxy) == expected(), text
    proxy.set_filter(Filter(text="async"))
    board.update([issue(30, "AsyncAwait-Other", title="async again")])  # arrives, shown
    board.update([issue(31, "AsyncAwait-Other", title="unrelated")])  # arrives, hidden
    board.update([issue(12, "AsyncAwait-Other", title="no longer matching")])  # changes, leaves the view
    board.update([issue(11, "AsyncAwait-Other", title="async pin")])  # changes, joins the view
    board.remove([k(10)])  # leaves the board
    assert keys(proxy) == expected()
    proxy.set_filter(Filter(text="async", assignee="alice"))
    assert keys(proxy) == expected()
    proxy.set_filter(Filter())
    assert keys(proxy) == [i.key for i in board.column_issues(SPEC.column("Other"))]
