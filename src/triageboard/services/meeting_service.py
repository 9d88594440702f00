"""The weekly triage meeting of one board: its journal, its decisions sent as moves and assignments, and what
changed on GitHub since the last one.

A meeting is opened on the board as it stands (the agenda is made then) or resumed from the journal, where
every record is committed before the next is written (one writer, in order, in a worker thread). Each
decision is the same request a drag or Card ▸ Assign… makes, through :class:`MoveService`: shown on the
board at once, sent through the durable outbox, one undo step. A request the board refuses at once (the
card left the board, the repository cannot be labelled) takes the decision back, in the journal too.

When a meeting ends, the board is kept as it stands once the meeting's requests have come back from GitHub
(a :class:`board.BoardSnapshot`); cards moved, added or changed since are what :attr:`since` holds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from ..board import (
    Board,
    BoardSnapshot,
    Decision,
    JournalError,
    Meeting,
    MeetingError,
    MeetingOpened,
    Record,
    Relabel,
    Request,
    SinceSnapshot,
    agenda,
    board_cards,
    changes_since,
    minutes,
    open_meeting,
)
from ..clock import Clock, wait_event
from ..errors import StoreError
from ..reporting import MeetingNotReady, MeetingNotResumed, MeetingWait, NoMeeting, Reporter
from ..store import Journal, Place
from ..tasks import TaskScope
from .move_service import MoveService, Outcome

log = logging.getLogger(__name__)

# How long an ended meeting waits for its requests to come back before the board is kept anyway.
SNAPSHOT_PATIENCE = 600.0
NOTHING_SINCE = SinceSnapshot({}, ())


@dataclass
class _Open:
    """The meeting in progress: its journal id and every record made so far (what the journal holds once
    the writer has caught up)."""

    id: int
    place: Place
    meeting: Meeting
    records: list[Record]


class MeetingService(QObject):
    """Signals: ``meeting_changed(object)`` (the :class:`board.Meeting` after it opened, resumed or took a
    decision; None once it ended), ``since_changed(object)`` (a :class:`board.SinceSnapshot`: cards changed
    since the last meeting), ``minutes_ready(str)`` (Markdown, when asked with :meth:`request_minutes`)."""

    meeting_changed = Signal(object)
    since_changed = Signal(object)
    minutes_ready = Signal(str)

    def __init__(
        self,
        board: Board,
        moves: MoveService,
        journal: Journal | None,
        reporter: Reporter,
        scope: TaskScope,
        clock: Clock,
        *,
        api_url: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.board = board
        self.moves = moves
        self.journal = journal
        self.reporter = reporter
        self.scope = scope
        self.clock = clock
        self.api_url = api_url
        self.account = ""
        self.since: SinceSnapshot = NOTHING_SINCE
        self._open: _Open | None = None
        self._opening: asyncio.Task[Meeting | None] | None = None
        self._unsaved: list[tuple[int, Record]] = []  # records not in the journal yet, oldest first
        self._writer: asyncio.Task[bool] | None = None
        self._snapshot: BoardSnapshot | None = None
        self._idle = asyncio.Event()
        moves.pending_changed.connect(self._pending_changed)

    @property
    def meeting(self) -> Meeting | None:
        return self._open.meeting if self._open is not None else None

    @property
    def snapshot(self) -> BoardSnapshot | None:
        """The board as the last meeting left it (None: no meeting ended yet, or not read yet)."""
        return self._snapshot

    @property
    def place(self) -> Place:
        return Place(self.api_url, self.account, self.board.spec.name)

    # --- the account and the board ---------------------------------------------------------------------

    def set_account(self, login: str) -> None:
        """Who is signed in: meetings and the last one's snapshot are theirs."""
        if login.casefold() == self.account.casefold():
            return
        self.account = login
        self._open = None
        self._snapshot = None
        self.meeting_changed.emit(None)
        self._publish_since()
        if login and self.journal is not None:
            self.scope.spawn(self._load_snapshot(), name="meeting snapshot")

    async def _load_snapshot(self) -> None:
        journal, place = self.journal, self.place
        assert journal is not None
        try:
            snapshot = await asyncio.to_thread(journal.snapshot, place)
        except StoreError as exc:
            self.reporter.warning(exc)
            return
        if place == self.place:
            self._snapshot = snapshot
            self._publish_since()

    def board_refreshed(self) -> None:
        """The board was fetched again: what changed since the last meeting may have too."""
        self._publish_since()

    def _publish_since(self) -> None:
        if self._snapshot is None or not len(self.board):
            since = NOTHING_SINCE
        else:
            since = changes_since(self._snapshot, board_cards(self.board, self.clock.now()))
        if since != self.since:
            self.since = since
            self.since_changed.emit(since)

    # --- opening ---------------------------------------------------------------------------------------

    def open(self) -> asyncio.Task[Meeting | None]:
        """The meeting of this board and account: the one in progress, else the one the journal holds open,
        else a new one on the board as it stands. ``meeting_changed`` tells the window."""
        if self._opening is None or self._opening.done():
            self._opening = self.scope.spawn(self._open_meeting(), name="open meeting")
        return self._opening

    async def _open_meeting(self) -> Meeting | None:
        if self._open is not None:
            self.meeting_changed.emit(self._open.meeting)
            return self._open.meeting
        reason = self._not_ready()
        if reason is not None:
            self.reporter.info(MeetingNotReady(reason))
            return None
        journal, place = self.journal, self.place
        assert journal is not None
        try:
            opened = await self._resume(journal, place) or await self._start(journal, place)
        except StoreError as exc:
            self.reporter.error(exc)
            return None
        if place != self.place:  # signed in as someone else meanwhile
            return None
        self._open = opened
        self.meeting_changed.emit(opened.meeting)
        return opened.meeting

    def _not_ready(self) -> MeetingWait | None:
        if self.journal is None:
            return MeetingWait.JOURNAL
        if not self.account:
            return MeetingWait.ACCOUNT
        if not len(self.board):
            return MeetingWait.LOADING
        return None

    async def _resume(self, journal: Journal, place: Place) -> _Open | None:
        try:
            stored = await asyncio.to_thread(journal.current, place)
            if stored is None:
                return None
            meeting = Meeting.resume(stored.records)
        except JournalError as exc:
            broken = await asyncio.to_thread(journal.current_id, place)
            if broken is not None:
                await asyncio.to_thread(journal.close_meeting, broken)
            self.reporter.warning(MeetingNotResumed(exc))
            return None
        return _Open(stored.id, place, meeting, list(stored.records))

    async def _start(self, journal: Journal, place: Place) -> _Open:
        now = self.clock.now()
        cards = board_cards(self.board, now)
        opened: MeetingOpened = open_meeting(self.board.spec, agenda(self.board.spec, cards, now), now)
        meeting_id = await asyncio.to_thread(journal.start, place, opened)
        log.info("triage meeting %d opened on %s with %d issues", meeting_id, place.board, len(cards))
        return _Open(meeting_id, place, Meeting(opened), [opened])

    # --- deciding --------------------------------------------------------------------------------------

    def decide(self, decision: Decision) -> bool:
        """Take ``decision`` for the current issue: journaled, its request shown and sent. False when it
        could not be taken (the reporter says why)."""
        current = self._open
        if current is None:
            return False
        try:
            record, requests = current.meeting.decide(decision, self.clock.now())
        except MeetingError as exc:
            self.reporter.warning(exc)
            return False
        self._keep(current, record)
        refused = [r for r in requests if self._send(r) is Outcome.REFUSED]
        if refused:
            # The board refused it before anything was sent (and said why): the meeting takes it back.
            undone, _ = current.meeting.undo(self.clock.now())
            self._keep(current, undone)
        self.meeting_changed.emit(current.meeting)
        return not refused

    def undo(self) -> bool:
        """Take back the last decision: its requests reversed (a move back, an assignment undone)."""
        current = self._open
        if current is None:
            return False
        try:
            record, requests = current.meeting.undo(self.clock.now())
        except MeetingError as exc:
            self.reporter.info(exc)
            return False
        for request in requests:
            self._send(request)
        self._keep(current, record)
        self.meeting_changed.emit(current.meeting)
        return True

    def _send(self, request: Request) -> Outcome:
        assert not isinstance(request, Relabel), "a meeting's decision moves or assigns, never relabels"
        return self.moves.request(request)

    def _keep(self, current: _Open, record: Record) -> None:
        current.records.append(record)
        self._unsaved.append((current.id, record))
        if self._writer is None or self._writer.done():
            self._writer = self.scope.spawn(self._write(), name="meeting journal")

    async def _write(self) -> bool:
        """Write what is not in the journal yet, in order; True once everything is. A failure is said and
        the records wait for the next decision (or the end of the meeting) to be written."""
        journal = self.journal
        assert journal is not None
        while self._unsaved:
            meeting_id, record = self._unsaved[0]
            try:
                await asyncio.to_thread(journal.append, meeting_id, record)
            except StoreError as exc:
                self.reporter.error(exc, source="journal")
                return False
            except JournalError as exc:  # the journal holds another record under this number: keep going
                log.error("meeting %d: %s", meeting_id, exc)
            self._unsaved.pop(0)
        self.reporter.resolve("journal")
        return True

    async def flush(self) -> bool:
        """Wait until the journal holds every record made so far; False when it cannot (said already)."""
        if self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._unsaved:
            self._writer = self.scope.spawn(self._write(), name="meeting journal")
            return await asyncio.shield(self._writer)
        return True

    # --- minutes and the end ---------------------------------------------------------------------------

    def request_minutes(self) -> asyncio.Task[str | None]:
        """The minutes of the meeting in progress, else of the last one (``minutes_ready``)."""
        return self.scope.spawn(self._minutes(), name="minutes")

    async def _minutes(self) -> str | None:
        text = await self.minutes_text()
        if text is not None:
            self.minutes_ready.emit(text)
        return text

    async def minutes_text(self) -> str | None:
        """The minutes in Markdown, from the journal: the meeting in progress (once its records are written),
        else the last one of this board and account. None when there is none (the reporter says so)."""
        journal = self.journal
        if journal is None or not self.account:
            self.reporter.info(
                MeetingNotReady(MeetingWait.JOURNAL if journal is None else MeetingWait.ACCOUNT)
            )
            return None
        current = self._open
        records: tuple[Record, ...] | None = None
        try:
            if current is not None:
                saved = await self.flush()
                stored = await asyncio.to_thread(journal.meeting, current.id) if saved else None
                # Records the disk refused are still the meeting's: the minutes show them all.
                records = stored.records if stored is not None else tuple(current.records)
            else:
                stored = await asyncio.to_thread(journal.last, self.place)
                records = stored.records if stored is not None else None
        except StoreError as exc:
            self.reporter.error(exc)
            if current is None:
                return None
            records = tuple(current.records)
        except JournalError as exc:
            self.reporter.error(exc)
            return None
        if records is None:
            self.reporter.info(NoMeeting(self.board.spec.name, self.account))
            return None
        return minutes(records)

    def end(self) -> asyncio.Task[str | None]:
        """End the meeting in progress: journaled as over; once its requests have come back from GitHub the
        board is kept as the next meeting's "before". Returns (and emits) its minutes."""
        return self.scope.spawn(self._end(), name="end meeting")

    async def _end(self) -> str | None:
        current, journal = self._open, self.journal
        if current is None or journal is None:
            return None
        text = await self.minutes_text()
        self._open = None
        self.meeting_changed.emit(None)
        try:
            await asyncio.to_thread(journal.close_meeting, current.id)
        except StoreError as exc:
            self.reporter.error(exc)
        if text is not None:
            self.minutes_ready.emit(text)
        self.scope.spawn(self._keep_board(current), name="meeting snapshot")
        return text

    async def _keep_board(self, ended: _Open) -> None:
        """The board as the meeting left it, once its own requests have come back from GitHub (else each of
        its moves would read as someone else's change); after ``SNAPSHOT_PATIENCE`` as it is anyway."""
        if self.moves.pending_count():
            self._idle.clear()
            await wait_event(self.clock, self._idle, SNAPSHOT_PATIENCE)
        journal = self.journal
        if journal is None or ended.place != self.place:
            return
        now = self.clock.now()
        snapshot = BoardSnapshot.of(board_cards(self.board, now), now)
        try:
            await asyncio.to_thread(journal.save_snapshot, ended.place, snapshot, ended.id)
        except StoreError as exc:
            self.reporter.error(exc)
            return
        self._snapshot = snapshot
        self._publish_since()

    def _pending_changed(self, count: int) -> None:
        if count == 0:
            self._idle.set()
