"""Cards you can read: marks in words, time in column, changes since the meeting, two-line titles, chips
without repeats (and "+N"), the order within columns, and what a screen reader hears of cards and columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QRect, QSettings, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QStyleOptionViewItem, QWidget
from pytestqt.qtbot import QtBot
from sandboxkit import Sandbox

from triageboard.app.session import Session
from triageboard.board import (
    Board,
    Change,
    ChangeKind,
    Filter,
    Issue,
    IssueKey,
    Label,
    MarkKind,
    SinceSnapshot,
    Sort,
    board_cards,
    builtin_views,
    card_order,
    column_state,
    label_key,
    preset,
    time_in_column_text,
)
from triageboard.reporting import CardChanged
from triageboard.reporting import Change as ReportedChange
from triageboard.ui.cardstate import CardState, sort_setting
from triageboard.ui.columns import ColumnWidget
from triageboard.ui.delegate import CardDelegate
from triageboard.ui.models import (
    ChipsRole,
    ColumnModel,
    InColumnRole,
    InColumnSinceRole,
    IssueKeyRole,
    MarksRole,
    SinceMeetingRole,
)
from triageboard.ui.window import MainWindow

SPEC = preset("rust-async")
NOW = datetime(2026, 11, 1, tzinfo=UTC)
LONG = (
    "ICE: `coroutine layout mismatch` when an async closure captures a pinned generic future across an await"
)


def issue(
    n: int,
    *labels: str,
    title: str = "",
    assignees: tuple[str, ...] = (),
    days_quiet: float = 0.0,
    area: bool = True,
    comments: int = 0,
) -> Issue:
    return Issue(
        repo="rust-lang/rust",
        number=n,
        title=title or f"issue {n}",
        labels=tuple(Label(name, "d73a4a") for name in (("A-async-await",) if area else ()) + labels),
        assignees=assignees,
        comments=comments,
        created_at=NOW - timedelta(days=400),
        updated_at=NOW - timedelta(days=days_quiet, hours=n),
    )


def k(n: int) -> IssueKey:
    return IssueKey("rust-lang/rust", n)


@pytest.fixture
def board() -> Board:
    b = Board(SPEC)
    b.update(
        [
            issue(1, "AsyncAwait-Focus", assignees=("alice",), days_quiet=1),
            issue(2, "AsyncAwait-Focus", days_quiet=30, comments=9),  # unassigned and quiet for a month
            issue(3, "AsyncAwait-Focus", "AsyncAwait-Other", assignees=("bob",)),  # conflict
            issue(4, "AsyncAwait-OnDeck", area=False),  # triaged, but lost its area label
            issue(
                5, "AsyncAwait-OnDeck", "C-bug", "T-compiler", "P-high", "E-mentor", "S-blocked", title=LONG
            ),
            issue(6, comments=3),
        ]
    )
    return b


class Columns:
    """The four columns of a board as the window builds them, with the window's card state."""

    def __init__(self, board: Board, qtbot: QtBot, settings: QSettings | None = None) -> None:
        self.parent = QWidget()
        qtbot.addWidget(self.parent)
        self.widgets = []
        for column in SPEC.columns:
            model = ColumnModel(board, column)
            model.clock = lambda: NOW.timestamp()
            self.widgets.append(ColumnWidget(model, self.parent))
        self.state = CardState(SPEC, self.widgets, settings, self.parent)

    def __getitem__(self, name: str) -> ColumnWidget:
        return next(w for w in self.widgets if w.column.name == name)


def marks(widget: ColumnWidget, row: int) -> list[str]:
    return [m.name for m in widget.proxy.index(row, 0).data(MarksRole)]


def row_of(widget: ColumnWidget, n: int) -> int:
    return widget.proxy.proxy_row_of(k(n))


def test_each_card_carries_the_marks_its_column_rules_give_it(board: Board, qtbot: QtBot) -> None:
    cols = Columns(board, qtbot)
    focus, ondeck = cols["Focus"], cols["OnDeck"]
    assert marks(focus, row_of(focus, 1)) == []
    assert marks(focus, row_of(focus, 2)) == ["needs-assignee", "stalled"]
    stalled = focus.proxy.index(row_of(focus, 2), 0).data(MarksRole)[1]
    assert stalled.kind is MarkKind.STALLED
    assert stalled.days == 30
    assert stalled.text == "stalled 30 d"
    assert marks(focus, row_of(focus, 3)) == ["conflict"]
    assert marks(ondeck, row_of(ondeck, 4)) == ["lost-area"]
    board.set_pending(k(1), True)
    assert marks(focus, row_of(focus, 1)) == ["pending"]


def test_a_view_of_marked_cards_shows_the_cards_with_those_marks(board: Board, qtbot: QtBot) -> None:
    """The built-in "Stalled" view filters on a mark: the column's filter reads each card's marks as painted
    (it once matched against none, so the view showed an empty board)."""
    cols = Columns(board, qtbot)
    stalled = next(view for view in builtin_views(SPEC) if view.name == "Stalled")
    for widget in cols.widgets:
        widget.proxy.set_filter(stalled.filter)
    focus = cols["Focus"]
    assert [focus.proxy.index(r, 0).data(IssueKeyRole) for r in range(focus.proxy.rowCount())] == [k(2)]
    assert sum(w.proxy.rowCount() for w in cols.widgets) == 1
    conflicts = Filter(flags=(MarkKind.CONFLICT.value,))
    focus.proxy.set_filter(conflicts)
    assert [focus.proxy.index(r, 0).data(IssueKeyRole) for r in range(focus.proxy.rowCount())] == [k(3)]


def test_time_in_column_comes_from_the_timeline_and_resets_the_stalled_rule(
    board: Board, qtbot: QtBot
) -> None:
    cols = Columns(board, qtbot)
    focus = cols["Focus"]
    index = focus.proxy.index(row_of(focus, 2), 0)
    assert index.data(InColumnRole) == ""  # not read yet: the card says nothing rather than guess
    with qtbot.waitSignal(focus.proxy.dataChanged):
        cols.state.set_in_column({k(2): NOW - timedelta(days=41), k(1): NOW - timedelta(hours=3)})
    assert index.data(InColumnSinceRole) == NOW - timedelta(days=41)
    assert index.data(InColumnRole) == "in Focus 41 d"
    assert focus.proxy.index(row_of(focus, 1), 0).data(InColumnRole) == "in Focus < 1 d"
    # Entering the column recently makes a long-quiet card not stalled (the later of the two counts).
    cols.state.set_in_column({k(2): NOW - timedelta(days=2)})
    assert marks(focus, row_of(focus, 2)) == ["needs-assignee"]
    cols.state.set_in_column({k(2): None})  # moved: unknown again
    assert index.data(InColumnRole) == ""
    assert marks(focus, row_of(focus, 2)) == ["needs-assignee", "stalled"]


def test_cards_changed_since_the_meeting_say_so(board: Board, qtbot: QtBot) -> None:
    cols = Columns(board, qtbot)
    ondeck = cols["OnDeck"]
    since = SinceSnapshot({k(5): Change(ChangeKind.MOVED, "moved from Focus", "Focus")}, ())
    with qtbot.waitSignal(ondeck.proxy.dataChanged):
        cols.state.set_since_meeting(since)
    assert ondeck.proxy.index(row_of(ondeck, 5), 0).data(SinceMeetingRole) == "moved from Focus"
    assert ondeck.proxy.index(row_of(ondeck, 4), 0).data(SinceMeetingRole) == ""
    painter = RecordingPainter()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 2000, 140)
    CardDelegate().draw(painter, option, ondeck.proxy.index(row_of(ondeck, 5), 0))  # type: ignore[arg-type]
    assert "since meeting" in painter.texts
    cols.state.set_since_meeting(SinceSnapshot({}, ()))
    assert ondeck.proxy.index(row_of(ondeck, 5), 0).data(SinceMeetingRole) == ""


class RecordingPainter:
    """Stands in for QPainter: records the texts the delegate draws."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def drawText(self, rect: QRect, flags: object, text: str) -> None:
        self.texts.append(text)

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None


def test_marks_are_painted_in_words(board: Board, qtbot: QtBot) -> None:
    cols = Columns(board, qtbot)
    focus = cols["Focus"]
    board.set_pending(k(3), True)
    cols.state.set_in_column({k(2): NOW - timedelta(days=41)})
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 2000, 140)
    texts = {}
    for n in (2, 3):
        painter = RecordingPainter()
        CardDelegate().draw(painter, option, focus.proxy.index(row_of(focus, n), 0))  # type: ignore[arg-type]
        texts[n] = painter.texts
    assert {"needs an assignee", "stalled 30 d", "in Focus 41 d"} <= set(texts[2])
    assert {"sending…", "conflict"} <= set(texts[3])


def test_titles_wrap_to_two_lines_before_they_elide(qapp: object) -> None:
    delegate = CardDelegate()
    delegate.sizeHint(QStyleOptionViewItem(), QModelIndex())  # takes the option's fonts
    wide = delegate.title_lines("Short title", 400)
    assert wide == ("Short title",)
    first, second = delegate.title_lines(LONG, 260)
    assert LONG.startswith(first)
    assert LONG[len(first)] == " "  # wrapped at a word, not in one
    assert second.endswith("…")
    assert LONG[len(first) :].strip().startswith(second.removesuffix("…"))
    assert len(first) + len(second) > 45  # two lines say more than the one line cut at ~35 characters
    fits = delegate.title_lines(LONG, 2000)
    assert fits == (LONG,)
    # Newlines from GitHub are spaces; a word longer than the line still breaks.
    assert delegate.title_lines("a\nb", 400) == ("a b",)
    first, second = delegate.title_lines("x" * 200, 120)
    assert first
    assert set(first) == {"x"}
    assert second.endswith("…")


def test_chips_skip_the_area_and_column_labels_and_keep_triage_labels_longest(
    board: Board, qtbot: QtBot
) -> None:
    cols = Columns(board, qtbot)
    ondeck = cols["OnDeck"]
    chips = [name for name, _ in ondeck.proxy.index(row_of(ondeck, 5), 0).data(ChipsRole)]
    # No A-async-await (the board's area), no AsyncAwait-OnDeck (this column), no E-mentor (a mark).
    assert chips == ["P-high", "S-blocked", "C-bug", "T-compiler"] or chips == [
        "P-high",
        "S-blocked",
        "T-compiler",
        "C-bug",
    ]
    assert chips[0] == "P-high"
    focus = cols["Focus"]
    conflict = [name for name, _ in focus.proxy.index(row_of(focus, 3), 0).data(ChipsRole)]
    assert conflict == ["AsyncAwait-Other"]  # the other column's label: why the card is in conflict


def test_chips_that_do_not_fit_become_a_plus_n_chip(board: Board, qtbot: QtBot) -> None:
    cols = Columns(board, qtbot)
    ondeck = cols["OnDeck"]
    index = ondeck.proxy.index(row_of(ondeck, 5), 0)
    delegate = CardDelegate()
    option = QStyleOptionViewItem()
    delegate.sizeHint(option, index)
    texts = ["E-mentor", *[name for name, _ in index.data(ChipsRole)]]
    wide_plan, wide_hidden = delegate.chip_plan(texts, 2000)
    assert [t for _, t, _ in wide_plan] == texts
    assert wide_hidden == 0
    plan, hidden = delegate.chip_plan(texts, 150)
    assert 0 < len(plan) < len(texts)
    assert len(plan) + hidden == len(texts)
    assert [n for n, _, _ in plan] == list(range(len(plan)))  # the first (most relevant) are kept
    assert sum(w for *_, w in plan) + 3 * len(plan) + delegate._chip_width(f"+{hidden}") <= 150
    # The painted card at that width shows the kept chips and "+N".
    option.rect = QRect(0, 0, 150 + 2 * (8 + 3), 140)
    painter = RecordingPainter()
    delegate.draw(painter, option, index)  # type: ignore[arg-type]
    assert "P-high" in painter.texts
    assert any(t.startswith("+") and t[1:].isdigit() for t in painter.texts)


def test_sorting_orders_columns_by_card_order_and_is_remembered(
    board: Board, qtbot: QtBot, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    cols = Columns(board, qtbot, settings)
    focus = cols["Focus"]

    def shown(widget: ColumnWidget) -> list[IssueKey]:
        return [widget.proxy.index(r, 0).data(IssueKeyRole) for r in range(widget.proxy.rowCount())]

    def expected(sort: Sort) -> list[IssueKey]:
        issues = board.column_issues(focus.column)
        return [
            i.key for i in sorted(issues, key=lambda i: card_order(sort, i, cols.state.in_column.get(i.key)))
        ]

    board_order = shown(focus)
    focus.view.selectionModel().setCurrentIndex(
        focus.proxy.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    selected = focus.view.currentIndex().data(IssueKeyRole)
    cols.state.sort_actions[Sort.COMMENTS].trigger()
    assert shown(focus) == expected(Sort.COMMENTS) == [k(2), k(1), k(3)]  # 9 comments first
    assert focus.view.currentIndex().data(IssueKeyRole) == selected  # the selection follows its card
    cols.state.set_sort(Sort.NUMBER)
    assert shown(focus) == [k(1), k(2), k(3)]
    # Time in column: longest first, unknown last; news from the timeline reorders.
    with qtbot.waitSignal(cols.state.wanted) as wanted:
        cols.state.set_sort(Sort.TIME_IN_COLUMN)
    assert set(wanted.args[0]) == {i.key for i in board.issues()}
    cols.state.set_in_column({k(3): NOW - timedelta(days=50), k(1): NOW - timedelta(days=5)})
    assert shown(focus) == expected(Sort.TIME_IN_COLUMN) == [k(3), k(1), k(2)]
    # Cards arriving, changing and leaving while sorted: the order stays the sort's.
    board.update([issue(7, "AsyncAwait-Focus", comments=1)])
    cols.state.set_in_column({k(7): NOW - timedelta(days=100)})
    assert shown(focus) == expected(Sort.TIME_IN_COLUMN) == [k(7), k(3), k(1), k(2)]
    board.remove([k(3)])
    assert shown(focus) == [k(7), k(1), k(2)]
    assert focus.proxy.proxy_row_of(k(1)) == 1
    # A filter and a sort together.
    focus.proxy.set_filter(Filter(text="issue 2"))
    assert shown(focus) == [k(2)]
    focus.proxy.set_filter(Filter())
    assert shown(focus) == [k(7), k(1), k(2)]
    # Remembered per board: a new window over the same settings starts sorted so.
    again = Columns(board, qtbot, settings)
    assert again.state.sort is Sort.TIME_IN_COLUMN
    assert again.state.sort_actions[Sort.TIME_IN_COLUMN].isChecked()
    assert settings.value(sort_setting(SPEC)) == "time-in-column"
    cols.state.set_sort(Sort.BOARD)
    assert shown(focus) == [i.key for i in board.column_issues(focus.column)]
    assert set(board_order) - {k(3)} <= set(shown(focus))


def test_cards_and_columns_say_what_a_sighted_user_sees(board: Board, qtbot: QtBot) -> None:
    cols = Columns(board, qtbot)
    cols.parent.show()
    board.set_pending(k(3), True)
    cols.state.set_in_column({k(2): NOW - timedelta(days=41)})
    cols.state.set_since_meeting(
        SinceSnapshot({k(2): Change(ChangeKind.CHANGED, "changed since the meeting")}, ())
    )
    focus = cols["Focus"]
    focus.refresh_header()
    view = QAccessible.queryAccessibleInterface(focus.view)
    assert view is not None
    assert view.text(QAccessible.Text.Name) == "Focus column: 3 cards, 1 needs an assignee, 1 stalled"
    heard = {}
    for n in range(view.childCount()):
        child = view.child(n)
        heard[child.text(QAccessible.Text.Name)] = child.text(QAccessible.Text.Description)
    name = "#2 rust-lang/rust: issue 2"
    assert name in heard
    said = heard[name]
    for words in (
        "Needs an assignee.",
        "Stalled for 30 days.",
        "Changed since the meeting.",
        "In Focus for 41 days.",
        "Unassigned.",
        "Labels: A-async-await, AsyncAwait-Focus.",
        "9 comments.",
    ):
        assert words in said, words
    conflict = heard["#3 rust-lang/rust: issue 3"]
    assert "Sending this move to GitHub." in conflict
    assert "Conflict: also in Other." in conflict
    assert "Assigned to bob." in conflict
    ondeck = cols["OnDeck"]
    ondeck.refresh_header()
    ondeck_view = QAccessible.queryAccessibleInterface(ondeck.view)
    assert ondeck_view is not None
    assert ondeck_view.text(QAccessible.Text.Name) == "OnDeck column: 2 cards"
    texts = [ondeck_view.child(n).text(QAccessible.Text.Description) for n in range(ondeck_view.childCount())]
    assert any("Mentored (E-mentor)." in t and "Lost its area label." not in t for t in texts)
    assert any("Lost its area label." in t for t in texts)
    # Under its soft limit, and filtered: both in words.
    board.remove([k(1)])
    focus.refresh_header()
    assert (
        view.text(QAccessible.Text.Name) == "Focus column: 2 cards, under 3–5, 1 needs an assignee, 1 stalled"
    )
    assert focus.header.count_label.text() == "2 · under 3–5 · 1 needs an assignee · 1 stalled  ⚠"
    focus.proxy.set_filter(Filter(text="issue 3"))
    focus.refresh_header()
    assert view.text(QAccessible.Text.Name).startswith("Focus column: 1 of 2 cards shown, under 3–5")


def test_the_window_reads_time_in_column_for_the_cards_on_screen(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    """Against the sandbox: the cards on screen are told to the timeline service, and what it reads (the
    sandbox's own history) shows on the cards."""
    window = session.window
    state = window.card_state
    state.tell_shown()
    focus = window.column_widget("Focus")
    assert state.shown
    assert all(key in session.board for key in state.shown)
    assert set(focus.visible_keys()) <= set(state.shown)
    triage = {label_key(c.labels[0]) for c in SPEC.columns if c.labels}
    # Cards with one triage label (a conflict's time is its claimed column's, a different question).
    plain = [
        key
        for key in focus.visible_keys()
        if len([lb for lb in session.board.issue(key).labels if lb.key in triage]) == 1
    ]
    assert plain

    def index(key: IssueKey) -> QModelIndex:
        return focus.proxy.index(focus.proxy.proxy_row_of(key), 0)

    qtbot.waitUntil(lambda: all(index(key).data(InColumnRole) for key in plain), timeout=30_000)
    for key in plain:
        entered = sandbox_entered(sandbox, key)
        assert index(key).data(InColumnSinceRole) == entered
        assert index(key).data(InColumnRole) == time_in_column_text(focus.column, entered, focus.model.now())


def sandbox_entered(sandbox: Sandbox, key: IssueKey) -> datetime:
    """When the sandbox's own history says the card entered Focus (read without the board's code)."""
    with httpx.Client(headers={"Authorization": f"Bearer {sandbox.token}"}) as http:
        url = f"{sandbox.api_url}/repos/{key.repo}/issues/{key.number}/events?per_page=100"
        events = http.get(url).json()
    last = [
        e
        for e in events
        if e["event"] == "labeled" and label_key(e["label"]["name"]) == label_key("AsyncAwait-Focus")
    ][-1]
    return datetime.fromisoformat(last["created_at"].replace("Z", "+00:00"))


def test_the_window_passes_the_meeting_and_the_sort_to_its_cards(
    board: Board, qtbot: QtBot, tmp_path: Path
) -> None:
    """What the session hands the window (the meeting's changes) reaches the cards; View ▸ Sort is there
    and remembered in the window's settings."""
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(board, settings=settings)
    qtbot.addWidget(window)
    ondeck = window.column_widget("OnDeck")
    window.set_since_meeting(SinceSnapshot({k(5): Change(ChangeKind.ADDED, "new since the meeting")}, ()))
    assert (
        ondeck.proxy.index(ondeck.proxy.proxy_row_of(k(5)), 0).data(SinceMeetingRole)
        == "new since the meeting"
    )
    assert window.since_label.text() == "1 changed since the last meeting"
    titles = [a.text() for a in window.view_menu.actions()]
    assert "&Sort cards" in titles
    window.card_state.sort_actions[Sort.NUMBER].trigger()
    assert [ondeck.proxy.index(r, 0).data(IssueKeyRole) for r in range(ondeck.proxy.rowCount())] == [
        k(4),
        k(5),
    ]
    again = MainWindow(board, settings=settings)
    qtbot.addWidget(again)
    assert again.card_state.sort is Sort.NUMBER
    assert again.column_widget("OnDeck").proxy.order_by is Sort.NUMBER


def test_headers_say_what_column_state_says_of_the_real_cards(board: Board, qtbot: QtBot) -> None:
    """The header's words, worked out once per change of a column, are board.column_state's over the
    column's real cards (marked by board_cards), filtered or not."""
    board.update([issue(n, "AsyncAwait-Focus", days_quiet=20 + n) for n in (20, 21, 22)])
    board.update([issue(n, "AsyncAwait-Focus", assignees=("carol",)) for n in (23, 24)])
    cols = Columns(board, qtbot)
    cols.state.set_in_column({k(21): NOW - timedelta(days=1)})
    for widget in cols.widgets:
        real = [c for c in board_cards(board, NOW, cols.state.in_column) if c.column == widget.column]
        widget.refresh_header()
        assert widget.header.count_label.text().removesuffix("  ⚠") == column_state(widget.column, real)
        for text in ("issue 2", "issue 1", "nothing matches this"):
            widget.proxy.set_filter(Filter(text=text))
            widget.refresh_header()
            shown = widget.proxy.rowCount()
            expected = column_state(widget.column, real, shown if shown != len(real) else None)
            said = widget.header.count_label.text().removesuffix("  ⚠")
            assert said == expected, (widget.column.name, text)
        widget.proxy.set_filter(Filter())
    focus = cols["Focus"]
    focus.refresh_header()
    # 2, 20, 21 and 22 unassigned; 2, 20 and 22 quiet for weeks (21 entered Focus yesterday).
    assert focus.header.count_label.text() == "8 · over 3–5 · 4 need an assignee · 3 stalled  ⚠"


def test_a_move_seen_to_fail_marks_its_card_until_it_moves_again(board: Board, qtbot: QtBot) -> None:
    window = MainWindow(board)
    qtbot.addWidget(window)
    ondeck = window.column_widget("OnDeck")

    def card() -> QModelIndex:
        return ondeck.proxy.index(ondeck.proxy.proxy_row_of(k(4)), 0)

    with qtbot.waitSignal(ondeck.proxy.dataChanged):
        window.on_card_changed(CardChanged(ReportedChange.FAILED, str(k(4)), "issue 4", "Focus"))
    assert [m.name for m in card().data(MarksRole)][:1] == ["failed"]
    assert "Move to Focus failed." in card().data(Qt.ItemDataRole.AccessibleDescriptionRole)
    painter = RecordingPainter()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 2000, 140)
    CardDelegate().draw(painter, option, card())  # type: ignore[arg-type]
    assert "failed" in painter.texts
    window.on_card_changed(CardChanged(ReportedChange.MOVED, str(k(4)), "issue 4", "OnDeck"))
    assert "failed" not in [m.name for m in card().data(MarksRole)]
