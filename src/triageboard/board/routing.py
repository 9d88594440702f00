"""How a request reaches GitHub: through the account's own label and assignee writes, or — where the account
may not write and the repository's triagebot lets anyone make the change — as a ``@rustbot`` comment.

Decided before anything is sent, so the window can say it (and disable what cannot be done) and the outbox
can keep it: a comment is public and in the user's name, so it is never posted without them being told.
Also here: reading the bot's answers (a refusal, a claim), which the move engine checks a bot move against.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import BotRefused, CannotLabel, MoveError
from .actions import Assignment
from .model import BoardSpec, Column, Issue, label_key
from .rules import LabelDiff, plan_move
from .rustbot import Triagebot, assignment_comment, label_allowed, label_comment

# The login triagebot comments and acts as on GitHub.
BOT_LOGIN = "rustbot"


class Via(StrEnum):
    """How a queued change is sent (the outbox keeps it)."""

    GITHUB = "github"  # the account's own writes
    RUSTBOT = "rustbot"  # a comment asking the repository's triagebot


@dataclass(frozen=True, slots=True)
class Route:
    """How a request would be sent: ``via`` (None: it is not sent, ``refusal`` says why). ``diff`` is the
    label change planned against the labels shown; ``comment`` what is posted when ``via`` is the bot."""

    via: Via | None
    diff: LabelDiff = field(default_factory=LabelDiff)
    comment: str = ""
    refusal: MoveError | None = None

    @property
    def refused(self) -> bool:
        return self.via is None

    @property
    def by_bot(self) -> bool:
        return self.via is Via.RUSTBOT


def route_move(
    spec: BoardSpec, issue: Issue, column: Column, *, refusal: MoveError | None, bot: Triagebot | None
) -> Route:
    """How moving ``issue`` (with the labels shown) into ``column`` would be sent.

    ``refusal``: why the account's own writes would fail there (None: they would not); ``bot``: what the
    repository's ``triagebot.toml`` lets anyone do (None: no bot). The bot takes the move only when the
    account cannot label at all (not for a missing label or an invisible repository) and every label of the
    change is one anyone may set or remove: it refuses the whole comment otherwise.
    """
    diff = plan_move(spec, issue, column)
    if refusal is None:
        return Route(Via.GITHUB, diff)
    usable = isinstance(refusal, CannotLabel) and not refusal.missing and not diff.is_empty
    if not usable or bot is None or bot.relabel is None:
        return Route(None, diff, refusal=refusal)
    denied = tuple(name for name in (*diff.add, *diff.remove) if not label_allowed(bot.relabel, name))
    if denied:
        why = BotRefused(str(issue.key), column.name, repo=issue.repo, bot=BOT_LOGIN, labels=denied)
        return Route(None, diff, refusal=why)
    try:
        comment = label_comment(diff)
    except ValueError:  # a label no comment can name
        return Route(None, diff, refusal=refusal)
    return Route(Via.RUSTBOT, diff, comment)


def route_assignment(
    assignment: Assignment, me: str, *, refusal: MoveError | None, bot: Triagebot | None
) -> Route:
    """How ``assignment`` would be sent by the signed-in ``me``: directly, or as ``@rustbot claim`` when the
    account may not assign in the repository and the bot takes claims (only for assigning oneself: the bot
    assigns others for team members only, and releasing drops every assignee at once)."""
    if refusal is None:
        return Route(Via.GITHUB)
    claim = (
        isinstance(refusal, CannotLabel)
        and not refusal.missing
        and bot is not None
        and bot.assign
        and assignment.add
        and bool(me)
        and assignment.login.casefold() == me.casefold()
    )
    if not claim:
        return Route(None, refusal=refusal)
    return Route(Via.RUSTBOT, comment=assignment_comment(assignment, me))


# --- the bot's answers ----------------------------------------------------------------------------------

_ERROR = re.compile(r"^\s*(?::warning:|⚠️?)?\s*\*\*Error\*\*\s*:?\s*(.+?)\s*$", re.MULTILINE)
_CLAIM_DATA = re.compile(r"TRIAGEBOT_ASSIGN_DATA_START\$\$(.*?)\$\$TRIAGEBOT_ASSIGN_DATA_END", re.DOTALL)


def bot_error(body: str) -> str | None:
    """The reason in triagebot's error answer (``:warning: **Error**: REASON`` and its help paragraph), or
    None when the comment is not one."""
    match = _ERROR.search(body)
    return match.group(1) if match else None


def refusal_concerns(reason: str, diff: LabelDiff) -> bool:
    """Whether an error answer of the bot is about ``diff`` (it names one of its labels); an empty ``diff``
    (a claim) takes any error answer that follows the comment."""
    if diff.is_empty:
        return True
    text = label_key(reason)
    return any(
        re.search(rf"(?<![\w-]){re.escape(label_key(name))}(?![\w-])", text) is not None
        for name in (*diff.add, *diff.remove)
    )


def claimed_by(body: str) -> str | None:
    """Who claimed an issue that triagebot holds for them (it assigns itself when GitHub cannot assign the
    claimant, and notes the claimant in the issue's body), or None."""
    match = _CLAIM_DATA.search(body or "")
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    user = data.get("user") if isinstance(data, dict) else None
    return user if isinstance(user, str) and user else None
