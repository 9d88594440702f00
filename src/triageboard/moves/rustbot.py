"""Sending an outbox row through the repository's triagebot: a ``@rustbot`` comment, then watching the issue
until the change is really there.

For a bot row the engine calls :meth:`BotSender.move` (or :meth:`BotSender.assignment`) each time the row is
due. One call does one step and returns what GitHub has when the change is there, or None when the row was
rescheduled (the bot has not acted yet) or replaced by a newer request:

1. read the issue: already as wanted → done (the bot acted, or someone did it by hand);
2. no comment known yet → if asking began before (a kill, a lost answer), look for the comment among the
   issue's comments instead of posting again; else check the change is one the bot makes for anyone, record
   that asking begins (on disk), post the comment, record which comment it was;
3. comment known → the bot's error answer after it is a :class:`~triageboard.errors.BotRefused`; past
   ``Policy.bot_wait`` without the change it is a :class:`~triageboard.errors.BotSilent`; else look again
   later (the row waits, so other rows go on meanwhile).

Never a label or assignee write: a bot row only reads and comments.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from ..board import (
    BOT_LOGIN,
    Issue,
    IssueKey,
    Label,
    LabelDiff,
    Triagebot,
    TriagebotError,
    bot_error,
    claimed_by,
    label_allowed,
    label_comment,
    parse_triagebot,
    plan_move,
    refusal_concerns,
    satisfies,
)
from ..board.rustbot import BOT
from ..clock import Clock
from ..errors import (
    BotRefused,
    BotSilent,
    CannotComment,
    CannotLabel,
    Gone,
    IssueGone,
    NotFound,
    PermissionDenied,
)
from ..github import Comment, GitHubClient, Policy, clean_text
from ..store import AssignOp, MoveState, Outbox, Pending, PendingAssignment, PendingMove

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

CONFIG_PATH = "triagebot.toml"
# After a kill, our comment may have gone out a little before asking was recorded on our clock: look this
# far back for it (clocks disagree too).
FIND_MARGIN = 3600.0


class BotSender:
    """The engine's helper for bot rows. ``whoami()`` gives the signed-in login; ``seen(key, labels)`` is told
    what GitHub has; ``notice(fact)`` a fact for the user (a ``triagebot.toml`` that cannot be read)."""

    def __init__(
        self,
        client: GitHubClient,
        outbox: Outbox,
        clock: Clock,
        policy: Policy,
        *,
        whoami: Callable[[], Awaitable[str]],
        seen: Callable[[IssueKey, tuple[Label, ...]], None],
        notice: Callable[[object], None],
    ) -> None:
        self.client = client
        self.outbox = outbox
        self.clock = clock
        self.policy = policy
        self._whoami = whoami
        self._seen = seen
        self._notice = notice
        self._configs: dict[str, Triagebot | None] = {}  # repo -> its triagebot.toml (None: none usable)

    # --- what the bot does -------------------------------------------------------------------------------

    def known(self, repo: str) -> Triagebot | None:
        """What ``repo``'s triagebot lets anyone do, as read this session (None: no bot, or not read)."""
        return self._configs.get(repo)

    async def config(self, repo: str, *, again: bool = False) -> Triagebot | None:
        """Read ``repo``'s ``triagebot.toml`` (once a session unless ``again``; revalidated with its ETag).
        A file that cannot be read counts as no bot, and the user is told once."""
        if repo in self._configs and not again:
            return self._configs[repo]
        try:
            raw = await self.client.get_file(repo, CONFIG_PATH)
        except NotFound:  # the repository itself is invisible: no bot we could ask
            raw = None
        bot: Triagebot | None = None
        if raw is not None:
            try:
                bot = parse_triagebot(raw.decode("utf-8"))
            except (TriagebotError, UnicodeDecodeError) as exc:
                problem = exc.problem if isinstance(exc, TriagebotError) else "triagebot.toml is not UTF-8"
                if repo not in self._configs:
                    self._notice(TriagebotError(f"{repo}: {problem}; no move there is offered to its bot"))
        self._configs[repo] = bot
        return bot

    # --- one step of a bot row -----------------------------------------------------------------------------

    async def move(self, row: PendingMove) -> tuple[Label, ...] | None:
        key, spec, target = row.key, row.spec, row.column
        fresh = await self._labels(row)
        if satisfies(spec, fresh, target):
            return fresh
        diff = plan_move(spec, Issue(key.repo, key.number, "", fresh), target)
        if row.comment_id is None:
            bot = await self.config(key.repo)
            if bot is None or bot.relabel is None:
                raise CannotLabel(str(key), row.target, repo=key.repo)
            denied = tuple(n for n in (*diff.add, *diff.remove) if not label_allowed(bot.relabel, n))
            if denied:
                raise BotRefused(str(key), row.target, repo=key.repo, bot=BOT_LOGIN, labels=denied)
            try:
                comment = label_comment(diff)
            except ValueError:
                raise CannotLabel(str(key), row.target, repo=key.repo) from None
            await self._ask(row, comment)
            return None
        # Any error answer about this board's labels: the comment's own diff may differ from today's.
        ours = LabelDiff(add=target.labels, remove=spec.triage_labels)
        await self._watch(row, ours)
        return None

    async def assignment(self, row: PendingAssignment) -> tuple[str, ...] | None:
        key = row.key
        if row.op is not AssignOp.ADD:  # the bot only drops every assignee at once: never offered
            raise CannotLabel(str(key), row.target, repo=key.repo)
        issue = await self._issue(row)
        if _claimed(issue, row.login):
            return issue.assignees
        if row.comment_id is None:
            me = await self._whoami()
            bot = await self.config(key.repo)
            if bot is None or not bot.assign or row.login.casefold() != me.casefold():
                raise CannotLabel(str(key), row.target, repo=key.repo)
            await self._ask(row, f"{BOT} claim")
            return None
        await self._watch(row, LabelDiff())
        return None

    # --- steps ---------------------------------------------------------------------------------------------

    async def _ask(self, row: Pending, comment: str) -> None:
        """Post ``comment`` for ``row`` once: a comment that may have gone out already is looked for first."""
        key = row.key
        found = await self._find_own(row) if row.asked_at is not None else None
        if found is None:
            if not await self._db(self.outbox.asking, row, self.clock.time()):
                return  # a newer request replaced the row: the engine sends that one
            try:
                found = await self.client.post_comment(key.repo, key.number, comment)
            except PermissionDenied as exc:
                raise CannotComment(str(key), row.target, repo=key.repo, detail=exc.detail) from None
            except NotFound as exc:
                raise IssueGone(str(key), row.target, deleted=isinstance(exc, Gone)) from None
            log.info("%s: asked @%s (%s) for %s", key, BOT_LOGIN, comment, row.target)
        else:
            log.info("%s: the comment asking @%s went out before (%d); not again", key, BOT_LOGIN, found.id)
        await self._db(self.outbox.asked, row, found.id, found.created_at.timestamp())
        await self._later(row, 0)

    async def _find_own(self, row: Pending) -> Comment | None:
        """Our comment asking the bot, posted since asking began (by a run that did not live to record it)."""
        assert row.asked_at is not None
        key = row.key
        me = (await self._whoami()).casefold()
        since = datetime.fromtimestamp(row.asked_at - FIND_MARGIN, UTC)
        for comment in await self.client.comments(key.repo, key.number, since=since):
            if comment.author.casefold() == me and comment.body.lstrip().lower().startswith(BOT.lower()):
                return comment
        return None

    async def _watch(self, row: Pending, ours: LabelDiff) -> None:
        """The bot has not made the change (yet): did it answer with an error, did it take too long?"""
        key = row.key
        assert row.comment_id is not None
        since = datetime.fromtimestamp(row.posted_at or 0.0, UTC)
        for comment in await self.client.comments(key.repo, key.number, since=since):
            if comment.id <= row.comment_id or comment.author.casefold() != BOT_LOGIN:
                continue
            reason = bot_error(comment.body)
            if reason is not None and refusal_concerns(reason, ours):
                said = clean_text(reason, 200)
                raise BotRefused(str(key), row.target, repo=key.repo, bot=BOT_LOGIN, said=said)
        waited = self.clock.time() - (row.asked_at if row.asked_at is not None else self.clock.time())
        if waited >= self.policy.bot_wait:
            raise BotSilent(str(key), row.target, repo=key.repo, bot=BOT_LOGIN, seconds=waited)
        await self._later(row, row.attempts + 1)

    async def _later(self, row: Pending, attempts: int) -> None:
        """Look at the issue again after a while: soon after asking, then less often."""
        delay = min(self.policy.bot_poll_max, self.policy.bot_poll * 2.0 ** max(0, attempts - 1))
        await self._db(
            self.outbox.mark, row, MoveState.WAITING, not_before=self.clock.time() + delay, attempts=attempts
        )

    async def _labels(self, row: Pending) -> tuple[Label, ...]:
        key = row.key
        try:
            labels = await self.client.get_issue_labels(key.repo, key.number)
        except NotFound as exc:
            raise IssueGone(str(key), row.target, deleted=isinstance(exc, Gone)) from None
        self._seen(key, labels)
        return labels

    async def _issue(self, row: Pending) -> Issue:
        key = row.key
        try:
            return await self.client.get_issue(key.repo, key.number)
        except NotFound as exc:
            raise IssueGone(str(key), row.target, deleted=isinstance(exc, Gone)) from None

    async def _db(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Outbox work on the outbox's own worker, in order with the engine's."""
        return await asyncio.wrap_future(self.outbox.submit(work, *args, **kwargs))


def _claimed(issue: Issue, login: str) -> bool:
    """Whether ``login`` holds ``issue``: assigned, or held for them by the bot (GitHub could not assign
    them, so the bot assigned itself and noted the claimant in the issue's body)."""
    wanted = login.casefold()
    assignees = {a.casefold() for a in issue.assignees}
    if wanted in assignees:
        return True
    holder = claimed_by(issue.body)
    return BOT_LOGIN in assignees and holder is not None and holder.casefold() == wanted
