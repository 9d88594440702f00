"""Moving cards and assigning people: the window's requests go through the durable outbox and the move
engine, shown at once.

Requests are synchronous and optimistic: the card changes on the board, the change is saved to the outbox
(in a worker thread) and the engine sends it. GitHub's answer settles the card; a permanent failure returns
it and the reporter says why. Undo and redo are requests too; a bulk move is one step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..board import (
    Assignment,
    Board,
    BoardSpec,
    Column,
    Issue,
    IssueKey,
    Label,
    LabelDiff,
    Move,
    Relabel,
    Route,
    Via,
    apply_diff,
    plan_move,
)
from ..errors import (
    AwaitingBot,
    BotRefused,
    CannotLabel,
    MissingLabel,
    MoveError,
    StoreError,
    TriageboardError,
)
from ..moves import AssignChange, History, MoveChange, MoveEngine, MoveEvents, Step, apply_assignees
from ..reporting import (
    CardChanged,
    Change,
    Doing,
    NotOnBoard,
    Reporter,
    SenderRestarting,
    Source,
    StillSending,
    ViaBot,
    Waiting,
)
from ..store import AssignOp, Pending, PendingMove
from ..tasks import TaskScope

log = logging.getLogger(__name__)

_MOVE, _ASSIGN = "move", "assign"  # the kinds of request being saved (MoveService._saving_of)


class Outcome(Enum):
    QUEUED = "queued"
    NOTHING = "nothing"  # already so: nothing to send
    REFUSED = "refused"  # said why through the reporter; nothing sent


class _Bridge(MoveEvents):
    """Engine events → the board, Qt signals and the reporter (all on the loop's thread, Qt's main thread)."""

    def __init__(self, service: MoveService) -> None:
        self._service = service

    def pending_changed(self, count: int) -> None:
        self._service._emit_pending()

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self._service._settle(key, labels)

    def failed(self, key: IssueKey, error: TriageboardError, labels: tuple[Label, ...] | None) -> None:
        self._service._fail(key, error, labels, Doing.MOVE)

    def assigned(self, key: IssueKey, assignees: tuple[str, ...]) -> None:
        self._service._settle_assignees(key, assignees)

    def assignment_failed(
        self, key: IssueKey, login: str, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        self._service._fail_assignment(key, error, assignees)

    def waiting(self, state: Waiting) -> None:
        self._service.waiting_changed.emit(state)

    def notice(self, fact: object) -> None:
        self._service.reporter.warning(fact, doing=Doing.SEND)


class MoveService(QObject):
    """Signals: ``pending_changed(int)`` (changes in the outbox), ``waiting_changed(Waiting)`` (what waits
    until when), ``undo_available(bool)``, ``redo_available(bool)``, ``changed(CardChanged)`` (what happened
    to which card, for assistive technology and the status bar: a move shown, asked of the bot, failed,
    undone or redone),
    ``batch_progress(int, int, int)`` (batch, sent, total), ``permissions_changed()`` (what the account may
    do changed: ask :meth:`route`, :meth:`assignment_route` and :meth:`refusals` again). Failures and
    notices go to the reporter."""

    pending_changed = Signal(int)
    changed = Signal(object)  # reporting.CardChanged
    permissions_changed = Signal()
    waiting_changed = Signal(object)
    undo_available = Signal(bool)
    redo_available = Signal(bool)
    batch_progress = Signal(object, int, int)  # a batch id does not fit Qt's 32-bit int

    def __init__(
        self,
        board: Board,
        engine: MoveEngine,
        reporter: Reporter,
        scope: TaskScope,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.board = board
        self.engine = engine
        self.reporter = reporter
        self.scope = scope
        self.history = History()
        self._task: asyncio.Task[None] | None = None
        self._saving = 0  # requests shown on the board, on their way into the outbox
        # The same, per card and kind: while one is on its way, an earlier write's answer must not repaint
        # the card (it would take the newer request's change off the board, and the next move from it).
        self._saving_of: Counter[tuple[IssueKey, str]] = Counter()
        self._batches: dict[int, set[IssueKey]] = {}
        self._batch_totals: dict[int, int] = {}
        self._settles = 0  # writes settled so far (the overlay's mark)
        self._settled: dict[IssueKey, int] = {}  # the count when each card's last write settled
        # Label changes outside a move on their way (sent as moves of their own: Relabel.as_move).
        self._relabels: dict[IssueKey, LabelDiff] = {}
        self._all_saved = asyncio.Event()
        self._all_saved.set()
        # How saving a request waits for the screen: the session defers it until the columns have painted
        # the change (the window's after_paint), so the engine never wakes before the paint.
        self.defer: Callable[[Callable[[], None]], None] = _at_once
        engine.events = _Bridge(self)

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start sending (and replay what an earlier session left in the outbox). Idempotent."""
        if self._task is None or self._task.done():
            self._task = self.scope.spawn(self._run(), name="moves")

    async def _run(self) -> None:
        while True:
            try:
                await self.engine.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the move sender failed")
                self.reporter.error(SenderRestarting(), doing=Doing.SEND)
                await self.engine.clock.sleep(5.0)

    def pending_count(self) -> int:
        """Changes not confirmed by GitHub yet: in the outbox, or on their way into it."""
        return self.engine.pending_count() + self._saving

    def _emit_pending(self) -> None:
        self.pending_changed.emit(self.pending_count())

    def resume(self) -> None:
        """Signed in again: send the changes that waited for it."""
        self.engine.resume()
        self.start()

    def prepare(self) -> asyncio.Task[None]:
        """Read permissions and column labels of the board's repositories (when a board opens)."""
        return self.scope.spawn(self._prepare(), name="prepare")

    async def _prepare(self, recheck: bool = False) -> None:
        repos = sorted({issue.repo for issue in self.board.issues()} | set(self.board.spec.repos))
        before = {_refusal_source(error) for error in self.refusals().values()}
        try:
            problems = await self.engine.prepare(self.board.spec, repos, recheck=recheck)
        finally:
            self.permissions_changed.emit()
        for gone in before - {_refusal_source(error) for error in self.refusals().values()}:
            self.reporter.resolve(gone)  # a label created, a role granted: its message goes
        for problem in problems:
            self.reporter.warning(problem, doing=Doing.PREPARE, source=_refusal_source(problem))

    def recheck(self) -> asyncio.Task[None]:
        """Ask GitHub again what the account may do where it was refused (a role may have been granted)."""
        return self.scope.spawn(self._prepare(recheck=True), name="recheck permissions")

    def set_user(self, login: str) -> None:
        """The signed-in login (a claim through the bot is for oneself only)."""
        self.engine.set_me(login)
        self.permissions_changed.emit()

    # --- what the account may do (no network: from what the session has read) --------------------------

    def route(self, key: IssueKey, column_name: str) -> Route:
        """How moving ``key``'s card into ``column_name`` would be sent: ``route.via`` GitHub (the account's
        own writes) or the bot (``route.comment`` is posted), or None (refused: ``route.refusal`` says why).
        The window asks before a drop, a menu entry or a key: refused targets are disabled."""
        issue = self.board.get(key)
        column = self.board.spec.column(column_name)
        if issue is None:
            return Route(None, refusal=MoveError(str(key), column.name))
        return self.engine.route(self.board.spec, issue, column)

    def assignment_route(self, key: IssueKey, login: str, *, add: bool = True) -> Route:
        """How (un)assigning ``login`` would be sent: directly, as ``@rustbot claim``, or refused."""
        return self.engine.route_assignment(key, login, add=add)

    def relabel_route(self, key: IssueKey, diff: LabelDiff) -> Route:
        """How adding and removing ``diff``'s labels on ``key``'s card would be sent (as :meth:`route`)."""
        issue = self.board.get(key)
        if issue is None:
            return Route(None, refusal=MoveError(str(key), "relabel"))
        spec, column = Relabel(key, diff).as_move(self.board.spec, self.board.column_of(key))
        return self.engine.route(spec, issue, column)

    def route_fact(self, key: IssueKey, target: str, route: Route) -> object | None:
        """What to tell the user about ``route`` before it is taken (tooltip, status bar; worded by
        ``wording.describe``): the refusal, a :class:`ViaBot`, or None for an ordinary move."""
        if route.refused:
            return route.refusal
        if route.by_bot:
            return ViaBot(str(key), target, key.repo, route.comment)
        return None

    def refusals(self) -> dict[tuple[str, str], MoveError]:
        """(repository, column) targets where the account's own moves are refused, and why: for the board's
        repositories. Some moves into them may still go through the bot (ask :meth:`route` per card)."""
        repos = sorted({issue.repo for issue in self.board.issues()} | set(self.board.spec.repos))
        found: dict[tuple[str, str], MoveError] = {}
        for repo in repos:
            for column in self.board.spec.columns:
                refusal = self.engine.known_refusal(repo, column)
                if refusal is not None:
                    found[(repo, column.name)] = refusal
        return found

    def mark(self) -> int:
        """Taken as a fetch begins; pass it to :meth:`overlay` with what the fetch brought."""
        return self._settles

    def settled_at(self, key: IssueKey) -> int | None:
        """The :meth:`mark` just after ``key``'s last write settled (None: none has this session)."""
        return self._settled.get(key)

    def overlay(self, issues: list[Issue], fetched_after: int | None = None) -> list[Issue]:
        """Freshly fetched ``issues`` with still-pending changes re-applied, so no card jumps back. A card
        whose write settled after ``fetched_after`` (a :meth:`mark`) keeps the labels and assignees on the
        board: GitHub's answer to the write is newer than a page fetched before it."""
        result = self.engine.overlay(issues)
        if fetched_after is not None:
            for n, issue in enumerate(result):
                shown = self.board.get(issue.key)
                if shown is not None and self._settled.get(issue.key, -1) > fetched_after:
                    result[n] = replace(issue, labels=shown.labels, assignees=shown.assignees)
        pending = {row.key for row in self.engine.pending()}
        pending |= {row.key for row in self.engine.pending_assignments()}
        if pending:
            # The board marks them pending once they are in it (after the caller's update).
            asyncio.get_event_loop().call_soon(self._mark_pending, pending)
        return result

    def _mark_pending(self, keys: set[IssueKey]) -> None:
        for key in keys:
            if key in self.board:
                self.board.set_pending(key, True)

    # --- requests from the window ----------------------------------------------------------------

    def request_move(self, key: IssueKey, column_name: str) -> bool:
        """Move the card now and send the label change in the background. False when refused at once
        (the reporter says why) or when there is nothing to change."""
        outcome, change = self._move(key, column_name)
        if change is not None:
            self.history.record(Step((change,)))
            self._emit_history()
        return outcome is Outcome.QUEUED

    def request_moves(self, keys: Sequence[IssueKey], column_name: str) -> int | None:
        """A bulk move: every card now, sent one after another at GitHub's pace; one undo step, one batch
        (``cancel_batch``). Returns the batch, or None when nothing needed to move."""
        return self.request_bulk([(key, column_name) for key in keys])

    def request_bulk(self, moves: Sequence[tuple[IssueKey, str]]) -> int | None:
        """A bulk move whose cards may go to different columns (each card one column over): as
        :meth:`request_moves`, one batch and one undo step."""
        batch = self.engine.new_batch()
        changes = [c for key, column in moves if (c := self._move(key, column, batch=batch)[1]) is not None]
        if not changes:
            return None
        self.history.record(Step(tuple(changes)))
        self._emit_history()
        self._batches[batch] = {c.key for c in changes}
        self._batch_totals[batch] = len(changes)
        self.batch_progress.emit(batch, 0, len(changes))
        return batch

    def batch_total(self, batch: int) -> int:
        """How many cards the running ``batch`` moves (0 once it is over or cancelled)."""
        return self._batch_totals.get(batch, 0)

    def request_assignment(self, key: IssueKey, login: str, *, add: bool = True) -> bool:
        """Assign (or unassign) ``login`` now and send it in the background: one login, never the set."""
        outcome, change = self._assign(key, login, add)
        if change is not None:
            self.history.record(Step((change,)))
            self._emit_history()
        return outcome is Outcome.QUEUED

    def request(self, request: Move | Assignment | Relabel) -> Outcome:
        """A request the domain made (a meeting's decision, a fix of the Needs attention lane): shown at
        once, sent in the background, one undo step (a label change outside a move is not undone). The
        outcome says whether it was queued, needed nothing, or was refused (the reporter said why)."""
        change: MoveChange | AssignChange | None
        if isinstance(request, Relabel):
            return self._relabel(request)
        if isinstance(request, Move):
            outcome, change = self._move(request.key, request.column)
        else:
            outcome, change = self._assign(request.key, request.login, request.add)
        if change is not None:
            self.history.record(Step((change,)))
            self._emit_history()
        return outcome

    def cancel_batch(self, batch: int) -> asyncio.Task[list[Pending]]:
        """Take back what of a bulk move has not been sent: those cards return to where they were."""
        return self.scope.spawn(self._cancel(batch), name="cancel-batch")

    async def _cancel(self, batch: int) -> list[Pending]:
        await self.saves_done()  # a card shown but not in the outbox yet would be sent after the cancel
        taken = await self.engine.cancel_batch(batch)
        for row in taken:
            if isinstance(row, PendingMove):
                issue = self.board.get(row.key)
                if issue is not None and row.base is not None:
                    self.board.update(
                        [
                            issue.with_labels(
                                tuple(self.engine.known.get(n.casefold(), Label(n)) for n in row.base)
                            )
                        ]
                    )
                self.board.set_pending(row.key, False)
                self.history.forget(row.key)
            self._batch_done(row.key)
        self._batches.pop(batch, None)
        self._batch_totals.pop(batch, None)
        self._emit_history()
        return taken

    def undo(self) -> int | None:
        """Take the last step back. Returns its batch when several cards move back (progress and
        ``cancel_batch`` as for a bulk move), else None."""
        step = self.history.undo()
        batch = None
        if step is not None:
            done, batch = self._replay(step.inverse(), Change.UNDONE)
            if not done:
                self.history.redo()  # refused before anything was sent: the step can still be undone later
        self._emit_history()
        return batch

    def redo(self) -> int | None:
        """Make the last undone step again; its batch as :meth:`undo`."""
        step = self.history.redo()
        batch = None
        if step is not None:
            done, batch = self._replay(step, Change.REDONE)
            if not done:
                self.history.undo()  # refused: keep it redoable
        self._emit_history()
        return batch

    def _replay(self, step: Step, change_kind: Change) -> tuple[bool, int | None]:
        """Request every change of ``step`` (an undo's inverse, or a redo): False when every one of them
        was refused before anything was sent; the batch of the cards it moves, when several do."""
        batch = self.engine.new_batch() if len(step.changes) > 1 else None
        refused = 0
        moved: set[IssueKey] = set()
        for change in step.changes:
            if isinstance(change, MoveChange):
                outcome = self._move(change.key, change.target, batch=batch, announce=change_kind)[0]
                if outcome is Outcome.QUEUED:
                    moved.add(change.key)
            else:
                outcome = self._assign(change.key, change.login, change.added)[0]
            refused += outcome is Outcome.REFUSED
        if batch is None or len(moved) < 2:
            return refused < len(step.changes), None
        self._batches[batch] = moved
        self._batch_totals[batch] = len(moved)
        self.batch_progress.emit(batch, 0, len(moved))
        return refused < len(step.changes), batch

    def _move(
        self,
        key: IssueKey,
        column_name: str,
        *,
        batch: int | None = None,
        announce: Change | None = Change.MOVED,
    ) -> tuple[Outcome, MoveChange | None]:
        """Show the move and queue it. Returns the outcome and the change for the history (None when the
        card stays in its column: nothing to undo). ``announce``: how ``changed`` tells it (None: not at
        all; a move through the bot is told as such)."""
        spec = self.board.spec
        issue = self.board.get(key)
        if issue is None:
            self.reporter.error(NotOnBoard(str(key)), doing=Doing.MOVE)
            return Outcome.REFUSED, None
        try:
            column = spec.column(column_name)
        except KeyError:
            log.error("no column %r on board %s", column_name, spec.name)
            return Outcome.REFUSED, None
        if key in self._relabels:
            # Its label change is on its way as the card's one queued change: a move would replace it.
            self.reporter.info(StillSending(str(key), f"move it to {column.name}"), doing=Doing.MOVE)
            return Outcome.REFUSED, None
        source = self.board.column_of(key)
        if plan_move(spec, issue, column).is_empty and self.engine.pending_move(key) is None:
            return Outcome.NOTHING, None  # already there, and no conflict to resolve
        route = self.engine.route(spec, issue, column)
        if route.via is None:
            refusal = route.refusal or MoveError(str(key), column.name)
            self.reporter.error(refusal, doing=Doing.MOVE, source=_refusal_source(refusal))
            return Outcome.REFUSED, None
        if route.via is Via.RUSTBOT:
            fact = ViaBot(str(key), column.name, key.repo, route.comment)
            self.reporter.info(fact, doing=Doing.MOVE, source=f"rustbot:{key}")
        diff = plan_move(spec, issue, column)
        if not diff.is_empty:
            self.board.update([issue.with_labels(apply_diff(issue.labels, diff, self.engine.known))])
        self.board.set_pending(key, True)
        self._begin_saving(key, _MOVE)
        via = route.via
        self.defer(lambda: self._spawn_save(self._save_move(issue, column, batch, via), f"save-move {key}"))
        self._emit_pending()
        if announce is not None:
            kind = Change.VIA_BOT if via is Via.RUSTBOT and announce is Change.MOVED else announce
            self.changed.emit(CardChanged(kind, str(key), issue.title, column.name))
        return Outcome.QUEUED, (MoveChange(key, source.name, column.name) if source != column else None)

    def _relabel(self, request: Relabel) -> Outcome:
        """Add and remove single labels now (a lost area label put back) and send it like a move: through
        the outbox, checked against GitHub, through @rustbot where the account may not label."""
        key = request.key
        issue = self.board.get(key)
        if issue is None:
            self.reporter.error(NotOnBoard(str(key)), doing=Doing.MOVE)
            return Outcome.REFUSED
        diff = LabelDiff(
            add=tuple(n for n in request.diff.add if not issue.has_label(n)),
            remove=tuple(n for n in request.diff.remove if issue.has_label(n)),
        )
        if diff.is_empty:
            return Outcome.NOTHING
        what = " ".join([*(f"+{n}" for n in diff.add), *(f"-{n}" for n in diff.remove)])
        if self.board.is_pending(key) or self.engine.pending_move(key) is not None:
            # One queued change per card: this one would replace the move on its way (which may not be in
            # the outbox yet: the board marks it pending at once).
            self.reporter.info(StillSending(str(key), f"change its labels ({what})"), doing=Doing.MOVE)
            return Outcome.REFUSED
        spec, column = request.as_move(self.board.spec, self.board.column_of(key))
        route = self.engine.route(spec, issue, column)
        if route.via is None:
            refusal = route.refusal or MoveError(str(key), column.name)
            self.reporter.error(refusal, doing=Doing.MOVE, source=_refusal_source(refusal))
            return Outcome.REFUSED
        if route.via is Via.RUSTBOT:
            fact = ViaBot(str(key), what, key.repo, route.comment)
            self.reporter.info(fact, doing=Doing.MOVE, source=f"rustbot:{key}")
        self.board.update([issue.with_labels(apply_diff(issue.labels, diff, self.engine.known))])
        self.board.set_pending(key, True)
        self._relabels[key] = diff
        self._begin_saving(key, _MOVE)
        via = route.via
        self.defer(
            lambda: self._spawn_save(self._save_move(issue, column, None, via, spec), f"save-relabel {key}")
        )
        self._emit_pending()
        labels = tuple(what.split())
        self.changed.emit(CardChanged(Change.LABELLED, str(key), issue.title, column.name, labels=labels))
        return Outcome.QUEUED

    async def _save_move(
        self, shown: Issue, column: Column, batch: int | None, via: Via, spec: BoardSpec | None = None
    ) -> None:
        try:
            await self.engine.request(
                spec or self.board.spec, shown.key, column, shown.labels, batch=batch, via=via
            )
        except (StoreError, AwaitingBot) as exc:
            self._saved(shown.key, _MOVE)
            # Not saved, so never sent: the card goes back to what GitHub has.
            current = self.board.get(shown.key)
            if current is not None:
                self.board.update([current.with_labels(shown.labels)])
                self.board.set_pending(shown.key, self.engine.pending_move(shown.key) is not None)
            self.history.forget(shown.key)
            self._emit_history()
            self.reporter.error(exc, doing=Doing.MOVE)
            self._announce_failure(shown.key, shown.title, column.name, exc)
        else:
            self._saved(shown.key, _MOVE)

    def _assign(self, key: IssueKey, login: str, add: bool) -> tuple[Outcome, AssignChange | None]:
        issue = self.board.get(key)
        if issue is None:
            self.reporter.error(NotOnBoard(str(key)), doing=Doing.ASSIGN)
            return Outcome.REFUSED, None
        has = any(a.casefold() == login.casefold() for a in issue.assignees)
        if has == add:
            return Outcome.NOTHING, None  # already so (as shown, pending changes included)
        route = self.engine.route_assignment(key, login, add=add)
        if route.via is None:
            refusal = route.refusal or MoveError(str(key), f"assign @{login}")
            self.reporter.error(refusal, doing=Doing.ASSIGN, source=_refusal_source(refusal))
            return Outcome.REFUSED, None
        if route.via is Via.RUSTBOT:
            fact = ViaBot(str(key), f"assign @{login}", key.repo, route.comment)
            self.reporter.info(fact, doing=Doing.ASSIGN, source=f"rustbot:{key}")
        op = AssignOp.ADD if add else AssignOp.REMOVE
        self.board.update([replace(issue, assignees=apply_assignees(issue.assignees, {login: op}))])
        self.board.set_pending(key, True)
        self._begin_saving(key, _ASSIGN)
        name, via = f"save-assignment {key}", route.via
        self.defer(lambda: self._spawn_save(self._save_assignment(issue, login, op, via), name))
        self._emit_pending()
        return Outcome.QUEUED, AssignChange(key, login, add)

    async def _save_assignment(self, shown: Issue, login: str, op: AssignOp, via: Via) -> None:
        try:
            await self.engine.request_assignment(shown.key, login, op, via=via)
        except (StoreError, AwaitingBot) as exc:
            self._saved(shown.key, _ASSIGN)
            current = self.board.get(shown.key)
            if current is not None:
                self.board.update([replace(current, assignees=shown.assignees)])
                self.board.set_pending(shown.key, self._still_pending(shown.key))
            self.history.forget(shown.key)
            self._emit_history()
            self.reporter.error(exc, doing=Doing.ASSIGN)
        else:
            self._saved(shown.key, _ASSIGN)

    def _spawn_save(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self.scope.spawn(work, name=name)
        self.start()

    async def saves_done(self, seconds: float = 5.0) -> None:
        """Wait (at most ``seconds``) until every request shown is in the outbox: a session ends without
        losing one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_saved.wait(), seconds)

    def _begin_saving(self, key: IssueKey, kind: str) -> None:
        self._saving += 1
        self._saving_of[(key, kind)] += 1
        self._all_saved.clear()

    def _saved(self, key: IssueKey, kind: str) -> None:
        """A request reached the outbox (or failed to): the engine counts it from now on."""
        self._saving -= 1
        self._saving_of[(key, kind)] -= 1
        if self._saving_of[(key, kind)] <= 0:
            del self._saving_of[(key, kind)]
        if self._saving == 0:
            self._all_saved.set()
        self._emit_pending()

    def _emit_history(self) -> None:
        self.undo_available.emit(self.history.can_undo)
        self.redo_available.emit(self.history.can_redo)

    def _still_pending(self, key: IssueKey) -> bool:
        return self.engine.pending_move(key) is not None or bool(self.engine.pending_assignees(key))

    def _batch_done(self, key: IssueKey) -> None:
        for batch, keys in list(self._batches.items()):
            if key in keys:
                keys.discard(key)
                total = self._batch_totals[batch]
                self.batch_progress.emit(batch, total - len(keys), total)
                if not keys:
                    del self._batches[batch]
                    del self._batch_totals[batch]

    # --- answers from the engine -----------------------------------------------------------------

    def _note_settled(self, key: IssueKey) -> None:
        self._settles += 1
        self._settled[key] = self._settles

    def _announce_failure(self, key: IssueKey, title: str, target: str, error: object) -> None:
        diff = self._relabels.pop(key, None)
        labels = () if diff is None else (*(f"+{n}" for n in diff.add), *(f"-{n}" for n in diff.remove))
        self.changed.emit(CardChanged(Change.FAILED, str(key), title, target, error, labels))

    def _settle(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self._note_settled(key)
        self._relabels.pop(key, None)
        self._batch_done(key)
        self.reporter.resolve(f"rustbot:{key}")  # "asked the bot": done now
        # A move went through: what refused moves in this repository, or into these labels, is over.
        self.reporter.resolve(Source.refusal(key.repo))
        for label in labels:
            self.reporter.resolve(Source.refusal(key.repo, label.name))
        issue = self.board.get(key)
        if issue is None or self.engine.pending_move(key) is not None or (key, _MOVE) in self._saving_of:
            return  # a newer move of this card is on its way; it will settle it
        self.board.update([issue.with_labels(labels)])
        self.board.set_pending(key, self._still_pending(key))

    def _settle_assignees(self, key: IssueKey, assignees: tuple[str, ...]) -> None:
        self._note_settled(key)
        self.reporter.resolve(f"rustbot:{key}")
        issue = self.board.get(key)
        if issue is None or (key, _ASSIGN) in self._saving_of:
            return  # a newer assignment of this card is on its way; it will settle it
        shown = apply_assignees(assignees, self.engine.pending_assignees(key))
        self.board.update([replace(issue, assignees=shown)])
        self.board.set_pending(key, self._still_pending(key))

    def _fail(
        self, key: IssueKey, error: TriageboardError, labels: tuple[Label, ...] | None, doing: Doing
    ) -> None:
        self._batch_done(key)
        issue = self.board.get(key)
        if issue is not None:
            if labels is not None:
                self.board.update([issue.with_labels(labels)])
            self.board.set_pending(key, self._still_pending(key))
        self.history.forget(key)
        self._emit_history()
        self.reporter.resolve(f"rustbot:{key}")
        self.reporter.error(error, doing=doing)
        title = issue.title if issue is not None else ""
        self._announce_failure(key, title, str(getattr(error, "target", "")), error)
        if isinstance(error, CannotLabel | MissingLabel | BotRefused):
            self.permissions_changed.emit()  # the engine learned what the account may not do

    def _fail_assignment(
        self, key: IssueKey, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        issue = self.board.get(key)
        if issue is not None:
            if assignees is not None:
                shown = apply_assignees(assignees, self.engine.pending_assignees(key))
                self.board.update([replace(issue, assignees=shown)])
            self.board.set_pending(key, self._still_pending(key))
        self.history.forget(key)
        self._emit_history()
        self.reporter.resolve(f"rustbot:{key}")
        self.reporter.error(error, doing=Doing.ASSIGN)
        if isinstance(error, CannotLabel):
            self.permissions_changed.emit()

    async def aclose(self) -> None:
        """Stop sending (the scope cancels it too); what is not confirmed stays in the outbox."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _at_once(work: Callable[[], None]) -> None:
    work()


def _refusal_source(error: TriageboardError) -> str:
    """Refusals of one cause share a message that goes when the cause is fixed (a label created)."""
    return Source.refusal(str(getattr(error, "repo", "")), str(getattr(error, "label", "")))
