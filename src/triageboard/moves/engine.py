"""The move engine: sends the outbox to GitHub, one change at a time, and never loses one.

Plain asyncio (no Qt): the window's ``MoveService`` and the ``triageboard`` CLI share it. Outbox work runs in
a worker thread (no disk wait on the UI thread); the engine keeps a mirror of the pending rows that it
refreshes each round, so the board can ask what is pending without touching the disk.

A move is sent as: check the repository lets us label and the column's labels exist (once per session) →
read the issue's current labels → plan the label diff on that fresh state (labels someone else changed are
kept; the user hears of it) → add the missing labels → remove the other columns' labels (404 = already
gone) → check GitHub's answer with ``satisfies``. Only then does the row leave the outbox. An assignment is
one POST or DELETE of one login, confirmed against the assignees GitHub answers with.

Temporary failures keep a row queued with backoff; rate limits hold every row until GitHub's (capped) reset;
permanent failures drop the row and report a :class:`~triageboard.errors.MoveError` — a
:class:`~triageboard.errors.HalfApplied` when part of a move had already reached GitHub.

Where the account may not label, a move the repository's triagebot makes for anyone is sent as a
``@rustbot`` comment instead (``Via.RUSTBOT`` rows, :mod:`triageboard.moves.rustbot`): decided before it is
queued (:meth:`MoveEngine.route`), so the user is told first, and confirmed only when the labels really
change on GitHub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from ..board import (
    Assignment,
    BoardSpec,
    Column,
    Issue,
    IssueKey,
    Label,
    LabelDiff,
    Route,
    Via,
    label_key,
    place,
    plan_move,
    route_assignment,
    route_move,
    satisfies,
)
from ..board import apply_diff as _apply_diff
from ..clock import Clock, wait_event
from ..errors import (
    AuthError,
    AwaitingBot,
    BadResponse,
    BadResponseReason,
    CannotLabel,
    GitHubError,
    Gone,
    HalfApplied,
    IssueGone,
    MissingLabel,
    MoveError,
    NotApplied,
    NotAssignable,
    NotFound,
    PermissionDenied,
    RateLimited,
    StoreError,
    TriageboardError,
)
from ..github import GitHubClient
from ..reporting import ChangedMeanwhile, Waiting
from ..store import AssignOp, DamagedRow, MoveState, Outbox, Pending, PendingAssignment, PendingMove
from .rustbot import BotSender

log = logging.getLogger(__name__)

P = ParamSpec("P")
# Answers to a write that came but cannot be read: the write may have been applied.
_UNREADABLE = frozenset(
    {
        BadResponseReason.MALFORMED,
        BadResponseReason.TOO_LARGE,
        BadResponseReason.UNDECODABLE,
        BadResponseReason.HTML,
    }
)
T = TypeVar("T")
R = TypeVar("R")


class MoveEvents:
    """What the engine reports. Subclass and override; every method is called on the event loop."""

    def pending_changed(self, count: int) -> None:
        """How many changes are still in the outbox."""

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        """GitHub confirmed a move; ``labels`` are the issue's labels as GitHub now has them."""

    def failed(self, key: IssueKey, error: TriageboardError, labels: tuple[Label, ...] | None) -> None:
        """A move was dropped for good. ``labels``: GitHub's current labels when known."""

    def assigned(self, key: IssueKey, assignees: tuple[str, ...]) -> None:
        """GitHub confirmed an assignment change; ``assignees`` as GitHub now has them."""

    def assignment_failed(
        self, key: IssueKey, login: str, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        """An assignment change was dropped for good. ``assignees``: GitHub's current ones when known."""

    def waiting(self, state: Waiting) -> None:
        """What is waiting and until when (``state.count == 0``: nothing waits)."""

    def notice(self, fact: object) -> None:
        """Something the user should know that is not a failure (a conflict resolved on fresh state, the
        outbox being unusable for a moment)."""


class _Superseded(Exception):
    """A newer request for the same row replaced the one being sent: send that one instead."""


class MoveEngine:
    def __init__(self, client: GitHubClient, outbox: Outbox, events: MoveEvents | None = None) -> None:
        self.client = client
        self.outbox = outbox
        self.events = events or MoveEvents()
        self.policy = client.policy
        self.clock: Clock = client.clock
        self.api_url = client.api_url
        self.known: dict[str, Label] = {}  # label key -> label with its colour, for optimistic display
        self._moves: dict[IssueKey, PendingMove] = {}
        self._assignments: dict[tuple[IssueKey, str], PendingAssignment] = {}
        self._repos: dict[str, CannotLabel | None] = {}  # repo -> None (may label) or why not
        self._labels: dict[tuple[str, str], bool] = {}  # (repo, label key) -> exists
        self._refused_at: dict[object, float] = {}  # repo or (repo, label key) -> when found wanting
        self._secondary_streak = 0  # secondary rate limits in a row, without a change sent in between
        self._until_idle = False
        self._wake = asyncio.Event()
        self._auth_needed = False
        self._limits_checked = False
        self._last_waiting = Waiting(0)
        self._last_seen: dict[IssueKey, tuple[Label, ...]] = {}
        self._next_batch = 0
        self._loaded = False
        # Set while a move's writes are under way: a failure then may have left it half done.
        self._wrote = False
        # Label keys this engine saw GitHub add for a move (known even when the row has no base).
        self._added: dict[IssueKey, set[str]] = {}
        self.me = ""  # the signed-in login, once known (set_me, or asked when a bot row needs it)
        self.bot = BotSender(
            client,
            outbox,
            self.clock,
            self.policy,
            whoami=self.whoami,
            seen=self._seen,
            notice=lambda fact: self.events.notice(fact),
        )

    # --- asking (from the mirror: no disk) ---------------------------------------------------------

    def pending(self) -> list[PendingMove]:
        return sorted(self._moves.values(), key=lambda row: row.id)

    def pending_assignments(self) -> list[PendingAssignment]:
        return sorted(self._assignments.values(), key=lambda row: row.id)

    def pending_count(self) -> int:
        return len(self._moves) + len(self._assignments)

    def pending_move(self, key: IssueKey) -> PendingMove | None:
        return self._moves.get(key)

    def pending_assignees(self, key: IssueKey) -> dict[str, AssignOp]:
        """Assignment changes still on their way for ``key``: login -> add/remove."""
        return {row.login: row.op for (k, _), row in self._assignments.items() if k == key}

    async def load(self) -> None:
        """Read the outbox into the mirror (a start, or another process may have changed it). Rows that
        cannot be read are set aside and reported as failed: they can never be sent as asked."""
        moves, assignments, damaged = await self._db(self._read_all)
        before = self.pending_count()
        self._moves = {row.key: row for row in moves}
        self._assignments = {(row.key, row.login.casefold()): row for row in assignments}
        if self.pending_count() != before or not self._loaded:
            self._loaded = True
            self.events.pending_changed(self.pending_count())
        for row in damaged:
            log.info("set aside a damaged outbox row: %r", row.error)
            if row.key is not None and row.table == "moves":
                self.events.failed(row.key, row.error, None)
            elif row.key is not None and row.login is not None:
                self.events.assignment_failed(row.key, row.login, row.error, None)
            else:
                self.events.notice(row.error)

    def _read_all(self) -> tuple[list[PendingMove], list[PendingAssignment], list[DamagedRow]]:
        moves, assignments = self.outbox.pending(self.api_url), self.outbox.assignments(self.api_url)
        return moves, assignments, self.outbox.set_aside_damaged()

    def refusal(self, repo: str, column: Column, key: IssueKey | None = None) -> MoveError | None:
        """Why a move into ``column`` of ``repo`` is known to fail, from what this session has read
        lately (an older refusal is not trusted: the move goes through and GitHub is asked again)."""
        issue = str(key) if key is not None else ""
        reason = self._repos.get(repo)
        if reason is not None and self._recent(repo):
            return CannotLabel(issue, column.name, repo=repo, detail=reason.detail, missing=reason.missing)
        for name in column.labels:
            cache_key = (repo, label_key(name))
            if self._labels.get(cache_key) is False and self._recent(cache_key):
                return MissingLabel(issue, column.name, repo=repo, label=name)
        return None

    def _recent(self, what: object) -> bool:
        when = self._refused_at.get(what)
        return when is not None and self.clock.monotonic() - when < self.policy.recheck_after

    def known_refusal(self, repo: str, column: Column, key: IssueKey | None = None) -> MoveError | None:
        """Like :meth:`refusal`, but a repository the account was found unable to label stays refused for
        the session (until a recheck, e.g. ``prepare(recheck=True)``, finds otherwise): the window disables
        such moves instead of offering what GitHub refuses."""
        reason = self._repos.get(repo)
        if reason is not None:
            issue = str(key) if key is not None else ""
            return CannotLabel(issue, column.name, repo=repo, detail=reason.detail, missing=reason.missing)
        return self.refusal(repo, column, key)

    def route(self, spec: BoardSpec, issue: Issue, column: Column) -> Route:
        """How moving ``issue`` (its labels as shown) into ``column`` would be sent, from what this session
        knows (no network): by the account, through the repository's triagebot, or refused (and why)."""
        row = self._moves.get(issue.key)
        if row is not None and row.via is Via.RUSTBOT and row.asked_at is not None:
            return Route(None, refusal=AwaitingBot(str(issue.key), column.name, repo=issue.repo))
        refusal = self.known_refusal(issue.repo, column, issue.key)
        return route_move(spec, issue, column, refusal=refusal, bot=self.bot.known(issue.repo))

    def route_assignment(self, key: IssueKey, login: str, *, add: bool = True) -> Route:
        """How (un)assigning ``login`` on ``key`` would be sent: by the account, as ``@rustbot claim`` (only
        for oneself, where the account may not assign), or refused."""
        target = f"{'assign' if add else 'unassign'} @{login}"
        row = self._assignments.get((key, login.casefold()))
        if row is not None and row.via is Via.RUSTBOT and row.asked_at is not None:
            return Route(None, refusal=AwaitingBot(str(key), target, repo=key.repo))
        reason = self._repos.get(key.repo)
        refusal = None
        if reason is not None:
            refusal = CannotLabel(
                str(key), target, repo=key.repo, detail=reason.detail, missing=reason.missing
            )
        assignment = Assignment(key, login, add)
        return route_assignment(assignment, self.me, refusal=refusal, bot=self.bot.known(key.repo))

    async def plan_route(self, spec: BoardSpec, key: IssueKey, column: Column) -> Route:
        """:meth:`route` for a scripted move: asks GitHub what the session does not know yet (whether the
        account may label in the repository; where it may not, its triagebot and the issue's labels).
        Raises GitHubError."""
        try:
            await self._check_repo(key.repo)
        except CannotLabel as exc:
            if not exc.missing:
                await self.bot.config(key.repo)
            labels = await self.client.get_issue_labels(key.repo, key.number)
            return self.route(spec, Issue(key.repo, key.number, "", labels), column)
        return Route(Via.GITHUB)  # the labels are read when it is sent

    def set_me(self, login: str) -> None:
        """The signed-in login (the board service learns it first)."""
        self.me = login

    async def whoami(self) -> str:
        if not self.me:
            self.me = (await self.client.current_user()).login
        return self.me

    def _seen(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self._last_seen[key] = labels
        self.learn(labels)

    async def prepare(
        self, spec: BoardSpec, repos: Iterable[str], *, recheck: bool = False
    ) -> list[TriageboardError]:
        """Read permissions and column labels of ``repos`` (when a board opens; ``recheck``: ask again what
        was found wanting), and the triagebot of each repository the account cannot label; returns the
        problems found.

        Temporary failures are ignored here: the same checks run again before a move is sent.
        """
        problems: list[TriageboardError] = []
        repos = list(repos)
        for repo in repos:
            try:
                try:
                    await self._check_repo(repo, recheck=recheck)
                except CannotLabel as exc:
                    if exc.missing:
                        raise
                    # Moves the bot makes for anyone go through it (checked per move; the labels still
                    # have to exist, or the bot refuses them).
                    await self.bot.config(repo, again=recheck)
                    await self.whoami()
                for column in spec.columns:
                    for name in column.labels:
                        await self._label_exists(repo, name, recheck=recheck)
            except MoveError:
                pass  # recorded; reported once below, per column
            except GitHubError as exc:
                if not exc.temporary and not isinstance(exc, AuthError):
                    problems.append(exc)
        seen: set[str] = set()
        for repo in repos:
            for column in spec.columns:
                reason = self.refusal(repo, column)
                bot = self.bot.known(repo)
                if isinstance(reason, CannotLabel) and not reason.missing and bot is not None:
                    continue  # said per move instead: some go through the bot
                if reason is not None and str(reason) not in seen:
                    seen.add(str(reason))
                    problems.append(reason)
        return problems

    def overlay(self, issues: Iterable[Issue]) -> list[Issue]:
        """``issues`` (freshly fetched) with the still-pending changes applied on top."""
        result = []
        for issue in issues:
            row = self._moves.get(issue.key)
            if row is not None:
                diff = plan_move(row.spec, issue, row.column)
                issue = issue.with_labels(_apply_diff(issue.labels, diff, self.known))
            changes = self.pending_assignees(issue.key)
            if changes:
                issue = replace(issue, assignees=apply_assignees(issue.assignees, changes))
            result.append(issue)
        return result

    def learn(self, labels: Iterable[Label]) -> None:
        """Remember label colours (from the board or GitHub) for optimistic display."""
        for label in labels:
            self.known[label.key] = label

    def new_batch(self) -> int:
        """An id for a bulk request (cancel it together, show its progress)."""
        self._next_batch += 1
        return int(self.clock.time() * 1000) * 100 + self._next_batch % 100

    # --- requesting ------------------------------------------------------------------------------

    async def request(
        self,
        spec: BoardSpec,
        key: IssueKey,
        column: Column,
        shown: Iterable[Label] | None,
        *,
        batch: int | None = None,
        via: Via = Via.GITHUB,
    ) -> PendingMove:
        """Record a move in the outbox (on disk when this returns) and wake the sender.

        ``shown``: the labels the board showed (the base a conflict is judged against), None when unknown.
        ``via``: how to send it, as :meth:`route` decided (the user was told). Raises :class:`StoreError`
        when the move could not be saved, :class:`AwaitingBot` when the card waits for the bot to act on an
        earlier request (then nothing is sent).
        """
        shown = None if shown is None else tuple(shown)

        def plan(base: tuple[str, ...] | None) -> LabelDiff:
            """Against the base the row keeps: the labels shown now, or those an earlier move of the card
            that is still in the outbox (and now replaced) started from."""
            if base is None:
                return LabelDiff()
            return plan_move(spec, Issue(key.repo, key.number, "", tuple(Label(n) for n in base)), column)

        row = await self._db(
            self.outbox.put,
            self.api_url,
            key,
            spec,
            column,
            None if shown is None else tuple(label.name for label in shown),
            plan,
            batch=batch,
            via=via,
        )
        self._moves[key] = row
        if shown is not None:
            self.learn(shown)
        self.events.pending_changed(self.pending_count())
        self.wake()
        return row

    async def request_assignment(
        self, key: IssueKey, login: str, op: AssignOp, *, batch: int | None = None, via: Via = Via.GITHUB
    ) -> PendingAssignment:
        """Record an assignment change (add or remove ``login``; never the whole set) and wake the sender."""
        row = await self._db(self.outbox.put_assignment, self.api_url, key, login, op, batch=batch, via=via)
        self._assignments[(key, login.casefold())] = row
        self.events.pending_changed(self.pending_count())
        self.wake()
        return row

    async def cancel_batch(self, batch: int) -> list[Pending]:
        """Take back what of ``batch`` has not been sent; returns the rows taken back."""
        taken = await self._db(self.outbox.cancel_batch, self.api_url, batch)
        for row in taken:
            self._forget(row)
        self.events.pending_changed(self.pending_count())
        return taken

    def wake(self) -> None:
        self._wake.set()

    def resume(self) -> None:
        """Signed in again: try the changes that waited for a valid token."""
        self._auth_needed = False
        self.wake()

    # --- sending ---------------------------------------------------------------------------------

    async def run(
        self,
        *,
        only: Iterable[IssueKey] | None = None,
        until_idle: bool = False,
        deadline: float | None = None,
    ) -> None:
        """Send the outbox. The window runs it forever (``until_idle=False``); the CLI until the changes it
        cares about (``only``) are done, or nothing more can happen before ``deadline`` (a clock time), or
        GitHub wants a new sign-in."""
        wanted = None if only is None else set(only)
        self._until_idle = until_idle
        while True:
            self._wake.clear()
            try:
                await self.load()
                await self._check_stale_limits()
            except StoreError as exc:
                await self._store_failed(exc)
                continue
            everything: list[Pending] = [*self.pending(), *self.pending_assignments()]
            rows = [r for r in everything if wanted is None or r.key in wanted]
            if not rows:
                self._set_waiting(Waiting(0))
                if until_idle:
                    return
                await self._sleep(None)
                continue
            if self._auth_needed:
                self._set_waiting(Waiting(len(rows), needs_sign_in=True))
                if until_idle:
                    return
                await self._sleep(None)
                continue
            now = self.clock.time()
            due = sorted((r for r in rows if r.not_before <= now), key=lambda r: r.created_at)
            if not due:
                next_at = min(r.not_before for r in rows)
                reason = next((r.error for r in rows if r.not_before == next_at and r.error), None)
                self._set_waiting(Waiting(len(rows), datetime.fromtimestamp(next_at, UTC), reason))
                if deadline is not None and next_at > deadline:
                    return
                await self._sleep(next_at - now)
                continue
            self._set_waiting(Waiting(len(rows)))
            try:
                if isinstance(due[0], PendingMove):
                    await self._send_move(due[0])
                else:
                    await self._send_assignment(due[0])
            except StoreError as exc:
                # The disk under the outbox failed: stop here rather than send changes we cannot track.
                await self._store_failed(exc)

    async def _db(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Outbox work on the outbox's worker thread, in the order asked for: SQLite's fsync never blocks
        the event loop (the UI thread), and a later wish for a row is never written before an earlier one."""
        return await asyncio.wrap_future(self.outbox.submit(work, *args, **kwargs))

    async def _sleep(self, seconds: float | None) -> None:
        await wait_event(self.clock, self._wake, seconds)

    async def _check_stale_limits(self) -> None:
        """Once per run: rows held by a rate limit an earlier run met are released when GitHub (asked for
        free) says the limit has room again, and never held longer than GitHub's longest window."""
        if self._limits_checked:
            return
        self._limits_checked = True
        now = self.clock.time()
        released = await self._db(self.outbox.release, self.api_url, now + self.policy.max_announced_wait)
        rows: list[Pending] = [*self._moves.values(), *self._assignments.values()]
        held = [r for r in rows if r.not_before > now]
        waits = [r.error for r in held if isinstance(r.error, RateLimited)]
        if any(wait.secondary and wait.capped for wait in waits):
            # GitHub announced a wait longer than any of its windows: the hour it was cut to is our guess,
            # not its instruction. A new run tries once; a limit still in force is met, and held, again.
            released += await self._db(self.outbox.release, self.api_url, now)
        elif any(not wait.secondary for wait in waits):
            with contextlib.suppress(GitHubError):
                limits = await self.client.refresh_rate_limit()
                core = limits.get("core")
                if core is not None and core.remaining > 0:
                    released += await self._db(self.outbox.release, self.api_url, now)
        if released:
            log.info("released %d changes held by an earlier run's wait", released)
            await self.load()

    async def _store_failed(self, exc: StoreError) -> None:
        """The outbox cannot be read or written. What GitHub has is confirmed again once it can be."""
        if self._until_idle:  # a script: end with the message instead of spinning
            raise exc
        self.events.notice(exc)
        await self._sleep(max(1.0, self.policy.move_retry_base))

    async def _send_move(self, row: PendingMove) -> None:
        key = row.key
        self._last_seen.pop(key, None)

        async def send() -> tuple[Label, ...] | None:
            if row.via is Via.RUSTBOT:
                self._wrote = False
                return await self.bot.move(row)  # None: asked, or still waiting for the bot
            return await self._apply(row)

        labels = await self._attempt(row, send)
        if labels is None:
            return  # not settled yet: the row looks again later (or it was dealt with)
        self._added.pop(key, None)
        # complete() is False when the row changed: a newer move of the issue (keep going), or another
        # process (the window and 'triageboard sync') confirmed it first: then it is settled here too.
        if (
            await self._db(self.outbox.complete, row)
            or await self._db(self.outbox.get, self.api_url, key) is None
        ):
            log.info("moved %s to %s", key, row.target)
            self._moves.pop(key, None)
            self.events.settled(key, labels)
            self.events.pending_changed(self.pending_count())

    async def _send_assignment(self, row: PendingAssignment) -> None:
        key = row.key

        async def send() -> tuple[str, ...] | None:
            if row.via is Via.RUSTBOT:
                return await self.bot.assignment(row)  # None: asked, or still waiting for the bot
            return await self._assign(row)

        assignees = await self._attempt(row, send)
        if assignees is None:
            return
        if await self._db(self.outbox.complete, row):
            log.info("%s: %s", key, row.target)
            self._assignments.pop((key, row.login.casefold()), None)
            self.events.assigned(key, assignees)
            self.events.pending_changed(self.pending_count())

    async def _attempt(self, row: Pending, send: Callable[[], Awaitable[R | None]]) -> R | None:
        """Send ``row`` once through ``send``: GitHub's answer, or None when there is nothing to settle yet.

        None covers the bot asked and awaited, a newer move taking the row over, and every failure, each
        dealt with here the same way for moves and assignments: dropped with its reason when it cannot
        succeed, held for a sign-in or until a rate limit's end, or set to try again later.
        """
        try:
            await self._db(self.outbox.mark, row, MoveState.SENDING)
            result = await send()
        except _Superseded:
            return None
        except MoveError as exc:
            self._secondary_streak = 0
            await self._drop(row, exc)
        except AuthError as exc:
            self._auth_needed = True
            await self._db(self.outbox.mark, row, MoveState.QUEUED, error=exc)
            self.events.notice(exc)
        except RateLimited as exc:
            await self._rate_limited(exc)
        except GitHubError as exc:
            self._secondary_streak = 0
            if exc.temporary:
                # Part of a move may be on GitHub already: then what waits is said with where it is now.
                half = self._half_applied(row, exc, final=False) if isinstance(row, PendingMove) else None
                await self._retry_later(row, half or exc)
            else:
                await self._drop(row, self._refusal(row, exc))
        else:
            if result is not None:
                self._secondary_streak = 0
            return result
        return None

    def _refusal(self, row: Pending, exc: GitHubError) -> TriageboardError:
        """What a permanent GitHub error means for ``row``: the issue gone (an assignment's 404 too), no
        permission in its repository (remembered, for a move, so the next ones are refused up front), or
        the error itself."""
        key = row.key
        if isinstance(exc, Gone) or (isinstance(exc, NotFound) and isinstance(row, PendingAssignment)):
            return IssueGone(str(key), row.target, deleted=isinstance(exc, Gone))
        if isinstance(exc, PermissionDenied):
            if isinstance(row, PendingMove):
                self._repos[key.repo] = CannotLabel("", "", repo=key.repo, detail=exc.detail)
                self._refused_at[key.repo] = self.clock.monotonic()
            return CannotLabel(str(key), row.target, repo=key.repo, detail=exc.detail)
        return exc

    async def _drop(self, row: Pending, error: TriageboardError) -> None:
        if isinstance(row, PendingMove):
            await self._fail(row, error)
        else:
            await self._fail_assignment(row, error, getattr(error, "assignees", None))

    async def _assign(self, row: PendingAssignment) -> tuple[str, ...]:
        """One POST or DELETE of one login, checked against the assignees GitHub answers with."""
        key = row.key
        await self._check_repo(key.repo, recheck=True, key=key, target=row.target)
        if row.op is AssignOp.ADD:
            assignees = await self.client.add_assignees(key.repo, key.number, [row.login])
            if not any(a.casefold() == row.login.casefold() for a in assignees):
                raise NotAssignable(str(key), row.target, login=row.login, assignees=assignees)
        else:
            assignees = await self.client.remove_assignees(key.repo, key.number, [row.login])
            if any(a.casefold() == row.login.casefold() for a in assignees):
                raise NotApplied(str(key), row.target, labels=())
        return assignees

    async def _rate_limited(self, exc: RateLimited) -> None:
        """Hold every row until GitHub's time; never less than a pause (a reset time already past, from
        clock skew, must not become a tight loop), and exponentially longer for repeated secondary limits
        that came without retry-after."""
        now = self.clock.time()
        resume = max(exc.resume_at.timestamp(), now + self.policy.move_retry_base)
        if exc.secondary:
            self._secondary_streak += 1
            if self._secondary_streak > 1 and exc.retry_after is None:
                longer = self.policy.secondary_default_wait * 2 ** (self._secondary_streak - 1)
                resume = max(resume, now + min(longer, self.policy.secondary_max))
        else:
            self._secondary_streak = 0
        resume = min(resume, now + self.policy.max_announced_wait)
        await self._db(self.outbox.defer_all, self.api_url, resume, exc)
        log.info("rate limited until %s (secondary=%s)", datetime.fromtimestamp(resume, UTC), exc.secondary)

    async def _fail(self, row: PendingMove, error: TriageboardError) -> None:
        """Drop a move that cannot succeed. If part of it reached GitHub, say exactly where the issue is now
        (the board shows that truth: maybe a conflict the user settles with one more move)."""
        key = row.key
        if key not in self._last_seen and (
            row.generation > 1 or row.attempts > 0 or row.state is not MoveState.QUEUED or self._wrote
        ):
            await self._read_back(key)  # an earlier write may have gone through: show GitHub's truth
        labels = self._last_seen.get(key)
        error = self._half_applied(row, error, final=True) or error
        self._added.pop(key, None)
        log.warning("move of %s to %s dropped: %s", key, row.target, error)
        if await self._db(self.outbox.drop, row):
            self._moves.pop(key, None)
            if labels is None and row.base is not None:  # not read yet: GitHub still has the base
                labels = tuple(self.known.get(label_key(n), Label(n)) for n in row.base)
            self.events.failed(key, error, labels)
            self.events.pending_changed(self.pending_count())

    def _half_applied(self, row: PendingMove, error: TriageboardError, *, final: bool) -> HalfApplied | None:
        """``error`` as a :class:`HalfApplied` when GitHub's last known labels show part of ``row``'s move
        (``final``: the rest failed for good; else it is sent again), None when they do not."""
        key = row.key
        labels = self._last_seen.get(key)
        if labels is None or not _half_done(row, labels, self._added.get(key, set())):
            return None
        placement = place(row.spec, Issue(key.repo, key.number, "", labels))
        columns = (placement.column.name, *(c.name for c in placement.conflicting))
        cause = None if isinstance(error, NotApplied) else error
        return HalfApplied(
            str(key),
            row.target,
            labels=[label.name for label in labels],
            columns=columns,
            cause=cause,
            final=final,
        )

    async def _fail_assignment(
        self, row: PendingAssignment, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        log.warning("%s of %s dropped: %s", row.target, row.key, error)
        if await self._db(self.outbox.drop, row):
            self._assignments.pop((row.key, row.login.casefold()), None)
            self.events.assignment_failed(row.key, row.login, error, assignees)
            self.events.pending_changed(self.pending_count())

    async def _read_back(self, key: IssueKey) -> None:
        with contextlib.suppress(GitHubError):
            self._last_seen[key] = await self.client.get_issue_labels(key.repo, key.number)

    async def _retry_later(self, row: Pending, error: TriageboardError) -> None:
        attempts = row.attempts + 1
        delay = self.policy.backoff(
            attempts - 1, base=self.policy.move_retry_base, cap=self.policy.move_retry_max
        )
        log.info(
            "%s of %s failed (%s); attempt %d again in %.2fs", row.target, row.key, error, attempts + 1, delay
        )
        await self._db(
            self.outbox.mark,
            row,
            MoveState.WAITING,
            not_before=self.clock.time() + delay,
            attempts=attempts,
            error=error,
        )

    def _set_waiting(self, state: Waiting) -> None:
        if state != self._last_waiting:
            self._last_waiting = state
            self.events.waiting(state)

    def _forget(self, row: Pending) -> None:
        if isinstance(row, PendingMove):
            self._moves.pop(row.key, None)
        else:
            self._assignments.pop((row.key, row.login.casefold()), None)

    async def _apply(self, row: PendingMove) -> tuple[Label, ...]:
        key, spec, target = row.key, row.spec, row.column
        self._wrote = False
        await self._check_repo(key.repo, recheck=True, key=key, target=row.target)
        for name in target.labels:
            if not await self._label_exists(key.repo, name, recheck=True):
                raise MissingLabel(str(key), row.target, repo=key.repo, label=name)
        for attempt in range(self.policy.verify_rounds):
            try:
                fresh = await self.client.get_issue_labels(key.repo, key.number)
            except NotFound as exc:
                raise IssueGone(str(key), row.target, deleted=isinstance(exc, Gone)) from None
            self._last_seen[key] = fresh
            self.learn(fresh)
            if attempt == 0:
                self._tell_conflict(row, fresh)
            if satisfies(spec, fresh, target):
                return fresh
            await self._still_current(row)
            diff = plan_move(spec, Issue(key.repo, key.number, "", fresh), target)
            labels = fresh
            if diff.add:
                self._wrote = True
                labels = await self._written(key, self.client.add_labels(key.repo, key.number, diff.add))
                self._last_seen[key] = labels
                self._added.setdefault(key, set()).update(
                    label.key for label in labels if label.key in {label_key(n) for n in diff.add}
                )
                if not all(any(label.key == label_key(n) for label in labels) for n in target.labels):
                    # GitHub's answer lacks what was added: removing the old column's labels now would
                    # leave the issue half-moved. Read again instead.
                    log.info("%s: GitHub's answer to the add lacks %s; not removing", key, target.labels)
                    continue
            for name in diff.remove:
                self._wrote = True
                remaining = await self._written(key, self.client.remove_label(key.repo, key.number, name))
                if remaining is None:  # it was already gone: that is what we wanted
                    remaining = tuple(label for label in labels if label.key != label_key(name))
                labels = remaining
                self._last_seen[key] = labels
            if satisfies(spec, labels, target):
                return labels
            log.info("%s: GitHub's answer %s does not show %s yet; reading again", key, labels, row.target)
        shown = [label.name for label in self._last_seen.get(key, ())]
        raise NotApplied(str(key), row.target, labels=shown)

    async def _written(self, key: IssueKey, write: Awaitable[T]) -> T | tuple[Label, ...]:
        """GitHub's labels after a write, from its answer; when that answer came but cannot be read, the
        write may well have been applied, so the labels are read back instead of guessed (or the write
        sent again blind)."""
        try:
            return await write
        except BadResponse as exc:
            if exc.reason not in _UNREADABLE:
                raise
            log.info(
                "%s: GitHub's answer to a write could not be read (%s); reading the labels back", key, exc
            )
            return await self.client.get_issue_labels(key.repo, key.number)

    async def _still_current(self, row: PendingMove) -> None:
        now = await self._db(self.outbox.get, self.api_url, row.key)
        if now is None or now.generation != row.generation:
            raise _Superseded

    def _tell_conflict(self, row: PendingMove, fresh: tuple[Label, ...]) -> None:
        if row.base is None:
            return
        ours = {label_key(n) for n in (*row.touched, *row.column.labels)}
        base = {label_key(n): n for n in row.base}
        now = {label.key: label.name for label in fresh}
        added = tuple(name for k, name in now.items() if k not in base and k not in ours)
        removed = tuple(name for k, name in base.items() if k not in now and k not in ours)
        if added or removed:
            self.events.notice(ChangedMeanwhile(str(row.key), row.target, added, removed))

    async def _check_repo(
        self, repo: str, *, recheck: bool = False, key: IssueKey | None = None, target: str = ""
    ) -> None:
        """Refuse a repository the token cannot label. ``recheck``: ask GitHub again if it said no before."""
        if repo not in self._repos or (recheck and self._repos[repo] is not None):
            try:
                info = await self.client.get_repository(repo)
            except NotFound:
                self._repos[repo] = CannotLabel("", "", repo=repo, missing=True)
            else:
                self._repos[repo] = None if info.can_label else CannotLabel("", "", repo=repo)
            self._refused_at[repo] = self.clock.monotonic()
        reason = self._repos[repo]
        if reason is not None:
            raise CannotLabel(
                str(key) if key else "", target, repo=repo, detail=reason.detail, missing=reason.missing
            )

    async def _label_exists(self, repo: str, name: str, *, recheck: bool = False) -> bool:
        """Whether ``repo`` has the label. ``recheck``: ask GitHub again if it was missing before."""
        cache_key = (repo, label_key(name))
        if cache_key not in self._labels or (recheck and not self._labels[cache_key]):
            label = await self.client.get_label(repo, name)
            self._labels[cache_key] = label is not None
            self._refused_at[cache_key] = self.clock.monotonic()
            if label is not None:
                self.learn([label])
        return self._labels[cache_key]


def _half_done(row: PendingMove, labels: tuple[Label, ...], added: set[str]) -> bool:
    """Whether GitHub's ``labels`` show part of ``row``'s move (not all of it, and not none of it).
    ``added``: label keys this engine saw GitHub add for it (a row without a base plans no diff)."""
    spec = row.spec
    if satisfies(spec, labels, row.column):
        return False
    triage = {label_key(n) for n in spec.triage_labels}
    now = {label.key for label in labels if label.key in triage}
    if row.base is not None:
        return now != {label_key(n) for n in row.base if label_key(n) in triage}
    return bool(({label_key(n) for n in row.diff.add} | added) & now)


def apply_assignees(assignees: Iterable[str], changes: dict[str, AssignOp]) -> tuple[str, ...]:
    """``assignees`` with pending ``changes`` (login -> add/remove) shown as if GitHub had them already.
    Logins compare case-insensitively, as on GitHub."""
    ops = {login.casefold(): op for login, op in changes.items()}
    result = [a for a in assignees if ops.get(a.casefold()) is not AssignOp.REMOVE]
    present = {a.casefold() for a in result}
    result.extend(
        login for login, op in changes.items() if op is AssignOp.ADD and login.casefold() not in present
    )
    return tuple(result)
