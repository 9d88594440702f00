"""The sandbox's world: users, repositories, labels, issues, their comments and history, as plain records.

Times are integer UTC epoch seconds; JSON rendering turns them into ISO 8601 (`_render`).
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field
from typing import Literal

Permission = Literal["none", "read", "triage", "write", "maintain", "admin"]
PERMISSION_ORDER: tuple[Permission, ...] = ("none", "read", "triage", "write", "maintain", "admin")

# The fixed "now" of the demo dataset, so that a seed always gives the same dates.
DATASET_NOW = calendar.timegm((2026, 11, 1, 0, 0, 0, 0, 0, 0))


def permission_at_least(have: Permission, need: Permission) -> bool:
    return PERMISSION_ORDER.index(have) >= PERMISSION_ORDER.index(need)


def label_key(name: str) -> str:
    """GitHub compares label names case-insensitively."""
    return name.casefold()


def iso(t: int | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_iso(text: str) -> int | None:
    """An ISO 8601 date or date-time as epoch seconds (a missing zone means UTC), or None."""
    m = _ISO_RE.match(text.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, zone = m.groups()
    try:
        t = calendar.timegm(
            (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), 0, 0, 0)
        )
    except (ValueError, OverflowError):
        return None
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        t -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return t


@dataclass(slots=True)
class User:
    login: str
    id: int
    name: str | None = None
    type: Literal["User", "Organization", "Bot"] = "User"
    site_admin: bool = False
    created_at: int = DATASET_NOW - 9 * 365 * 86400


@dataclass(slots=True)
class Label:
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False

    @property
    def key(self) -> str:
        return label_key(self.name)


@dataclass(slots=True)
class Comment:
    id: int
    author: str
    body: str
    created_at: int
    updated_at: int
    author_association: str = "NONE"


EventKind = Literal["labeled", "unlabeled", "assigned", "unassigned", "closed", "reopened"]


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of an issue's history (``/issues/{n}/events``): who did what, when.

    ``label`` events keep the label's name and colour as they were then; ``assignee`` is set for
    ``assigned``/``unassigned``.
    """

    id: int
    kind: EventKind
    actor: str
    created_at: int
    label: tuple[str, str] | None = None  # (name, colour)
    assignee: str | None = None


@dataclass(slots=True)
class Issue:
    id: int
    number: int
    title: str
    body: str | None
    author: str
    labels: list[Label]
    assignees: list[str]
    created_at: int
    updated_at: int
    state: Literal["open", "closed"] = "open"
    state_reason: str | None = None
    closed_at: int | None = None
    comments: list[Comment] = field(default_factory=list)  # oldest first; ``comments`` in JSON is the count
    events: list[Event] = field(default_factory=list)  # oldest first
    author_association: str = "NONE"
    is_pull_request: bool = False
    draft: bool = False
    merged_at: int | None = None
    reactions: tuple[int, ...] = (0, 0, 0, 0, 0, 0, 0, 0)  # +1 -1 laugh hooray confused heart rocket eyes
    locked: bool = False

    def has_label(self, name: str) -> bool:
        key = label_key(name)
        return any(label.key == key for label in self.labels)

    def is_assigned(self, login: str) -> bool:
        key = login.casefold()
        return any(a.casefold() == key for a in self.assignees)


@dataclass(slots=True)
class Repo:
    id: int
    owner: str
    name: str
    description: str | None
    created_at: int
    language: str | None = "Rust"
    # Every token gets at most "read" here: a public repository the demo user is no collaborator of.
    read_only: bool = False
    labels: dict[str, Label] = field(default_factory=dict)  # label_key -> Label, insertion ordered
    issues: dict[int, Issue] = field(default_factory=dict)  # number -> Issue
    next_number: int = 1
    stargazers: int = 0
    # Collaborators' roles (login.casefold() -> role); everybody else may only read.
    roles: dict[str, Permission] = field(default_factory=dict)
    # Who can be assigned (login.casefold() -> login), in the order ``/assignees`` lists them.
    assignable: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # path -> content, on the default branch

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def label(self, name: str) -> Label | None:
        return self.labels.get(label_key(name))

    def can_be_assigned(self, login: str) -> bool:
        return login.casefold() in self.assignable


@dataclass(slots=True)
class Dataset:
    users: dict[str, User]  # login.casefold() -> User
    repos: dict[str, Repo]  # full_name.casefold() -> Repo
    next_issue_id: int
    next_label_id: int
    next_comment_id: int = 1_000_000_000
    next_event_id: int = 9_000_000_000

    def user(self, login: str) -> User | None:
        return self.users.get(login.casefold())

    def repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.casefold())

    def repo_by_id(self, repo_id: int) -> Repo | None:
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def ensure_user(self, login: str) -> User:
        """The user called ``login``, created on the fly (e.g. by ``edit_labels_as``) if unknown."""
        found = self.user(login)
        if found is None:
            found = User(login=login, id=90_000 + len(self.users))
            self.users[login.casefold()] = found
        return found

    def new_label(self, repo: Repo, name: str, color: str, description: str | None = None) -> Label:
        label = Label(id=self.next_label_id, name=name, color=color.lower(), description=description)
        self.next_label_id += 1
        repo.labels[label.key] = label
        return label

    def new_event_id(self) -> int:
        self.next_event_id += 1
        return self.next_event_id

    def new_comment_id(self) -> int:
        self.next_comment_id += 1
        return self.next_comment_id
