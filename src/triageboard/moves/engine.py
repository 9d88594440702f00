"""The move engine: sends the outbox to GitHub, one move at a time, and never loses one.

Plain asyncio (no Qt): the window's ``MoveService`` and the ``triageboard`` CLI share it.

A move is sent as: check the repository lets us label and the column's labels exist (once per session) →
read the issue's current labels → plan the label diff on that fresh state (labels someone else changed are
kept; the user hears of it) → add the missing labels → remove the other columns' labels (404 = already
gone) → check GitHub's answer with ``satisfies``. Only then does the row leave the outbox. Temporary
failures keep it queued with backoff; rate limits hold every move until GitHub's reset time; permanent
failures drop it with a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from ..board import BoardSpec, Column, Issue, IssueKey, Label, LabelDiff, label_key, plan_move, satisfies
from ..board import apply_diff as _apply_diff
from ..github import AuthError, GitHubClient, GitHubError, NotFound, PermissionDenied, RateLimited
from ..store import MoveState, Outbox, PendingMove, StoreError

log = logging.getLogger(__name__)


class MoveEvents:
    """What the engine reports. Subclass and override; every method may be called from the event loop."""

    def pending_changed(self, count: int) -> None:
        """How many moves are still in the outbox."""

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        """GitHub confirmed the move; ``labels`` are the issue's labels as GitHub now has them."""

    def failed(self, key: IssueKey, message: str, labels: tuple[Label, ...] | None) -> None:
        """The move was dropped for good. ``labels``: GitHub's current labels when known."""

    def status(self, text: str) -> None:
        """What is waiting and until when ("" when nothing waits)."""

    def notice(self, text: str) -> None:
        """Something the user should know that is not a failure (a conflict resolved on fresh state)."""


@dataclass(frozen=True, slots=True)
class EnginePolicy:
    """Waits between attempts of one move after the client's own quick retries gave up."""

    retry_base: float = 5.0
    retry_max: float = 300.0
    verify_rounds: int = 3
    # A repository or label found missing (or not labelable) is refused up front for this long; after
    # that, and always before sending, GitHub is asked again (the user may have fixed it meanwhile).
    recheck_after: float = 60.0
    # Repeated secondary limits without retry-after back off exponentially up to this (GitHub's advice).
    secondary_max: float = 900.0
    time_scale: float = 1.0


class Refused(Exception):
    """A move that cannot succeed as asked (no permission, missing label, ...): dropped, user told."""


class _Superseded(Exception):
    """A newer move of the same issue replaced the one being sent: send that one instead."""


def _clock_text(when: float) -> str:
    return datetime.fromtimestamp(when).strftime("%H:%M:%S" if when - time.time() < 120 else "%H:%M")


def _moves(n: int) -> str:
    return f"{n} move" if n == 1 else f"{n} moves"


class MoveEngine:
    def __init__(
        self,
        client: GitHubClient,
        outbox: Outbox,
        events: MoveEvents | None = None,
        *,
        policy: EnginePolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.outbox = outbox
        self.events = events or MoveEvents()
        self.policy = policy or EnginePolicy(time_scale=client.policy.time_scale)
        self.api_url = client.api_url
        self.known: dict[str, Label] = {}  # label key -> label with its colour, for optimistic display
        self._clock = clock
        self._repos: dict[str, str | None] = {}  # repo -> None (may label) or why not
        self._labels: dict[tuple[str, str], bool] = {}  # (repo, label key) -> exists
        self._refused_at: dict[object, float] = {}  # repo or (repo, label key) -> when found wanting
        self._secondary_streak = 0  # secondary rate limits in a row, without a move sent in between
        self._until_idle = False
        self._wake = asyncio.Event()
        self._auth_needed = False
        self._last_status = ""
        self._last_seen: dict[IssueKey, tuple[Label, ...]] = {}

    # --- asking ----------------------------------------------------------------------------------

    def pending(self) -> list[PendingMove]:
        return self.outbox.pending(self.api_url)

    def pending_count(self) -> int:
        return self.outbox.count(self.api_url)

    def pending_move(self, key: IssueKey) -> PendingMove | None:
        return self.outbox.get(self.api_url, key)

    def refusal(self, repo: str, column: Column) -> str | None:
        """Why a move into ``column`` of ``repo`` is known to fail, from what this session has read
        lately (an older refusal is not trusted: the move goes through and GitHub is asked again)."""
        reason = self._repos.get(repo)
        if reason and self._recent(repo):
            return reason
        for name in column.labels:
            cache_key = (repo, label_key(name))
            if self._labels.get(cache_key) is False and self._recent(cache_key):
                return _missing_label(name, repo)
        return None

    def _recent(self, what: object) -> bool:
        when = self._refused_at.get(what)
        return when is not None and self._clock() - when < self.policy.recheck_after

    async def prepare(self, spec: BoardSpec, repos: Iterable[str]) -> list[str]:
        """Read permissions and column labels of ``repos`` (when a board opens); returns the problems found.

        Temporary failures are ignored here: the same checks run again before a move is sent.
        """
        problems: list[str] = []
        for repo in repos:
            try:
                await self._check_repo(repo)
                for column in spec.columns:
                    for name in column.labels:
                        await self._label_exists(repo, name)
            except Refused as exc:
                problems.append(str(exc))
            except GitHubError as exc:
                if not exc.temporary and not isinstance(exc, AuthError):
                    problems.append(str(exc))
        for repo in repos:
            for column in spec.columns:
                reason = self.refusal(repo, column)
                if reason and reason not in problems:
                    problems.append(reason)
        return problems

    def overlay(self, issues: Iterable[Issue]) -> list[Issue]:
        """``issues`` (freshly fetched) with the still-pending moves applied on top."""
        rows = {row.key: row for row in self.pending()}
        result = []
        for issue in issues:
            row = rows.get(issue.key)
            if row is not None:
                diff = plan_move(row.spec, issue, row.column)
                issue = issue.with_labels(_apply_diff(issue.labels, diff, self.known))
            result.append(issue)
        return result

    def learn(self, labels: Iterable[Label]) -> None:
        """Remember label colours (from the board or GitHub) for optimistic display."""
        for label in labels:
            self.known[label.key] = label

    # --- requesting ------------------------------------------------------------------------------

    def request(
        self, spec: BoardSpec, key: IssueKey, column: Column, shown: Iterable[Label] | None
    ) -> LabelDiff:
        """Record a move in the outbox (on disk when this returns) and wake the sender.

        ``shown``: the labels the board showed (the base a conflict is judged against), None when unknown.
        Returns the diff to show optimistically (empty when the base is unknown). Raises
        :class:`StoreError` when the move could not be saved (then nothing is sent).
        """
        existing = self.outbox.get(self.api_url, key)
        base_names: tuple[str, ...] | None
        if existing is not None:
            base_names = existing.base
        else:
            base_names = None if shown is None else tuple(label.name for label in shown)
        diff = LabelDiff()
        if base_names is not None:
            base_issue = Issue(key.repo, key.number, "", tuple(Label(n) for n in base_names))
            diff = plan_move(spec, base_issue, column)
        self.outbox.put(self.api_url, key, spec, column, base_names, diff)
        if shown is not None:
            self.learn(shown)
            diff = plan_move(spec, Issue(key.repo, key.number, "", tuple(shown)), column)
        self.events.pending_changed(self.pending_count())
        self.wake()
        return diff

    def wake(self) -> None:
        self._wake.set()

    def resume(self) -> None:
        """Signed in again: try the moves that waited for a valid token."""
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
        """Send the outbox. The window runs it forever (``until_idle=False``); the CLI until the moves it
        cares about (``only``) are done, or nothing more can happen before ``deadline`` (a clock time), or
        GitHub wants a new sign-in."""
        wanted = None if only is None else set(only)
        self._until_idle = until_idle
        while True:
            self._wake.clear()
            try:
                rows = [r for r in self.pending() if wanted is None or r.key in wanted]
            except StoreError as exc:
                await self._store_failed(exc)
                continue
            if not rows:
                self._set_status("")
                if until_idle:
                    return
                await self._sleep(None)
                continue
            if self._auth_needed:
                self._set_status(f"{_moves(len(rows))} waiting: sign in to GitHub again to send them.")
                if until_idle:
                    return
                await self._sleep(None)
                continue
            now = self._clock()
            due = [r for r in rows if r.not_before <= now]
            if not due:
                next_at = min(r.not_before for r in rows)
                self._report_waiting(rows, next_at)
                if deadline is not None and next_at > deadline:
                    return
                await self._sleep(next_at - now)
                continue
            await self._send(due[0])

    async def _sleep(self, seconds: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _send(self, row: PendingMove) -> None:
        try:
            await self._send_once(row)
        except StoreError as exc:
            # The disk under the outbox failed: stop here rather than send moves we cannot track.
            await self._store_failed(exc)

    async def _store_failed(self, exc: StoreError) -> None:
        """The outbox cannot be read or written. What GitHub has is confirmed again once it can be."""
        if self._until_idle:  # a script: end with the message instead of spinning
            raise exc
        self.events.notice(str(exc))
        await self._sleep(max(1.0, self.policy.retry_base * self.policy.time_scale))

    async def _send_once(self, row: PendingMove) -> None:
        key = row.key
        self._last_seen.pop(key, None)
        try:
            self.outbox.mark(row, MoveState.SENDING)
            labels = await self._apply(row)
        except _Superseded:
            return
        except Refused as exc:
            self._secondary_streak = 0
            if row.key not in self._last_seen and (
                row.generation > 1 or row.attempts > 0 or row.state is not MoveState.QUEUED
            ):
                await self._read_back(row.key)  # an earlier intent may be half sent: show GitHub's truth
            self._drop(row, str(exc))
        except AuthError as exc:
            self._auth_needed = True
            self.outbox.mark(row, MoveState.QUEUED, last_error=str(exc))
            self.events.notice(str(exc))
        except RateLimited as exc:
            self._rate_limited(exc)
        except GitHubError as exc:
            self._secondary_streak = 0
            if exc.status == 410:
                self._drop(row, f"{key} was deleted on GitHub; the move to {row.target} was dropped.")
            elif exc.temporary:
                self._retry_later(row, str(exc))
            else:
                if isinstance(exc, PermissionDenied):
                    self._repos[key.repo] = _no_permission(key.repo, exc)
                    self._refused_at[key.repo] = self._clock()
                self._drop(row, f"Moving {key} to {row.target} failed: {exc}")
        else:
            self._secondary_streak = 0
            # complete() is False when the row changed: a newer move of the issue (keep going), or another
            # process (the window and 'triageboard sync') confirmed it first: then it is settled here too.
            if self.outbox.complete(row) or self.outbox.get(self.api_url, key) is None:
                log.info("moved %s to %s", key, row.target)
                self.events.settled(key, labels)
                self.events.pending_changed(self.pending_count())

    def _rate_limited(self, exc: RateLimited) -> None:
        """Hold every move until GitHub's time; never less than a pause (a reset time already past, from
        clock skew, must not become a tight loop), and exponentially longer for repeated secondary limits
        that came without retry-after."""
        now = self._clock()
        resume = max(exc.resume_at.timestamp(), now + self.policy.retry_base * self.policy.time_scale)
        if exc.secondary:
            self._secondary_streak += 1
            if self._secondary_streak > 1 and exc.retry_after is None:
                base = self.client.policy.secondary_default_wait * self.client.policy.time_scale
                longer = base * 2 ** (self._secondary_streak - 1)
                resume = max(resume, now + min(longer, self.policy.secondary_max * self.policy.time_scale))
        else:
            self._secondary_streak = 0
        self.outbox.defer_all(self.api_url, resume, str(exc))
        log.info("rate limited until %s (secondary=%s)", datetime.fromtimestamp(resume), exc.secondary)

    async def _read_back(self, key: IssueKey) -> None:
        with contextlib.suppress(GitHubError):
            self._last_seen[key] = await self.client.get_issue_labels(key.repo, key.number)

    def _drop(self, row: PendingMove, message: str) -> None:
        log.warning("move of %s to %s dropped: %s", row.key, row.target, message)
        if self.outbox.drop(row):
            labels = self._last_seen.get(row.key)
            if labels is None and row.base is not None:  # not read yet: GitHub still has the base
                labels = tuple(self.known.get(label_key(n), Label(n)) for n in row.base)
            self.events.failed(row.key, message, labels)
            self.events.pending_changed(self.pending_count())

    def _retry_later(self, row: PendingMove, error: str) -> None:
        attempts = row.attempts + 1
        delay = min(self.policy.retry_max, self.policy.retry_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.5, 1.0) * self.policy.time_scale
        log.info("move of %s failed (%s); attempt %d again in %.2fs", row.key, error, attempts + 1, delay)
        self.outbox.mark(
            row, MoveState.WAITING, not_before=self._clock() + delay, attempts=attempts, last_error=error
        )

    def _report_waiting(self, rows: list[PendingMove], next_at: float) -> None:
        reason = next((r.last_error for r in rows if r.not_before == next_at and r.last_error), None)
        text = f"{_moves(len(rows))} waiting until {_clock_text(next_at)}"
        if reason:
            text += f": {reason}"
        self._set_status(text)

    def _set_status(self, text: str) -> None:
        if text != self._last_status:
            self._last_status = text
            self.events.status(text)

    async def _apply(self, row: PendingMove) -> tuple[Label, ...]:
        key, spec, target = row.key, row.spec, row.column
        await self._check_repo(key.repo, recheck=True)
        for name in target.labels:
            if not await self._label_exists(key.repo, name, recheck=True):
                raise Refused(_missing_label(name, key.repo))
        for attempt in range(self.policy.verify_rounds):
            try:
                fresh = await self.client.get_issue_labels(key.repo, key.number)
            except NotFound:
                raise Refused(
                    f"{key} was not found on GitHub (deleted, transferred, or not visible to your token); "
                    f"the move to {row.target} was dropped."
                ) from None
            self._last_seen[key] = fresh
            self.learn(fresh)
            if attempt == 0:
                self._tell_conflict(row, fresh)
            if satisfies(spec, fresh, target):
                return fresh
            self._still_current(row)
            diff = plan_move(spec, Issue(key.repo, key.number, "", fresh), target)
            labels = fresh
            if diff.add:
                labels = await self.client.add_labels(key.repo, key.number, diff.add)
                self._last_seen[key] = labels
                if not all(any(label.key == label_key(n) for label in labels) for n in target.labels):
                    # GitHub's answer lacks what was added: removing the old column's labels now would
                    # leave the issue half-moved. Read again instead.
                    log.info("%s: GitHub's answer to the add lacks %s; not removing", key, target.labels)
                    continue
            for name in diff.remove:
                remaining = await self.client.remove_label(key.repo, key.number, name)
                if remaining is None:  # it was already gone: that is what we wanted
                    remaining = tuple(label for label in labels if label.key != label_key(name))
                labels = remaining
                self._last_seen[key] = labels
            if satisfies(spec, labels, target):
                return labels
            log.info("%s: GitHub's answer %s does not show %s yet; reading again", key, labels, row.target)
        shown = ", ".join(label.name for label in self._last_seen.get(key, ())) or "no labels"
        raise Refused(
            f"GitHub did not apply the move of {key} to {row.target} (it now has {shown}). Check that you "
            f"may label issues in {key.repo}, then move the card again."
        )

    def _still_current(self, row: PendingMove) -> None:
        now = self.outbox.get(self.api_url, row.key)
        if now is None or now.generation != row.generation:
            raise _Superseded

    def _tell_conflict(self, row: PendingMove, fresh: tuple[Label, ...]) -> None:
        if row.base is None:
            return
        ours = {label_key(n) for n in (*row.touched, *row.column.labels)}
        base = {label_key(n): n for n in row.base}
        now = {label.key: label.name for label in fresh}
        added = [name for k, name in now.items() if k not in base and k not in ours]
        removed = [name for k, name in base.items() if k not in now and k not in ours]
        if not added and not removed:
            return
        changes = " ".join([f"+{n}" for n in added] + [f"-{n}" for n in removed])
        self.events.notice(
            f"{row.key} was changed on GitHub by someone else meanwhile ({changes}); your move to "
            f"{row.target} was applied on top of their change and kept their labels."
        )

    async def _check_repo(self, repo: str, *, recheck: bool = False) -> None:
        """Refuse a repository the token cannot label. ``recheck``: ask GitHub again if it said no before."""
        if repo not in self._repos or (recheck and self._repos[repo]):
            try:
                info = await self.client.get_repository(repo)
            except NotFound:
                self._repos[repo] = (
                    f"The repository {repo} was not found, or your token cannot see it; "
                    "the move was not sent."
                )
            else:
                self._repos[repo] = None if info.can_label else _no_permission(repo, None)
            self._refused_at[repo] = self._clock()
        reason = self._repos[repo]
        if reason:
            raise Refused(reason)

    async def _label_exists(self, repo: str, name: str, *, recheck: bool = False) -> bool:
        """Whether ``repo`` has the label. ``recheck``: ask GitHub again if it was missing before."""
        cache_key = (repo, label_key(name))
        if cache_key not in self._labels or (recheck and not self._labels[cache_key]):
            label = await self.client.get_label(repo, name)
            self._labels[cache_key] = label is not None
            self._refused_at[cache_key] = self._clock()
            if label is not None:
                self.learn([label])
        return self._labels[cache_key]


def _missing_label(name: str, repo: str) -> str:
    return (
        f"The label '{name}' does not exist in {repo}; create it there or fix the board file. "
        "The move was not sent (GitHub would have created a new, misspelled label)."
    )


def _no_permission(repo: str, exc: GitHubError | None) -> str:
    detail = f" GitHub said: {exc.message}" if exc is not None else ""
    return (
        f"You cannot change labels in {repo}: that needs the triage role (or write access) there, or a "
        f"token allowed to write issues.{detail}"
    )
