"""The triagebot, as rust-lang runs it: commands in comments, acted on a moment later as ``rustbot``.

Only in a repository that keeps a ``triagebot.toml``, and only the features it configures:

* ``@rustbot label +X -Y Z`` (``[relabel]``): people with the triage role may set any label; everybody
  else only labels matching ``allow-unauthenticated`` (``*`` globs; a ``!pattern`` forbids). A refused or
  unknown label gets a bot comment saying so, and the command changes nothing.
* ``@rustbot claim``, ``@rustbot assign @user``, ``@rustbot release-assignment`` (``[assign]``): the issue
  gets that one assignee. Only people with the triage role may assign someone else. Someone GitHub cannot
  assign gets ``rustbot`` as a stand-in, and the issue body says who claimed it, between
  ``<!-- TRIAGEBOT_ASSIGN_START -->`` markers (``{"user": LOGIN}`` in the data marker).

Commands inside code blocks and quotes are ignored, as are the bot's own comments. The bot answers
``BOT_DELAY`` seconds (on the sandbox's clock) after the comment, as a delayed World action.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Literal

from . import _changes
from ._model import Comment, Issue, Repo, permission_at_least
from ._world import World

BOT = "rustbot"
BOT_DELAY = 2.0
CONFIG_PATH = "triagebot.toml"
HELP = (
    "Please file an issue on GitHub at [triagebot](https://github.com/rust-lang/triagebot) if there's "
    "a problem with this bot, or reach out on Zulip."
)
ASSIGN_START = "<!-- TRIAGEBOT_ASSIGN_START -->"
ASSIGN_END = "<!-- TRIAGEBOT_ASSIGN_END -->"

_MENTION = re.compile(rf"(?<![\w@.])@{BOT}\b:?\s*(.*)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Config:
    relabel: bool
    allow_unauthenticated: tuple[str, ...]
    assign: bool


@dataclass(frozen=True, slots=True)
class Command:
    kind: Literal["label", "claim", "assign", "release"]
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    user: str | None = None


class Refused(Exception):
    """A command the bot turns down with a comment."""


def config_of(repo: Repo) -> Config | None:
    """The repository's triagebot configuration, or None (no file, or one that does not parse)."""
    raw = repo.files.get(CONFIG_PATH)
    if raw is None:
        return None
    try:
        data = tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    relabel = data.get("relabel")
    patterns = relabel.get("allow-unauthenticated", []) if isinstance(relabel, dict) else []
    return Config(
        relabel=isinstance(relabel, dict),
        allow_unauthenticated=tuple(str(p) for p in patterns if isinstance(p, str)),
        assign=isinstance(data.get("assign"), dict),
    )


def parse_commands(body: str) -> list[Command]:
    """The bot's commands in a comment, in order; lines in code blocks and quotes do not count."""
    found: list[Command] = []
    fenced = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or stripped.startswith(">") or line.startswith("    "):
            continue
        for match in _MENTION.finditer(re.sub(r"`[^`]*`", "", line)):
            command = _command(match.group(1).split())
            if command is not None:
                found.append(command)
    return found


def _command(words: list[str]) -> Command | None:
    if not words:
        return None
    verb, rest = words[0].lower().rstrip(":"), [w.strip(",") for w in words[1:]]
    rest = [w.removesuffix(".") for w in rest if w.strip(",")]
    if verb == "label":
        add = tuple(w.removeprefix("+") for w in rest if not w.startswith("-") and w != "+")
        remove = tuple(w[1:] for w in rest if w.startswith("-") and len(w) > 1)
        return Command("label", add=add, remove=remove) if add or remove else None
    if verb == "claim":
        return Command("claim")
    if verb == "assign" and rest and rest[0].startswith("@") and len(rest[0]) > 1:
        return Command("assign", user=rest[0][1:])
    if verb == "release-assignment":
        return Command("release")
    return None


def allowed(pattern_list: tuple[str, ...], label: str) -> bool:
    """Whether a label may be set by someone without the triage role."""
    matched = False
    for pattern in pattern_list:
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase(label, pattern[1:]):
                return False
        elif fnmatch.fnmatchcase(label, pattern):
            matched = True
    return matched


class Triagebot:
    """Watches every new comment in the world; acts on commands after ``BOT_DELAY``."""

    def __init__(self, world: World) -> None:
        self.world = world
        world.comment_watchers.append(self.notice)

    def notice(self, repo: Repo, issue: Issue, comment: Comment) -> None:
        if comment.author.casefold() == BOT:
            return
        config = config_of(repo)
        commands = parse_commands(comment.body) if config is not None else []
        if config is None or not commands:
            return

        def act(at: float) -> None:
            for command in commands:
                try:
                    self._carry_out(config, repo, issue, comment, command, at)
                except Refused as refusal:
                    _changes.add_comment(
                        self.world, repo, issue, BOT, f":warning: **Error**: {refusal}\n\n{HELP}", at
                    )

        self.world.later(BOT_DELAY, act)

    def _carry_out(
        self, config: Config, repo: Repo, issue: Issue, comment: Comment, command: Command, at: float
    ) -> None:
        member = permission_at_least(self.world.role(comment.author, repo), "triage")
        if command.kind == "label":
            if config.relabel:
                self._relabel(config, repo, issue, command, member, at)
        elif config.assign:
            self._assign(repo, issue, comment, command, member, at)

    def _relabel(
        self, config: Config, repo: Repo, issue: Issue, command: Command, member: bool, at: float
    ) -> None:
        for name in (*command.add, *command.remove):
            if not member and not allowed(config.allow_unauthenticated, name):
                raise Refused(f"Label {name} can only be set by Rust team members")
        unknown = [name for name in command.add if repo.label(name) is None]
        if unknown:
            raise Refused(f"Unknown labels: {', '.join(unknown)}")
        _changes.remove_labels(self.world, issue, command.remove, BOT, at)
        _changes.add_labels(self.world, repo, issue, command.add, BOT, at)

    def _assign(
        self, repo: Repo, issue: Issue, comment: Comment, command: Command, member: bool, at: float
    ) -> None:
        author = comment.author
        current = [a for a in issue.assignees if a.casefold() != BOT]
        claimed = _claimed_by(issue)
        holders = {a.casefold() for a in current} | ({claimed.casefold()} if claimed else set())
        if command.kind == "release":
            if not member and author.casefold() not in holders:
                raise Refused("Cannot release another user's assignment.")
            _changes.remove_assignees(self.world, issue, list(issue.assignees), BOT, at)
            _set_claim_note(issue, None, "")
            return
        user = author if command.kind == "claim" else (command.user or author)
        if not member and user.casefold() != author.casefold():
            raise Refused("Only Rust team members can assign other users.")
        if not member and holders and author.casefold() not in holders:
            who = claimed or current[0]
            raise Refused(f"This issue is already assigned to @{who}.")
        others = [a for a in issue.assignees if a.casefold() != user.casefold()]
        _changes.remove_assignees(self.world, issue, others, BOT, at)
        if _changes.add_assignees(self.world, repo, issue, [user], BOT, at) or issue.is_assigned(user):
            _set_claim_note(issue, None, "")
            return
        # GitHub cannot assign them (not a member): the bot holds the issue and says who claimed it.
        _changes.add_assignees(self.world, repo, issue, [BOT], BOT, at)
        kind = "pull" if issue.is_pull_request else "issues"
        link = f"{self.world.urls.web}/{repo.full_name}/{kind}/{issue.number}#issuecomment-{comment.id}"
        _set_claim_note(issue, user, link)


def _claimed_by(issue: Issue) -> str | None:
    match = re.search(r"TRIAGEBOT_ASSIGN_DATA_START\$\$(.*?)\$\$TRIAGEBOT_ASSIGN_DATA_END", issue.body or "")
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    user = data.get("user") if isinstance(data, dict) else None
    return user if isinstance(user, str) else None


def _set_claim_note(issue: Issue, user: str | None, link: str) -> None:
    body = issue.body or ""
    start, end = body.find(ASSIGN_START), body.find(ASSIGN_END)
    if start != -1 and end != -1:
        body = (body[:start].rstrip("\n") + body[end + len(ASSIGN_END) :]).rstrip("\n")
    if user is not None:
        data = json.dumps({"user": user})
        note = (
            f"{ASSIGN_START}\n*This issue has been assigned to @{user} via [this comment]({link}).*\n"
            f"<!-- TRIAGEBOT_ASSIGN_DATA_START$${data}$$TRIAGEBOT_ASSIGN_DATA_END -->\n{ASSIGN_END}"
        )
        body = f"{body}\n\n{note}" if body else note
    if body != (issue.body or ""):
        issue.body = body or None
