"""One reporting path: any layer reports a *fact* (an error from :mod:`triageboard.errors` or a notice below)
with a level; the front end connected to the :class:`Reporter` turns it into a sentence
(:func:`triageboard.wording.describe`) and shows it — the window's message bar, or the CLI's stderr.

Reports sent before anyone listens (while the session is being built, say) are buffered and delivered
when the first sink connects, so nothing reported at start-up is lost. A report may name the ``source``
it belongs to (a cause such as "refresh" or "auth"); when that cause goes away, :meth:`Reporter.resolve`
tells the front end to take its message down.

Standard library only.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Doing(StrEnum):
    """What was being done when something happened: the front end's sentence says what it means for that."""

    START = "start"
    REFRESH = "refresh"
    MOVE = "move"
    ASSIGN = "assign"
    PREPARE = "prepare"
    SIGN_IN = "sign-in"
    SIGN_OUT = "sign-out"
    CHECK_TOKEN = "check-token"  # noqa: S105 (an activity, not a secret)
    SEND = "send"
    TIMELINE = "timeline"  # reading issues' timelines (how long cards have been in their columns)


class Source:
    """Causes a message belongs to (``Reporter.report(source=)``): whoever sees the cause go resolves it."""

    AUTH = "auth"  # not signed in, a rejected token, who is signed in unknown: a sign-in or an answer ends it
    REFRESH = "refresh"  # a failed refresh: a good one ends it

    @staticmethod
    def refusal(repo: str, label: str = "") -> str:
        """Moves refused up front in ``repo`` (no permission), or into a column whose ``label`` is missing:
        a move that goes through there ends it."""
        return f"refused:{repo.casefold()}:{label.casefold()}"


# --- notices: facts that are not failures ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreRecovered:
    """A damaged store file was moved to ``aside`` and replaced; ``recovered`` records were copied over
    (None: nothing could be salvaged by design, e.g. a cache)."""

    what: str
    aside: str
    recovered: int | None = None


@dataclass(frozen=True, slots=True)
class ChangedMeanwhile:
    """Someone else changed ``issue``'s labels since the board showed it; the move was applied on top."""

    issue: str
    target: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchTruncated:
    """A search source returned only ``shown`` of ``total`` results (GitHub's cap), even after splitting."""

    shown: int
    total: int


@dataclass(frozen=True, slots=True)
class ShowingSaved:
    """The board shown is the one saved at ``saved_at`` (when GitHub last confirmed it); ``checking``: it is
    being compared with GitHub now (the window), or could not be (``triageboard list`` offline)."""

    saved_at: datetime
    now: datetime
    checking: bool = True


@dataclass(frozen=True, slots=True)
class OfflineSince:
    """``host`` cannot be reached since ``since`` (``cause``: the last failure); the board shows what was
    loaded at ``saved_at`` (None: nothing yet); ``retry_at``: when it tries again by itself (None: it does
    not)."""

    host: str
    since: datetime
    cause: Exception | None = None
    saved_at: datetime | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SearchIncomplete:
    """GitHub marked a search result incomplete (it timed out on its side)."""


@dataclass(frozen=True, slots=True)
class NotSignedIn:
    """No token for ``host``. ``env_var``: the variable that would supply one; ``keyring``: why the keyring
    could not be asked (None: it was, and held none)."""

    host: str
    env_var: str
    keyring: Exception | None = None


@dataclass(frozen=True, slots=True)
class TokenRejected:
    """GitHub rejected the token found at start; ``source`` is where it came from ("GH_TOKEN", "keyring")."""

    source: str


@dataclass(frozen=True, slots=True)
class UserUnknown:
    """Who is signed in could not be checked (``cause``); the token is kept and the board retries."""

    cause: Exception


@dataclass(frozen=True, slots=True)
class NoClientId:
    """The device flow needs an OAuth app client id for ``host``: ``env_var`` or the file ``setting`` holds
    one; ``problem``: that file could not be read."""

    host: str
    env_var: str
    setting: str
    problem: Exception | None = None


@dataclass(frozen=True, slots=True)
class SignedOut:
    """``env_var``: a token variable still set (used at the next start); ``removed``: the keyring held one."""

    env_var: str | None
    removed: bool


@dataclass(frozen=True, slots=True)
class SessionOnly:
    """Signed in as ``login``, but the keyring could not keep the token (``cause``): this session only."""

    login: str
    cause: Exception


@dataclass(frozen=True, slots=True)
class TokenLimits:
    """A valid token that cannot do everything: ``scopes`` lack a labelling scope (classic tokens), or the
    account cannot label in ``cannot_label``."""

    login: str
    scopes: tuple[str, ...] | None
    scope_missing: bool
    cannot_label: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotOnBoard:
    """A request about ``issue``, which is no longer on the board: nothing was sent."""

    issue: str


@dataclass(frozen=True, slots=True)
class NothingSelected:
    """A card action with no card selected; ``keys`` names the shortcut the user pressed."""

    keys: str


@dataclass(frozen=True, slots=True)
class NoMeeting:
    """The journal holds no triage meeting of ``board`` held by ``account`` yet."""

    board: str
    account: str


@dataclass(frozen=True, slots=True)
class MinutesOffline:
    """``host`` cannot be reached (``cause``), so who is signed in cannot be asked: the minutes shown are
    those of ``account``, the last account seen on that host."""

    host: str
    account: str
    cause: Exception | None = None


@dataclass(frozen=True, slots=True)
class AccountUnknown:
    """Something needs the signed-in login ("Assign to me"), which is not known yet."""


class MeetingWait(StrEnum):
    LOADING = "loading"  # the board has not loaded yet
    ACCOUNT = "account"  # who is signed in is not known yet
    JOURNAL = "journal"  # the meeting journal cannot be used


@dataclass(frozen=True, slots=True)
class MeetingNotReady:
    """A triage meeting cannot open yet: ``reason`` says what it waits for."""

    reason: MeetingWait


@dataclass(frozen=True, slots=True)
class MeetingNotResumed:
    """The open meeting could not be rebuilt from the journal (``cause``); it was closed, kept for the
    record, and a new one was started."""

    cause: Exception


@dataclass(frozen=True, slots=True)
class MinutesNotSaved:
    """The minutes could not be written to ``path`` (``detail``: the system's reason)."""

    path: str
    detail: str


@dataclass(frozen=True, slots=True)
class SenderRestarting:
    """Sending stopped after an unexpected error (already logged); it restarts by itself, nothing lost."""


@dataclass(frozen=True, slots=True)
class Crash:
    """Something unexpected inside triageboard: ``summary`` (exception type and text, tokens masked),
    ``log_path`` where the traceback is."""

    summary: str
    log_path: str | None


@dataclass(frozen=True, slots=True)
class Waiting:
    """The outbox's state for the status bar: ``count`` requests wait until ``until`` (None: nothing timed),
    because of ``reason`` (None: not sent yet); ``needs_sign_in``: they wait for a new sign-in."""

    count: int
    until: datetime | None = None
    reason: Exception | None = None
    needs_sign_in: bool = False


@dataclass(frozen=True, slots=True)
class ViaBot:
    """A change the account cannot make itself in ``repo``, asked of the repository's triagebot instead by
    posting ``comment`` on ``issue``; it shows on GitHub once the bot has acted (a moment later).
    ``target``: the column, or "assign @login"."""

    issue: str
    target: str
    repo: str
    comment: str


class Change(StrEnum):
    """What happened to a card (:class:`CardChanged`)."""

    MOVED = "moved"  # shown in its new column; being sent
    LABELLED = "labelled"  # labels added or removed outside a move (``labels``: "+X", "-Y"); being sent
    VIA_BOT = "via-bot"  # shown in its new column; asked of the repository's triagebot
    FAILED = "failed"  # a move that will not happen: the card is back where GitHub has it
    UNDONE = "undone"
    REDONE = "redone"


@dataclass(frozen=True, slots=True)
class CardChanged:
    """What just happened to a card, for assistive technology and the status bar: ``change`` of ``issue``
    (titled ``title``, untrusted text) into ``column`` (for an undo: the column it goes back to);
    ``reason``: why a move failed."""

    change: Change
    issue: str
    title: str
    column: str
    reason: object | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StillSending:
    """``issue`` has a change on its way to GitHub (one queued change per card): ``what`` (a label change,
    a move) can be asked once it has settled."""

    issue: str
    what: str


@dataclass(frozen=True, slots=True)
class TimelinesCapped:
    """Time in a column is known for ``known`` of ``total`` cards: reading timelines stopped after ``cap``
    requests (the rest stay unknown until a later run)."""

    known: int
    total: int
    cap: int


# --- the bridge -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    level: Level
    fact: object
    doing: Doing | None = None
    source: str = ""
    at: datetime | None = field(default=None, compare=False)


class Sink(Protocol):
    """A front end: shows reports and takes down those whose cause went away."""

    def show(self, report: Report) -> None: ...
    def retract(self, source: str) -> None: ...


_LOG_LEVEL = {Level.INFO: logging.INFO, Level.WARNING: logging.WARNING, Level.ERROR: logging.ERROR}


class Reporter:
    """The one path from any layer to the user. Owned by the session (or a CLI run); passed in."""

    def __init__(self, *, buffer_limit: int = 200) -> None:
        self._sinks: list[Sink] = []
        self._buffer: deque[Report] = deque(maxlen=buffer_limit)

    def report(
        self, level: Level | str, fact: object, *, doing: Doing | None = None, source: str = ""
    ) -> Report:
        report = Report(Level(level), fact, doing, source)
        log.log(_LOG_LEVEL[report.level], "%s%s", f"[{doing}] " if doing else "", fact)
        if not self._sinks:
            self._buffer.append(report)
        for sink in list(self._sinks):
            sink.show(report)
        return report

    def error(self, fact: object, *, doing: Doing | None = None, source: str = "") -> Report:
        return self.report(Level.ERROR, fact, doing=doing, source=source)

    def warning(self, fact: object, *, doing: Doing | None = None, source: str = "") -> Report:
        return self.report(Level.WARNING, fact, doing=doing, source=source)

    def info(self, fact: object, *, doing: Doing | None = None, source: str = "") -> Report:
        return self.report(Level.INFO, fact, doing=doing, source=source)

    def resolve(self, source: str) -> None:
        """The cause ``source`` has gone (signed in, server back, label created): take its message down."""
        if not source:
            return
        if not self._sinks:
            # Not shown yet: what is still buffered for this cause need not be shown at all.
            self._buffer = deque((r for r in self._buffer if r.source != source), maxlen=self._buffer.maxlen)
        for sink in list(self._sinks):
            sink.retract(source)

    def connect(self, sink: Sink) -> Callable[[], None]:
        """Deliver every future report to ``sink`` (and, to the first sink, what was buffered);
        returns the function that disconnects it."""
        self._sinks.append(sink)
        buffered, self._buffer = list(self._buffer), deque(maxlen=self._buffer.maxlen)
        for report in buffered:
            sink.show(report)

        def disconnect() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)

        return disconnect

    @property
    def buffered(self) -> tuple[Report, ...]:
        return tuple(self._buffer)
