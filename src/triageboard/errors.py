"""The one exception tree of triageboard. Standard library only: every layer may import it.

Errors carry *facts* (which label is missing, which repository refused, until when a limit holds), never
sentences for the user: the front ends make those with :func:`triageboard.wording.describe`, and no code
decides what happened by reading a message's text. ``str(err)`` is that sentence in neutral (command-line)
words, for logs; ``repr(err)`` shows the facts. No token, header or raw HTTP response ever rides on an
error: they are safe to log and to show.

::

    TriageboardError
    ├── ConfigError               the user's setup: arguments, board file, settings, API URL, token text
    │   ├── UsageError
    │   ├── BoardFileError
    │   ├── InsecureURL
    │   ├── SettingsError
    │   └── MalformedToken
    ├── DomainError               a saved view, meeting journal or triagebot.toml that cannot be used
    ├── GitHubError               what GitHub (or something in its place) answered
    │   ├── BadRequest            400: GitHub could not make sense of the request
    │   ├── AuthError             401
    │   ├── PermissionDenied      403 without a rate limit
    │   ├── NotFound              404
    │   │   └── Gone              410
    │   ├── LegallyBlocked        451: access blocked for legal reasons
    │   ├── Redirected            3xx to a write: the issue or repository moved
    │   ├── ValidationFailed      422
    │   │   └── SearchLimitReached
    │   ├── RateLimited           primary or secondary limit, with when to resume
    │   ├── Unavailable           5xx, network, deadline (temporary)
    │   │   ├── Offline
    │   │   ├── TimedOut
    │   │   └── BrokenAnswer      the connection broke off mid-answer, or carried no valid HTTP
    │   └── BadResponse           an answer that cannot be used (shape, size, links, encoding)
    ├── SignInError               keyring, device flow, gh import
    │   ├── KeyringUnavailable
    │   ├── DeviceFlowError
    │   └── GhImportError
    ├── StoreError                a SQLite file (outbox, caches, journal) cannot be used
    └── MoveError                 a move or assignment that cannot succeed as asked (dropped, user told)
        ├── MissingLabel
        ├── CannotLabel
        ├── IssueGone
        ├── NotApplied
        ├── NotAssignable
        ├── HalfApplied
        ├── UnreadableRecord      the outbox's record of it is damaged (set aside, kept in the file)
        ├── CannotComment         the comment that asks the triagebot was refused
        ├── BotRefused            the triagebot would not, or did not, make the change
        ├── BotSilent             the triagebot never acted on the comment
        └── AwaitingBot           the card waits for the triagebot to act on an earlier request
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar


class TriageboardError(Exception):
    """Base of every expected failure. ``temporary``: trying again later may work."""

    temporary: bool = False

    def __init__(self, *facts: object) -> None:
        super().__init__(*facts)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"

    def __str__(self) -> str:
        from .wording import Front, describe  # the one place sentences are made

        return describe(self, Front.CLI)


# --- configuration ------------------------------------------------------------------------------------


class ConfigError(TriageboardError):
    """Something the user configured cannot work; changing it is the fix."""


class UsageError(ConfigError):
    """A command-line choice that cannot work. ``problem`` is already a complete sentence fragment built by
    the argument parser (argparse speaks sentences itself), ``option`` the option it is about."""

    def __init__(self, problem: str, option: str = "") -> None:
        super().__init__(problem, option)
        self.problem = problem
        self.option = option


class BoardFileError(ConfigError, ValueError):
    """A board file that cannot be used: ``path``, ``line`` and ``key`` say where, ``problem`` what."""

    def __init__(self, path: str, problem: str, line: int | None = None, key: str | None = None) -> None:
        super().__init__(path, problem, line, key)
        self.path = path
        self.problem = problem
        self.line = line
        self.key = key

    def __str__(self) -> str:
        where = (
            self.path
            + (f", line {self.line}" if self.line else "")
            + (f", key '{self.key}'" if self.key else "")
        )
        return f"{where}: {self.problem}"


class InsecureURLReason(StrEnum):
    NOT_AN_API_URL = "not-an-api-url"
    CREDENTIALS_OR_QUERY = "credentials-or-query"
    PLAIN_HTTP = "plain-http"


class InsecureURL(ConfigError):
    """An API URL that would send the token in clear text, to the wrong place, or is no URL at all."""

    def __init__(self, url: str, reason: InsecureURLReason, host: str = "") -> None:
        super().__init__(url, reason, host)
        self.url = url
        self.reason = reason
        self.host = host


class SettingsError(ConfigError):
    """A settings file (``oauth.toml``) that cannot be read: ``path`` and what is wrong (``problem``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path = path
        self.problem = problem


class TokenProblem(StrEnum):
    CHARACTERS = "characters"  # whitespace, control or non-ASCII characters
    TOO_LONG = "too-long"  # longer than any GitHub token (and than a server takes in a header)


class MalformedToken(ConfigError):
    """A token that cannot be sent in a header: ``problem`` says why (characters, or ``length``).

    ``source`` names where it came from ("GH_TOKEN", "keyring", "pasted token"); never the token itself.
    """

    def __init__(
        self, source: str, problem: TokenProblem = TokenProblem.CHARACTERS, *, length: int = 0
    ) -> None:
        super().__init__(source, problem, length)
        self.source = source
        self.problem = problem
        self.length = length


class DomainError(TriageboardError, ValueError):
    """Data the triage domain cannot use (a saved view, a meeting journal, a ``triagebot.toml``) or a
    decision it refuses; ``problem`` says what is wrong, naming the record or key (the domain knows best)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


# --- GitHub ----------------------------------------------------------------------------------------------


class GitHubError(TriageboardError):
    """GitHub's answer, as facts: ``status`` (None without an answer), ``path`` (host and path, never the
    query), ``detail`` (GitHub's own ``message``, cleaned and cut; may be empty)."""

    def __init__(self, *, status: int | None = None, path: str = "", detail: str = "") -> None:
        super().__init__(status, path, detail)
        self.status = status
        self.path = path
        self.detail = detail


class BadRequest(GitHubError):
    """400: GitHub could not make sense of the request (``detail``: its words, e.g. "Problems parsing
    JSON"). Sending it again changes nothing: triageboard (or something in between) sent it wrong."""


class AuthError(GitHubError):
    """401. ``had_token``: a token was sent and GitHub rejected it (else none was set)."""

    def __init__(
        self, *, had_token: bool, status: int | None = 401, path: str = "", detail: str = ""
    ) -> None:
        super().__init__(status=status, path=path, detail=detail)
        self.had_token = had_token


class PermissionDenied(GitHubError):
    """403 without a rate limit: the token may read but not do this."""


class NotFound(GitHubError):
    """404: it does not exist, or the token cannot see it."""


class Gone(NotFound):
    """410: it was deleted."""


class LegallyBlocked(GitHubError):
    """451: GitHub blocks access to this (a repository taken down for legal reasons, e.g. a DMCA notice)."""


class Redirected(GitHubError):
    """A write was answered with a redirect: the repository was renamed or the issue transferred. Writes are
    never replayed at the new address (httpx would turn them into GETs)."""


class ValidationFailed(GitHubError):
    """422: GitHub refused the request's content."""


class SearchLimitReached(ValidationFailed):
    """GitHub's search gives only the first 1,000 results."""


class RateLimited(GitHubError):
    """403/429 from a primary or a secondary rate limit.

    ``resume_at``: when to try again (already capped to what GitHub can mean). ``secondary``: the abuse
    limit. ``retry_after``: GitHub's own ``retry-after`` in seconds, None when it sent none. ``capped``:
    GitHub announced a longer wait than any of its windows, and it was shortened.
    """

    temporary = True

    def __init__(
        self,
        *,
        resume_at: datetime,
        secondary: bool,
        retry_after: float | None = None,
        capped: bool = False,
        status: int | None = None,
        path: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(status=status, path=path, detail=detail)
        self.resume_at = resume_at
        self.secondary = secondary
        self.retry_after = retry_after
        self.capped = capped

    def seconds_left(self, now: datetime | None = None) -> float:
        return max(0.0, (self.resume_at - (now or datetime.now(UTC))).total_seconds())


class Unavailable(GitHubError):
    """GitHub answered 5xx: worth retrying later."""

    temporary = True


class Offline(Unavailable):
    """No connection at all (DNS, refused, reset). ``host``: where we tried; ``cause``: the transport's
    name."""

    def __init__(self, *, host: str, cause: str = "", path: str = "") -> None:
        super().__init__(path=path)
        self.host = host
        self.cause = cause


class TimedOut(Unavailable):
    """No complete answer within ``seconds`` (a stalled or dripping connection)."""

    def __init__(self, *, host: str, seconds: float, path: str = "") -> None:
        super().__init__(path=path)
        self.host = host
        self.seconds = seconds


class BrokenAnswer(Unavailable):
    """The connection broke off before the answer was complete, or carried something that is not valid
    HTTP (``cause``: the transport's name). Not a missing network: the server answered, wrongly."""

    def __init__(self, *, host: str, cause: str = "", path: str = "") -> None:
        super().__init__(path=path)
        self.host = host
        self.cause = cause


class BadResponseReason(StrEnum):
    MALFORMED = "malformed"  # not JSON, or JSON of the wrong shape
    HTML = "html"  # a web page (proxy, captive portal, outage)
    TOO_LARGE = "too-large"
    UNDECODABLE = "undecodable"  # broken compression or framing
    REDIRECT_LOOP = "redirect-loop"
    REDIRECT_OFFSITE = "redirect-offsite"  # a GET redirected away from the API origin
    LINK_CYCLE = "link-cycle"
    LINK_OFFSITE = "link-offsite"  # a page link that leaves the API origin
    TOO_MANY_PAGES = "too-many-pages"
    UNEXPECTED_STATUS = "unexpected-status"
    NOT_MODIFIED = "not-modified"  # 304 to a request that named no stored copy


class BadResponse(GitHubError):
    """GitHub (or something pretending to be it) answered with something that cannot be used."""

    temporary = True

    def __init__(
        self,
        reason: BadResponseReason,
        *,
        what: str = "",
        status: int | None = None,
        path: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(status=status, path=path, detail=detail)
        self.reason = reason
        self.what = what  # e.g. "an issue that is not a JSON object", "50 MB"


# --- signing in --------------------------------------------------------------------------------------------


class SignInError(TriageboardError):
    """Signing in cannot go on."""


class KeyringReason(StrEnum):
    LOCKED = "locked"
    TIMEOUT = "timeout"
    NO_BACKEND = "no-backend"
    PLAINTEXT = "plaintext"  # only a file-based keyring: refused
    FAILED = "failed"


class KeyringUnavailable(SignInError):
    """No usable keyring. ``doing``: read/store/remove/inspect; ``detail``: the backend's own words
    (tokens masked) or its class name."""

    def __init__(
        self, reason: KeyringReason, *, doing: str = "read", detail: str = "", seconds: float = 0
    ) -> None:
        super().__init__(reason, doing, detail)
        self.reason = reason
        self.doing = doing
        self.detail = detail
        self.seconds = seconds


class DeviceFlowError(SignInError):
    """The device flow ended without a token. ``code``: GitHub's error code ("access_denied", ...), or one
    of ours ("unreachable", "no-device-flow", "bad-answer", "refused", "bad-address")."""

    def __init__(self, code: str, *, status: int | None = None, host: str = "") -> None:
        super().__init__(code, status, host)
        self.code = code
        self.status = status
        self.host = host


class AccessDenied(DeviceFlowError):
    pass


class CodeExpired(DeviceFlowError):
    pass


class DeviceFlowDisabled(DeviceFlowError):
    pass


class GhReason(StrEnum):
    NOT_INSTALLED = "not-installed"
    TIMEOUT = "timeout"
    CANNOT_RUN = "cannot-run"
    NO_TOKEN = "no-token"  # noqa: S105 (a reason, not a secret)


class GhImportError(SignInError):
    """The gh CLI had no token to give for ``host``."""

    def __init__(self, reason: GhReason, *, host: str, keyring: KeyringUnavailable | None = None) -> None:
        super().__init__(reason, host)
        self.reason = reason
        self.host = host
        self.keyring = keyring


# --- storage ----------------------------------------------------------------------------------------------


class StoreReason(StrEnum):
    BUSY = "busy"  # another process holds the file
    DISK = "disk"  # full, read-only, permissions
    DAMAGED_BEYOND_REPAIR = "damaged"  # damaged and could not even be moved aside
    NEWER = "newer"  # written by a newer triageboard
    UNREADABLE = "unreadable"


class StoreError(TriageboardError):
    """A store file cannot be used. ``what``: "outbox", "page cache", "snapshot", "journal";
    ``doing``: "open", "read", "save"; ``detail``: SQLite's words."""

    def __init__(
        self, what: str, path: str, reason: StoreReason, *, doing: str = "open", detail: str = ""
    ) -> None:
        super().__init__(what, path, reason, doing, detail)
        self.what = what
        self.path = path
        self.reason = reason
        self.doing = doing
        self.detail = detail


# --- moves ------------------------------------------------------------------------------------------------


class MoveError(TriageboardError):
    """A move (or assignment) that cannot succeed as asked: dropped from the outbox, the user told.

    ``issue``: ``owner/repo#n``; ``target``: the column (or "assign @login") it was meant for.
    """

    def __init__(self, issue: str, target: str) -> None:
        super().__init__(issue, target)
        self.issue = issue
        self.target = target


class MissingLabel(MoveError):
    """The column's ``label`` does not exist in ``repo`` (GitHub would silently create it)."""

    def __init__(self, issue: str, target: str, *, repo: str, label: str) -> None:
        super().__init__(issue, target)
        self.repo = repo
        self.label = label


class CannotLabel(MoveError):
    """The account cannot change labels (or assignees) in ``repo``; ``detail`` is GitHub's word if any;
    ``missing``: the repository was not found or is invisible to the token."""

    def __init__(
        self, issue: str, target: str, *, repo: str, detail: str = "", missing: bool = False
    ) -> None:
        super().__init__(issue, target)
        self.repo = repo
        self.detail = detail
        self.missing = missing


class IssueGone(MoveError):
    """The issue was deleted, transferred or is invisible to the token (``deleted``: GitHub said 410)."""

    def __init__(self, issue: str, target: str, *, deleted: bool = False) -> None:
        super().__init__(issue, target)
        self.deleted = deleted


class NotApplied(MoveError):
    """GitHub did not apply the change; ``labels``: what the issue carries now."""

    def __init__(self, issue: str, target: str, *, labels: Sequence[str]) -> None:
        super().__init__(issue, target)
        self.labels = tuple(labels)


class NotAssignable(MoveError):
    """GitHub silently dropped ``login`` from an assignment (not a collaborator, no access, or the issue
    already has ten assignees); ``assignees``: who is assigned now."""

    def __init__(self, issue: str, target: str, *, login: str, assignees: Sequence[str]) -> None:
        super().__init__(issue, target)
        self.login = login
        self.assignees = tuple(assignees)


class HalfApplied(MoveError):
    """Part of a move reached GitHub and the rest failed: the issue now carries ``labels``, which put it in
    ``columns`` (more than one: a conflict). ``cause``: why the rest failed. ``final``: for good (the move
    was dropped; one more move settles it); else the rest is sent again and the move stays queued (this is
    then why it waits)."""

    def __init__(
        self,
        issue: str,
        target: str,
        *,
        labels: Sequence[str],
        columns: Sequence[str],
        cause: TriageboardError | None = None,
        final: bool = True,
    ) -> None:
        super().__init__(issue, target)
        self.labels = tuple(labels)
        self.columns = tuple(columns)
        self.cause = cause
        self.final = final


class UnreadableRecord(MoveError):
    """The outbox's record of a change cannot be read (a damaged row): it was set aside, kept in the
    outbox file, and nothing is sent for it. ``what``: "move" or "assignment"; ``issue`` and ``target`` as
    far as they could be read (may be empty); ``detail``: what could not be decoded."""

    def __init__(self, issue: str, target: str, *, what: str, detail: str = "") -> None:
        super().__init__(issue, target)
        self.what = what
        self.detail = detail


class CannotComment(MoveError):
    """GitHub refused the comment that asks ``repo``'s triagebot for the change (a locked conversation, or no
    access); ``detail`` is GitHub's word."""

    def __init__(self, issue: str, target: str, *, repo: str, detail: str = "") -> None:
        super().__init__(issue, target)
        self.repo = repo
        self.detail = detail


class BotRefused(MoveError):
    """``repo``'s triagebot (``bot``, its login) does not make this change for the account: ``labels`` it lets
    only members set (found in its ``triagebot.toml`` before asking, so nothing was posted), or ``said``: its
    own answer to the comment (GitHub text, cleaned and cut). Nothing changed on the issue."""

    def __init__(
        self,
        issue: str,
        target: str,
        *,
        repo: str,
        bot: str = "rustbot",
        said: str = "",
        labels: Sequence[str] = (),
    ) -> None:
        super().__init__(issue, target)
        self.repo = repo
        self.bot = bot
        self.said = said
        self.labels = tuple(labels)


class BotSilent(MoveError):
    """``repo``'s triagebot (``bot``) was asked by a comment and had not acted ``seconds`` later. The comment
    stays on the issue: the bot may still act on it (the board shows it at the next refresh)."""

    def __init__(
        self, issue: str, target: str, *, repo: str, bot: str = "rustbot", seconds: float = 0
    ) -> None:
        super().__init__(issue, target)
        self.repo = repo
        self.bot = bot
        self.seconds = seconds


class AwaitingBot(MoveError):
    """A change of ``issue`` was asked of ``repo``'s triagebot (``bot``) and the bot has not acted yet: a new
    request for the card waits until it has (a second comment could be acted on in either order)."""

    def __init__(self, issue: str, target: str, *, repo: str, bot: str = "rustbot") -> None:
        super().__init__(issue, target)
        self.repo = repo
        self.bot = bot


# --- errors at rest ---------------------------------------------------------------------------------------
# The outbox keeps why a move waits (a rate limit, no network, a rejected token) as facts, so that the next
# run — the window or a CLI — can say it in its own words and decide by kind, never by reading text.


_E = TypeVar("_E", bound=BaseException)


def first_error(group: BaseExceptionGroup[_E]) -> _E:
    """The first error of what ``except*`` caught, however deeply task groups nested it (a series' own
    group inside the load's): raised as itself, so a caller's ``except GitHubError`` sees it."""
    first: _E | BaseExceptionGroup[_E] = group.exceptions[0]
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first


def to_record(err: TriageboardError) -> dict[str, object]:
    """``err`` as plain JSON-able data: its class name and its facts."""
    return {
        "kind": type(err).__name__,
        "facts": {k: _dump(v) for k, v in vars(err).items() if not k.startswith("_")},
    }


def from_record(record: object) -> TriageboardError | None:
    """The error :func:`to_record` wrote, or None when the record is unknown (another version) or damaged."""
    if not isinstance(record, dict):
        return None
    cls = _KINDS.get(str(record.get("kind")))
    facts = record.get("facts")
    if cls is None or not isinstance(facts, dict):
        return None
    err = cls.__new__(cls)
    Exception.__init__(err)
    try:
        for key, value in facts.items():
            setattr(err, str(key), _load(value))
    except (TypeError, ValueError):
        return None
    return err


def _dump(value: object) -> object:
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, TriageboardError):
        return {"$error": to_record(value)}
    if isinstance(value, StrEnum):
        return {"$enum": type(value).__name__, "value": str(value)}
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _load(value: object) -> object:
    if isinstance(value, dict):
        if "$time" in value:
            return datetime.fromisoformat(str(value["$time"]))
        if "$error" in value:
            return from_record(value["$error"])
        if "$enum" in value:
            enum = _ENUMS.get(str(value["$enum"]))
            return enum(str(value["value"])) if enum is not None else str(value["value"])
        raise ValueError("unknown value")
    if isinstance(value, list):
        return tuple(_load(v) for v in value)
    return value


def _subclasses(cls: type[TriageboardError]) -> list[type[TriageboardError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found


_KINDS: dict[str, type[TriageboardError]] = {cls.__name__: cls for cls in _subclasses(TriageboardError)}
_ENUMS: dict[str, type[StrEnum]] = {
    name: value
    for name, value in list(globals().items())
    if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
}
