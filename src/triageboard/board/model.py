"""The triage domain: issues, labels, columns, boards. Standard library only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from .names import is_repo_name, parse_issue_number


def label_key(name: str) -> str:
    """GitHub matches label names case-insensitively; this is the one place that says how."""
    return name.casefold()


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    color: str = "ededed"
    description: str | None = None

    @property
    def key(self) -> str:
        return label_key(self.name)


@dataclass(frozen=True, slots=True, order=True)
class IssueKey:
    """Identifies an issue across repositories: ``owner/name#number``."""

    repo: str
    number: int

    def __str__(self) -> str:
        return f"{self.repo}#{self.number}"

    @classmethod
    def parse(cls, text: str) -> IssueKey:
        """Parse ``OWNER/NAME#N`` (N a positive number); raise ValueError saying how to write it otherwise.

        The repository follows the same rule as ``--repo``: anything else would end up in a request path.
        """
        stripped = text.strip()
        repo, sep, digits = stripped.rpartition("#")
        number = parse_issue_number(digits)
        if not sep or not is_repo_name(repo) or number is None:
            # A pasted page must not become a page-long message.
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise ValueError(
                f"{shown!r} is not an issue reference; write it as OWNER/REPO#NUMBER, e.g. rust-lang/rust#123"
            )
        return cls(repo, number)


@dataclass(frozen=True, slots=True)
class Issue:
    repo: str
    number: int
    title: str
    labels: tuple[Label, ...] = ()
    assignees: tuple[str, ...] = ()
    author: str = ""
    state: str = "open"
    is_pull_request: bool = False
    comments: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    html_url: str = ""
    body: str = ""

    @property
    def key(self) -> IssueKey:
        return IssueKey(self.repo, self.number)

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def has_label(self, name: str) -> bool:
        wanted = label_key(name)
        return any(label.key == wanted for label in self.labels)

    def with_labels(self, labels: Iterable[Label]) -> Issue:
        return replace(self, labels=tuple(labels))


@dataclass(frozen=True, slots=True)
class Column:
    """A board column. ``labels`` are what a move into it adds; an issue is in it when it carries them all.

    The uncategorized column has no labels of its own: it holds in-scope issues no other column claims.
    Its rules are data: soft limits, ``require_assignee`` (a card here without an assignee is marked) and
    ``stalled_after_days`` (a card here untouched that long is marked stalled; None: never).
    """

    name: str
    labels: tuple[str, ...] = ()
    soft_min: int | None = None
    soft_max: int | None = None
    description: str = ""
    require_assignee: bool = False
    stalled_after_days: int | None = None

    @property
    def is_uncategorized(self) -> bool:
        return not self.labels

    def limit_problem(self, count: int) -> str | None:
        """Why ``count`` cards break this column's soft limit, or None when they do not."""
        if self.soft_max is not None and count > self.soft_max:
            return f"{self.name} holds {count} issues; the team keeps it to at most {self.soft_max}."
        if self.soft_min is not None and count < self.soft_min:
            return f"{self.name} holds {count} issues; the team keeps at least {self.soft_min} here."
        return None

    def limit_text(self) -> str:
        if self.soft_min is not None and self.soft_max is not None:
            return f"{self.soft_min}–{self.soft_max}"
        if self.soft_max is not None:
            return f"≤ {self.soft_max}"
        if self.soft_min is not None:
            return f"≥ {self.soft_min}"
        return ""


@dataclass(frozen=True, slots=True)
class BoardSpec:
    """What a board shows: where issues come from and how labels map to columns.

    ``repos`` are fetched with the repository issues endpoint (filtered by ``area_labels``); ``query`` is a
    GitHub search (e.g. ``org:rust-lang``) to which the board adds its own label qualifiers.
    """

    name: str
    columns: tuple[Column, ...]
    area_labels: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    query: str | None = None
    api_url: str = "https://api.github.com"
    mentor_label: str = "E-mentor"
    include_pull_requests: bool = False
    include_closed: bool = False
    title: str = ""

    def __post_init__(self) -> None:
        uncategorized = [c for c in self.columns if c.is_uncategorized]
        if len(uncategorized) != 1:
            raise ValueError("a board needs exactly one column without labels (the uncategorized column)")
        names = [label_key(c.name) for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("column names must be unique")

    @property
    def uncategorized(self) -> Column:
        return next(c for c in self.columns if c.is_uncategorized)

    @property
    def triage_labels(self) -> tuple[str, ...]:
        """Every label some column adds, in column order, without repeats (case-insensitively)."""
        seen: dict[str, str] = {}
        for column in self.columns:
            for name in column.labels:
                seen.setdefault(label_key(name), name)
        return tuple(seen.values())

    def column(self, name: str) -> Column:
        """The column called ``name`` (case-insensitive), or by its 1-based position ("2")."""
        wanted = label_key(name.strip())
        for column in self.columns:
            if label_key(column.name) == wanted:
                return column
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.columns):
            return self.columns[int(wanted) - 1]
        known = ", ".join(c.name for c in self.columns)
        raise KeyError(f"this board has no column {name!r}; its columns are {known}")

    def with_sources(
        self,
        repos: Iterable[str] | None = None,
        query: str | None = None,
        api_url: str | None = None,
    ) -> BoardSpec:
        changes: dict[str, object] = {}
        if repos is not None:
            changes["repos"] = tuple(repos)
            if query is None:
                changes["query"] = None
        if query is not None:
            changes["query"] = query
            if repos is None:
                changes["repos"] = ()
        if api_url is not None:
            changes["api_url"] = api_url
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the board puts an issue, and whether its labels disagree."""

    column: Column
    conflicting: tuple[Column, ...] = field(default=())

    @property
    def is_conflict(self) -> bool:
        return bool(self.conflicting)
