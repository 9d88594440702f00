"""Moving cards: the window's requests go through the durable outbox and the move engine, shown at once.

``request_move`` is synchronous and optimistic: the card moves on the board, the move is saved to the
outbox, and the engine (a task on the running qasync loop) sends it. GitHub's answer settles the card; a
permanent failure returns it and says why (``move_failed``). Undo and redo are moves too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from ..board import Board, Issue, IssueKey, Label, apply_diff, plan_move
from ..moves import History, MoveEngine, MoveEvents, Step
from ..store import StoreError
from . import messages

log = logging.getLogger(__name__)


class _Bridge(MoveEvents):
    """Engine events → the board and Qt signals (all on the loop's thread, which is Qt's main thread)."""

    def __init__(self, service: MoveService) -> None:
        self._service = service

    def pending_changed(self, count: int) -> None:
        self._service.pending_changed.emit(count)

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self._service._settle(key, labels)

    def failed(self, key: IssueKey, message: str, labels: tuple[Label, ...] | None) -> None:
        self._service._fail(key, message, labels)

    def status(self, text: str) -> None:
        self._service.status.emit(text)

    def notice(self, text: str) -> None:
        messages.warning(text)


class MoveService(QObject):
    """Signals: ``pending_changed(int)`` (moves in the outbox), ``move_failed(str)`` (the card is already
    back), ``status(str)`` (what waits until when; "" when nothing), ``undo_available(bool)``,
    ``redo_available(bool)``. Conflict notices go to :mod:`services.messages`."""

    pending_changed = Signal(int)
    move_failed = Signal(str)
    status = Signal(str)
    undo_available = Signal(bool)
    redo_available = Signal(bool)

    def __init__(self, board: Board, engine: MoveEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.engine = engine
        self.history = History()
        self._task: asyncio.Task[None] | None = None
        engine.events = _Bridge(self)
        if engine.outbox.notice:
            messages.warning(engine.outbox.notice)
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop()
            self.start()

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start sending (and replay what an earlier session left in the outbox). Idempotent."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_event_loop().create_task(self._run(), name="triageboard-moves")
            self.pending_changed.emit(self.pending_count())

    async def _run(self) -> None:
        while True:
            try:
                await self.engine.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the move sender failed")
                messages.error(
                    "Sending moves stopped after an unexpected error (details in the log); it restarts in a "
                    "few seconds and nothing was lost."
                )
                await asyncio.sleep(5 * self.engine.policy.time_scale)

    async def aclose(self) -> None:
        """Stop sending; what is not confirmed stays in the outbox for the next start."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def pending_count(self) -> int:
        return self.engine.pending_count()

    def resume(self) -> None:
        """Signed in again (connect to ``AuthService.user_changed``): send the moves that waited for it."""
        self.engine.resume()
        self.start()

    @asyncSlot()  # type: ignore[untyped-decorator]
    async def prepare(self) -> None:
        """Read permissions and column labels of the board's repositories (when a board opens)."""
        repos = sorted({issue.repo for issue in self.board.issues()} | set(self.board.spec.repos))
        for problem in await self.engine.prepare(self.board.spec, repos):
            messages.warning(problem)

    # --- requests from the window ----------------------------------------------------------------

    def request_move(self, key: IssueKey, column_name: str) -> bool:
        """Move the card now and send the label change in the background. False when refused at once
        (``move_failed`` says why) or when there is nothing to change."""
        return self._move(key, column_name, record=True) is True

    def undo(self) -> None:
        step = self.history.undo()
        if step is not None and self._move(step.key, step.source, record=False) is False:
            self.history.redo()  # refused before anything was sent: the step can still be undone later
        self._emit_history()

    def redo(self) -> None:
        step = self.history.redo()
        if step is not None and self._move(step.key, step.target, record=False) is False:
            self.history.undo()  # refused: keep it redoable
        self._emit_history()

    def overlay(self, issues: list[Issue]) -> list[Issue]:
        """Freshly fetched ``issues`` with still-pending moves re-applied, so no card jumps back."""
        result = self.engine.overlay(issues)
        pending = {row.key for row in self.engine.pending()}
        if pending:
            # The board marks them pending once they are in it (after the caller's update).
            asyncio.get_event_loop().call_soon(self._mark_pending, pending)
        return result

    def _mark_pending(self, keys: set[IssueKey]) -> None:
        for key in keys:
            self.board.set_pending(key, True)

    def _move(self, key: IssueKey, column_name: str, *, record: bool) -> bool | None:
        """True: queued and shown; None: nothing to do (already there); False: refused, with a message."""
        spec = self.board.spec
        issue = self.board.get(key)
        if issue is None:
            self.move_failed.emit(f"{key} is no longer on the board (refresh to see why); nothing was sent.")
            return False
        try:
            column = spec.column(column_name)
        except KeyError as exc:
            self.move_failed.emit(str(exc.args[0]))
            return False
        source = self.board.column_of(key)
        if plan_move(spec, issue, column).is_empty and self.engine.pending_move(key) is None:
            return None  # already there, and no conflict to resolve
        reason = self.engine.refusal(key.repo, column)
        if reason:
            self.move_failed.emit(reason)
            return False
        try:
            diff = self.engine.request(spec, key, column, issue.labels)
        except StoreError as exc:
            self.move_failed.emit(str(exc))
            return False
        if not diff.is_empty:
            self.board.update([issue.with_labels(apply_diff(issue.labels, diff, self.engine.known))])
        self.board.set_pending(key, True)
        if record and source != column:
            self.history.record(Step(key, source.name, column.name))
            self._emit_history()
        self.start()
        return True

    def _emit_history(self) -> None:
        self.undo_available.emit(self.history.can_undo)
        self.redo_available.emit(self.history.can_redo)

    # --- answers from the engine -----------------------------------------------------------------

    def _settle(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        issue = self.board.get(key)
        if issue is None or self.engine.pending_move(key) is not None:
            return  # a newer move of this card is on its way; it will settle it
        self.board.update([issue.with_labels(labels)])
        self.board.set_pending(key, False)

    def _fail(self, key: IssueKey, message: str, labels: tuple[Label, ...] | None) -> None:
        issue = self.board.get(key)
        if issue is not None:
            if labels is not None:
                self.board.update([issue.with_labels(labels)])
            self.board.set_pending(key, False)
        self.history.forget(key)
        self._emit_history()
        self.move_failed.emit(message)
