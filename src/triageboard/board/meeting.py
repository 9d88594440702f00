"""The weekly triage meeting as it happens: where it stands, the decisions taken, and its durable journal.

A meeting is rebuilt from its journal alone (:meth:`Meeting.resume`): the record that opened it (the
agenda as it was, the columns and their counts) and then one record per decision or undo, in order. The
store that writes the journal keeps records as :func:`record_to_dict` gives them, one per line. Each
decision becomes the same requests the board sends for a drag: a :class:`Move` or an :class:`Assignment`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..errors import DomainError
from .actions import Assignment, Move, Request
from .agenda import Agenda, StepKind, ladder, needed_to_fill, step_title
from .model import BoardSpec, Column, IssueKey, label_key
from .names import is_login


class MeetingError(DomainError):
    """A decision the meeting cannot take; the message says why."""


class JournalError(DomainError):
    """A journal the meeting cannot be rebuilt from; the message names the record."""


class DecisionKind(StrEnum):
    MOVE = "move"
    KEEP = "keep"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    DEMOTE = "demote"
    PROMOTE = "promote"
    SKIP = "skip"


# Decisions that settle an issue and bring the next one; an assignment leaves room for a move after it.
_ADVANCING = frozenset(DecisionKind) - {DecisionKind.ASSIGN, DecisionKind.UNASSIGN}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the meeting decides for the current issue: see the constructors."""

    kind: DecisionKind
    column: str | None = None
    login: str | None = None

    @classmethod
    def move(cls, column: str) -> Decision:
        """Move to a column, by name or 1-based position (a key press)."""
        return cls(DecisionKind.MOVE, column=column)

    @classmethod
    def keep(cls) -> Decision:
        return cls(DecisionKind.KEEP)

    @classmethod
    def assign(cls, login: str) -> Decision:
        return cls(DecisionKind.ASSIGN, login=login)

    @classmethod
    def unassign(cls, login: str) -> Decision:
        return cls(DecisionKind.UNASSIGN, login=login)

    @classmethod
    def demote(cls) -> Decision:
        """One column to the right (Focus → OnDeck)."""
        return cls(DecisionKind.DEMOTE)

    @classmethod
    def promote(cls) -> Decision:
        """One column to the left (OnDeck → Focus)."""
        return cls(DecisionKind.PROMOTE)

    @classmethod
    def skip(cls) -> Decision:
        return cls(DecisionKind.SKIP)


# --- the journal's records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    """An issue on the meeting's agenda, as the journal keeps it: enough for the minutes, without GitHub."""

    key: IssueKey
    title: str
    url: str
    column: str
    assignees: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    kind: StepKind
    column: str
    source: str | None
    topics: tuple[Topic, ...]

    @property
    def title(self) -> str:
        return step_title(self.kind, self.column, self.source)


@dataclass(frozen=True, slots=True)
class MeetingOpened:
    """The journal's first record: the board, its columns and counts, and the agenda's steps."""

    board: str
    title: str
    at: datetime
    columns: tuple[Column, ...]
    counts: Mapping[str, int]
    steps: tuple[PlannedStep, ...]


@dataclass(frozen=True, slots=True)
class Decided:
    """A decision on the issue at ``step``/``position``; ``to_column`` is where a move took it."""

    seq: int
    at: datetime
    step: int
    position: int
    key: IssueKey
    kind: DecisionKind
    from_column: str
    to_column: str | None = None
    login: str | None = None


@dataclass(frozen=True, slots=True)
class Undone:
    """The decision numbered ``undoes`` (the last one in effect) is taken back."""

    seq: int
    at: datetime
    undoes: int


Record = MeetingOpened | Decided | Undone


def open_meeting(spec: BoardSpec, agenda: Agenda, at: datetime) -> MeetingOpened:
    """The record that opens a meeting on ``agenda`` at ``at``."""
    steps = tuple(
        PlannedStep(
            step.kind,
            step.column,
            step.source,
            tuple(
                Topic(
                    item.card.key,
                    item.card.issue.title,
                    item.card.issue.html_url,
                    item.card.column.name,
                    item.card.issue.assignees,
                    item.reason.text if item.reason else "",
                )
                for item in step.items
            ),
        )
        for step in agenda.steps
    )
    return MeetingOpened(spec.name, spec.title or spec.name, at, spec.columns, dict(agenda.counts), steps)


# --- the meeting -------------------------------------------------------------------------------------------


class Meeting:
    """Where the meeting stands. Decide with :meth:`decide`, take back with :meth:`undo`; append the
    record each returns to the journal, and send the requests."""

    def __init__(self, opened: MeetingOpened) -> None:
        self.opened = opened
        try:
            self.spec = BoardSpec(name=opened.board, columns=opened.columns)
        except ValueError as exc:
            raise JournalError(f"journal record 1: {exc}") from None
        self._names = {c.name for c in opened.columns}
        self._topics = {t.key: t for s in opened.steps for t in s.topics}
        if set(opened.counts) != self._names:
            raise JournalError("journal record 1: the counts do not name the board's columns")
        for topic in self._topics.values():
            if topic.column not in self._names:
                raise JournalError(
                    f"journal record 1: {topic.key} sits in {topic.column!r}, no column of the board"
                )
        self._decided: list[Decided] = []
        self._seq = 0
        self._step, self._position = self._settle(0, 0)

    @classmethod
    def resume(cls, records: Iterable[Record]) -> Meeting:
        """The meeting as its journal left it."""
        it = iter(records)
        first = next(it, None)
        if not isinstance(first, MeetingOpened):
            raise JournalError("journal record 1: a meeting journal starts with the record that opened it")
        meeting = cls(first)
        for record in it:
            if isinstance(record, MeetingOpened):
                raise JournalError(f"journal record {meeting._seq + 2}: a second opening record")
            meeting.apply(record)
        return meeting

    # --- where it stands ---------------------------------------------------------------------------

    @property
    def steps(self) -> tuple[PlannedStep, ...]:
        return self.opened.steps

    @property
    def step_index(self) -> int:
        """The current step (0-based); ``len(steps)`` once every issue has had its turn."""
        return self._step

    @property
    def position(self) -> int:
        return self._position

    @property
    def is_finished(self) -> bool:
        return self._step >= len(self.steps)

    @property
    def current(self) -> Topic | None:
        """The issue the meeting is on, or None when it is finished."""
        return None if self.is_finished else self.steps[self._step].topics[self._position]

    @property
    def decisions(self) -> tuple[Decided, ...]:
        """The decisions in effect, oldest first (undone ones are gone)."""
        return tuple(self._decided)

    @property
    def can_undo(self) -> bool:
        return bool(self._decided)

    def column_of(self, key: IssueKey) -> str:
        """Where the meeting's decisions have put ``key`` (an issue of the agenda)."""
        column = self._topics[key].column
        for d in self._decided:
            if d.key == key and d.to_column is not None:
                column = d.to_column
        return column

    def assignees_of(self, key: IssueKey) -> tuple[str, ...]:
        assignees = list(self._topics[key].assignees)
        for d in self._decided:
            if d.key == key and d.login is not None:
                if d.kind is DecisionKind.ASSIGN:
                    assignees.append(d.login)
                else:
                    assignees = [a for a in assignees if label_key(a) != label_key(d.login)]
        return tuple(assignees)

    @property
    def counts_before(self) -> dict[str, int]:
        return dict(self.opened.counts)

    def counts_now(self) -> dict[str, int]:
        """Cards per column after the meeting's moves (others' changes meanwhile are not the meeting's)."""
        counts = self.counts_before
        for d in self._decided:
            if d.to_column is not None:
                counts[d.from_column] -= 1
                counts[d.to_column] += 1
        return counts

    def needed(self, step: int) -> int | None:
        """How many cards a promote step's target still needs to reach its limit, after the moves so far."""
        planned = self.steps[step]
        if planned.kind is not StepKind.PROMOTE:
            return None
        return needed_to_fill(self.spec.column(planned.column), self.counts_now()[planned.column])

    def progress_text(self) -> str:
        """e.g. ``Step 2 of 4 · 3 of 5``."""
        if self.is_finished:
            return f"Done · {len(self._decided)} decisions"
        topics = self.steps[self._step].topics
        return f"Step {self._step + 1} of {len(self.steps)} · {self._position + 1} of {len(topics)}"

    # --- deciding ----------------------------------------------------------------------------------

    def decide(self, decision: Decision, at: datetime) -> tuple[Decided, tuple[Request, ...]]:
        """Decide for the current issue: the journal record to append and the requests to send."""
        topic = self.current
        if topic is None:
            raise MeetingError("every issue on the agenda has had its turn")
        here = self.column_of(topic.key)
        kind, to_column, login = decision.kind, None, None
        if kind is DecisionKind.MOVE:
            try:
                to_column = self.spec.column(decision.column or "").name
            except KeyError as exc:
                raise MeetingError(str(exc.args[0])) from None
            if to_column == here:
                kind, to_column = DecisionKind.KEEP, None
        elif kind in (DecisionKind.DEMOTE, DecisionKind.PROMOTE):
            to_column = self._neighbour(here, 1 if kind is DecisionKind.DEMOTE else -1)
        elif kind in (DecisionKind.ASSIGN, DecisionKind.UNASSIGN):
            login = self._checked_login(topic.key, decision)
        record = Decided(
            self._seq + 1, at, self._step, self._position, topic.key, kind, here, to_column, login
        )
        self.apply(record)
        return record, requests_of(record)

    def undo(self, at: datetime) -> tuple[Undone, tuple[Request, ...]]:
        """Take back the last decision in effect: the record to append and the requests that reverse it."""
        if not self._decided:
            raise MeetingError("there is no decision to take back")
        last = self._decided[-1]
        record = Undone(self._seq + 1, at, last.seq)
        self.apply(record)
        return record, reversing_requests(last)

    def apply(self, record: Decided | Undone) -> None:
        """Replay one journal record (as :meth:`decide` and :meth:`undo` do with the ones they make)."""
        where = f"journal record {record.seq + 1}"
        if record.seq != self._seq + 1:
            raise JournalError(f"{where}: numbered {record.seq}, expected {self._seq + 1}")
        if isinstance(record, Undone):
            if not self._decided or self._decided[-1].seq != record.undoes:
                raise JournalError(f"{where}: takes back decision {record.undoes}, not the last in effect")
            undone = self._decided.pop()
            self._step, self._position = undone.step, undone.position
        else:
            topic = self.current
            if topic is None or (record.step, record.position, record.key) != (
                self._step,
                self._position,
                topic.key,
            ):
                raise JournalError(f"{where}: decides {record.key}, but the meeting is not at that issue")
            if record.from_column != self.column_of(record.key) or (
                record.to_column is not None and record.to_column not in self._names
            ):
                raise JournalError(f"{where}: moves {record.key} between columns it cannot be in")
            self._decided.append(record)
            if record.kind in _ADVANCING:
                self._step, self._position = self._settle(self._step, self._position + 1)
        self._seq = record.seq

    def _settle(self, step: int, position: int) -> tuple[int, int]:
        """The first issue at or after ``step``/``position``, past empty steps."""
        while step < len(self.steps) and position >= len(self.steps[step].topics):
            step, position = step + 1, 0
        return step, position

    def _neighbour(self, column: str, offset: int) -> str:
        rungs = [c.name for c in ladder(self.spec)]
        index = rungs.index(column) + offset
        if not 0 <= index < len(rungs):
            edge = "first" if offset < 0 else "last"
            raise MeetingError(f"{column} is the {edge} column: there is no column to move it to that way")
        return rungs[index]

    def _checked_login(self, key: IssueKey, decision: Decision) -> str:
        login = (decision.login or "").strip().removeprefix("@")
        if not is_login(login):
            raise MeetingError(f"{decision.login!r} is not a GitHub login")
        # GitHub matches logins ignoring case; a removal names the assignee as the issue spells it.
        assigned = next((a for a in self.assignees_of(key) if label_key(a) == label_key(login)), None)
        if decision.kind is DecisionKind.ASSIGN and assigned is not None:
            raise MeetingError(f"@{assigned} is already assigned to {key}")
        if decision.kind is DecisionKind.UNASSIGN:
            if assigned is None:
                raise MeetingError(f"@{login} is not assigned to {key}")
            return assigned
        return login


def requests_of(decided: Decided) -> tuple[Request, ...]:
    """What a decision asks GitHub for: a move (the same as a drag's), an assignment, or nothing."""
    if decided.to_column is not None:
        return (Move(decided.key, decided.to_column),)
    if decided.login is not None:
        return (Assignment(decided.key, decided.login, add=decided.kind is DecisionKind.ASSIGN),)
    return ()


def reversing_requests(decided: Decided) -> tuple[Request, ...]:
    """What undoing a decision asks for: the card back where it was, the assignment reversed."""
    if decided.to_column is not None:
        return (Move(decided.key, decided.from_column),)
    return tuple(r.inverse() for r in requests_of(decided) if isinstance(r, Assignment))


# --- the journal as JSON ----------------------------------------------------------------------------------


def record_to_dict(record: Record) -> dict[str, Any]:
    """One journal record as plain JSON data (the store writes one per line)."""
    if isinstance(record, MeetingOpened):
        return {
            "type": "opened",
            "board": record.board,
            "title": record.title,
            "at": record.at.isoformat(),
            "columns": [
                {
                    "name": c.name,
                    "labels": list(c.labels),
                    "soft_min": c.soft_min,
                    "soft_max": c.soft_max,
                    "description": c.description,
                    "require_assignee": c.require_assignee,
                    "stalled_after_days": c.stalled_after_days,
                }
                for c in record.columns
            ],
            "counts": dict(record.counts),
            "steps": [
                {
                    "step": s.kind.value,
                    "column": s.column,
                    "from": s.source,
                    "issues": [
                        {
                            "issue": str(t.key),
                            "title": t.title,
                            "url": t.url,
                            "column": t.column,
                            "assignees": list(t.assignees),
                            "reason": t.reason,
                        }
                        for t in s.topics
                    ],
                }
                for s in record.steps
            ],
        }
    if isinstance(record, Decided):
        return {
            "type": "decided",
            "seq": record.seq,
            "at": record.at.isoformat(),
            "step": record.step,
            "position": record.position,
            "issue": str(record.key),
            "decision": record.kind.value,
            "from": record.from_column,
            "to": record.to_column,
            "login": record.login,
        }
    return {"type": "undone", "seq": record.seq, "at": record.at.isoformat(), "undoes": record.undoes}


def record_from_dict(data: object, index: int = 1) -> Record:
    """A journal record from :func:`record_to_dict`'s data; ``index`` (1-based) names it in errors."""
    read = _Reader(f"journal record {index}")
    if not isinstance(data, Mapping):
        raise JournalError(f"{read.where}: expected an object")
    kind = data.get("type")
    if kind == "opened":
        return MeetingOpened(
            board=read.text(data, "board"),
            title=read.text(data, "title"),
            at=read.time(data, "at"),
            columns=tuple(read.column(c) for c in read.items(data, "columns")),
            counts=read.counts(data, "counts"),
            steps=tuple(read.step(s) for s in read.items(data, "steps")),
        )
    if kind == "decided":
        try:
            decision = DecisionKind(str(data.get("decision")))
        except ValueError:
            raise read.fail("decision", "one of " + ", ".join(DecisionKind)) from None
        return Decided(
            seq=read.number(data, "seq"),
            at=read.time(data, "at"),
            step=read.number(data, "step"),
            position=read.number(data, "position"),
            key=read.key(data, "issue"),
            kind=decision,
            from_column=read.text(data, "from"),
            to_column=read.optional_text(data, "to"),
            login=read.optional_text(data, "login"),
        )
    if kind == "undone":
        return Undone(read.number(data, "seq"), read.time(data, "at"), read.number(data, "undoes"))
    raise JournalError(f"{read.where}, key 'type': {kind!r} is none of opened, decided, undone")


class _Reader:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, what: str) -> JournalError:
        return JournalError(f"{self.where}, key '{key}': expected {what}")

    def text(self, data: Mapping[str, Any], key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            raise self.fail(key, "text")
        return value

    def optional_text(self, data: Mapping[str, Any], key: str) -> str | None:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail(key, "text or null")
        return value

    def number(self, data: Mapping[str, Any], key: str) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, "a whole number ≥ 0")
        return value

    def time(self, data: Mapping[str, Any], key: str) -> datetime:
        try:
            value = datetime.fromisoformat(self.text(data, key))
        except ValueError:
            raise self.fail(key, "an ISO 8601 time") from None
        if value.tzinfo is None:
            raise self.fail(key, "a time with its UTC offset")
        return value

    def key(self, data: Mapping[str, Any], key: str) -> IssueKey:
        try:
            return IssueKey.parse(self.text(data, key))
        except ValueError as exc:
            raise JournalError(f"{self.where}, key '{key}': {exc}") from None

    def items(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.fail(key, "a list of objects")
        return value

    def names(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of names")
        return tuple(value)

    def limit(self, data: Mapping[str, Any], key: str) -> int | None:
        return None if data.get(key) is None else self.number(data, key)

    def counts(self, data: Mapping[str, Any], key: str) -> dict[str, int]:
        value = data.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(key, "an object of column counts")
        return {str(name): self.number(value, name) for name in value}

    def column(self, data: Mapping[str, Any]) -> Column:
        required = data.get("require_assignee")
        if not isinstance(required, bool):
            raise self.fail("require_assignee", "true or false")
        return Column(
            self.text(data, "name"),
            self.names(data, "labels"),
            self.limit(data, "soft_min"),
            self.limit(data, "soft_max"),
            self.text(data, "description"),
            require_assignee=required,
            stalled_after_days=self.limit(data, "stalled_after_days"),
        )

    def step(self, data: Mapping[str, Any]) -> PlannedStep:
        try:
            kind = StepKind(str(data.get("step")))
        except ValueError:
            raise self.fail("step", "uncategorized, review or promote") from None
        topics = tuple(
            Topic(
                self.key(t, "issue"),
                self.text(t, "title"),
                self.text(t, "url"),
                self.text(t, "column"),
                self.names(t, "assignees"),
                self.text(t, "reason"),
            )
            for t in self.items(data, "issues")
        )
        return PlannedStep(kind, self.text(data, "column"), self.optional_text(data, "from"), topics)
