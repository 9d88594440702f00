"""GitHub JSON → board objects. Untrusted input: wrong shapes become :class:`BadResponse`, never a crash."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..board import EventKind, Issue, Label, TimelineEvent
from ..errors import BadResponse, BadResponseReason

_REPO_FROM_URL = re.compile(r"/repos/([^/]+/[^/]+)/issues/\d+$|/repos/([^/]+/[^/]+)$")
_COLOR = re.compile(r"[0-9a-fA-F]{6}")


@dataclass(frozen=True, slots=True)
class User:
    login: str
    name: str | None = None
    # Classic tokens list their scopes in X-OAuth-Scopes; fine-grained and app tokens send none (None).
    scopes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Repository:
    full_name: str
    private: bool
    permissions: Mapping[str, bool]
    archived: bool = False

    @property
    def can_label(self) -> bool:
        """Labelling needs the triage role or higher, on a repository that is not archived (read-only)."""
        if self.archived:
            return False
        return any(self.permissions.get(role, False) for role in ("triage", "push", "maintain", "admin"))


def _bad(what: str) -> BadResponse:
    return BadResponse(BadResponseReason.MALFORMED, what=what)


def _obj(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(f"{what} that is not a JSON object")
    return value


def _str(data: Mapping[str, Any], key: str, what: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise _bad(f"{what} without a valid '{key}'")
    return value


def _int(data: Mapping[str, Any], key: str, what: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{what} without a valid '{key}'")
    return value


def _time(value: object, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"{what} with a malformed date")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{what} with a malformed date") from None


def parse_label(value: object) -> Label:
    """A label object, or a plain name (some payloads send strings); colour and description may be null."""
    if isinstance(value, str):
        return Label(value)
    data = _obj(value, "a label")
    name = _str(data, "name", "a label")
    color = data.get("color")
    description = data.get("description")
    return Label(
        name=name,
        color=color.lower() if isinstance(color, str) and _COLOR.fullmatch(color) else "ededed",
        description=description if isinstance(description, str) else None,
    )


def parse_labels(value: object) -> tuple[Label, ...]:
    if not isinstance(value, list):
        raise _bad("a label list that is not a list")
    return tuple(parse_label(item) for item in value)


def _login(value: object) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("login"), str):
        return str(value["login"])
    return None


def repo_of(data: Mapping[str, Any], fallback: str | None = None) -> str:
    url = data.get("repository_url") or data.get("url")
    if isinstance(url, str):
        match = _REPO_FROM_URL.search(url)
        if match:
            return match.group(1) or match.group(2)
    if fallback:
        return fallback
    raise _bad("an issue without a repository")


def parse_issue(value: object, repo: str | None = None) -> Issue:
    data = _obj(value, "an issue")
    number = _int(data, "number", "an issue")
    what = f"issue #{number}"
    assignees_raw = data.get("assignees")
    if assignees_raw is None:
        assignees_raw = [data["assignee"]] if data.get("assignee") else []
    if not isinstance(assignees_raw, list):
        raise _bad(f"{what} with a malformed assignee list")
    assignees = tuple(login for login in (_login(a) for a in assignees_raw) if login)
    state = _str(data, "state", what, default="open")
    return Issue(
        repo=repo_of(data, repo),
        number=number,
        title=_str(data, "title", what),
        labels=parse_labels(data.get("labels", [])),
        assignees=assignees,
        author=_login(data.get("user")) or "",
        state=state,
        is_pull_request=data.get("pull_request") is not None,
        comments=_int(data, "comments", what, default=0),
        created_at=_time(data.get("created_at"), what),
        updated_at=_time(data.get("updated_at"), what),
        closed_at=_time(data.get("closed_at"), what),
        html_url=_str(data, "html_url", what, default=""),
        body=data["body"] if isinstance(data.get("body"), str) else "",
    )


def parse_issue_list(value: object, repo: str | None = None) -> list[Issue]:
    if not isinstance(value, list):
        raise _bad("an issue list that is not a list")
    return [parse_issue(item, repo) for item in value]


def parse_search(value: object) -> tuple[int, bool, list[Issue]]:
    """(total_count, incomplete_results, items) of a search page."""
    data = _obj(value, "a search result")
    total = _int(data, "total_count", "a search result")
    incomplete = data.get("incomplete_results", False)
    return total, bool(incomplete), parse_issue_list(data.get("items"))


def parse_user(value: object, scopes_header: str | None) -> User:
    data = _obj(value, "a user")
    scopes = None
    if scopes_header is not None:
        scopes = tuple(s.strip() for s in scopes_header.split(",") if s.strip())
    name = data.get("name")
    return User(
        login=_str(data, "login", "a user"), name=name if isinstance(name, str) else None, scopes=scopes
    )


def parse_repository(value: object) -> Repository:
    data = _obj(value, "a repository")
    perms = data.get("permissions") or {}
    if not isinstance(perms, Mapping):
        raise _bad("a repository with malformed permissions")
    return Repository(
        full_name=_str(data, "full_name", "a repository"),
        private=bool(data.get("private", False)),
        permissions={str(k): bool(v) for k, v in perms.items()},
        archived=bool(data.get("archived", False)),
    )


def parse_logins(value: object) -> list[str]:
    """A list of users (``GET /repos/{o}/{r}/assignees``) → their logins."""
    if not isinstance(value, list):
        raise _bad("a user list that is not a list")
    logins = [_login(item) for item in value]
    if any(login is None for login in logins):
        raise _bad("a user list with an entry that has no login")
    return [login for login in logins if login is not None]


# --- timelines, comments, files ---------------------------------------------------------------------------

_EVENT_KINDS = {kind.value: kind for kind in EventKind}


def _aware(moment: datetime) -> datetime:
    """GitHub's times are UTC; one without an offset is taken as UTC (comparisons need aware times)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_timeline_event(value: object) -> TimelineEvent | None:
    """One item of ``/issues/{n}/timeline`` (or ``/events``): the label and assignee events the board reads;
    None for every other kind (comments, references, commits, ...), which may have other shapes."""
    data = _obj(value, "a timeline entry")
    name = data.get("event")
    kind = _EVENT_KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        return None
    what = f"{'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value} event"
    created = _time(data.get("created_at"), what)
    if created is None:
        raise _bad(f"{what} without a date")
    actor = _login(data.get("actor")) or ""  # null for a deleted account
    if kind in (EventKind.LABELED, EventKind.UNLABELED):
        label = data.get("label")
        name = label.get("name") if isinstance(label, Mapping) else None
        if not isinstance(name, str) or not name:
            raise _bad(f"{what} without a label name")
        return TimelineEvent(kind, _aware(created), actor, label=name)
    assignee = _login(data.get("assignee"))
    if assignee is None:
        raise _bad(f"{what} without an assignee")
    return TimelineEvent(kind, _aware(created), actor, assignee=assignee)


def parse_timeline(value: object) -> list[TimelineEvent]:
    """A page of an issue's timeline → the events the board reads, in GitHub's order (oldest first)."""
    if not isinstance(value, list):
        raise _bad("a timeline that is not a list")
    return [event for event in (parse_timeline_event(item) for item in value) if event is not None]


def timeline_essentials(value: object) -> list[dict[str, Any]] | None:
    """A timeline page reduced to what the board reads, still in GitHub's shape (``parse_timeline`` reads it
    the same): what a store keeps of a page, a small fraction of it. None for a page that does not parse."""
    try:
        events = parse_timeline(value)
    except BadResponse:
        return None
    kept: list[dict[str, Any]] = []
    for event in events:
        item: dict[str, Any] = {
            "event": event.kind.value,
            "created_at": event.created_at.isoformat(),
            "actor": {"login": event.actor} if event.actor else None,
        }
        if event.label is not None:
            item["label"] = {"name": event.label}
        if event.assignee is not None:
            item["assignee"] = {"login": event.assignee}
        kept.append(item)
    return kept


@dataclass(frozen=True, slots=True)
class Comment:
    """An issue comment. ``body`` is untrusted text (clean it before showing it)."""

    id: int
    author: str
    body: str
    created_at: datetime


def parse_comment(value: object) -> Comment:
    data = _obj(value, "a comment")
    number = _int(data, "id", "a comment")
    created = _time(data.get("created_at"), "a comment")
    if created is None:
        raise _bad("a comment without a date")
    body = data.get("body")
    return Comment(
        id=number,
        author=_login(data.get("user")) or "",
        body=body if isinstance(body, str) else "",
        created_at=_aware(created),
    )


def parse_comments(value: object) -> list[Comment]:
    if not isinstance(value, list):
        raise _bad("a comment list that is not a list")
    return [parse_comment(item) for item in value]


def parse_file(value: object, path: str) -> bytes:
    """``GET /repos/{o}/{r}/contents/{path}`` for a file → its bytes (GitHub sends them base64-encoded)."""
    if isinstance(value, list):
        raise _bad(f"a directory listing where the file {path} was expected")
    data = _obj(value, f"the file {path}")
    if data.get("type", "file") != "file":
        raise _bad(f"a {data.get('type')!r} where the file {path} was expected")
    encoding = data.get("encoding")
    content = data.get("content")
    if encoding == "none" or (encoding is None and content == ""):
        # Past 1 MB GitHub leaves the content out: far more than any file the board reads.
        raise BadResponse(BadResponseReason.TOO_LARGE, what=f"the file {path}")
    if encoding != "base64" or not isinstance(content, str):
        raise _bad(f"the file {path} without base64 content")
    try:
        return base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _bad(f"the file {path} with broken base64 content") from None
