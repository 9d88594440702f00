"""Issue search: ``GET /search/issues`` and its query language, the part a triage board uses.

Supported: ``org:``/``user:`` and ``repo:`` (several of one kind are OR), ``is:issue``/``is:pr``/``type:``,
``is:open``/``is:closed``/``state:``, ``label:x`` (AND across qualifiers), ``label:"a b","c"`` (OR within
one), ``-label:x`` and any other negated qualifier, ``no:assignee``/``no:label``/``no:milestone``,
``assignee:login`` (``@me`` too), ``author:login``, ``created:``/``updated:``/``closed:`` with ``>``, ``>=``,
``<``, ``<=`` or ``a..b``, ``sort:updated-desc`` and friends, ``in:`` (ignored), and bare words or quoted
phrases matched case-insensitively against title and body. Unknown qualifiers are treated as words.
Only the first 1,000 results can be paged to; answers carry no ETag (they cannot be revalidated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ._http import Request
from ._issues import SORT_KEYS
from ._model import Issue, Repo, label_key, parse_iso
from ._paging import page, page_params
from ._render import issue_json
from ._rest import DOCS, ApiError, Result, validation_failed
from ._world import Caller, World

SEARCH_CAP = 1000
SEARCH_DOC = f"{DOCS}/search/search#search-issues-and-pull-requests"

Predicate = Callable[[Repo, Issue], bool]


class SearchError(ValueError):
    """A query GitHub would answer with 422; ``errors`` go into the response body."""

    def __init__(self, message: str, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass(slots=True)
class Query:
    predicates: list[Predicate] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    repos: list[str] = field(default_factory=list)
    sort: str | None = None
    order: str | None = None

    def matches(self, repo: Repo, issue: Issue) -> bool:
        if self.orgs and repo.owner.casefold() not in self.orgs:
            return False
        if self.repos and repo.full_name.casefold() not in self.repos:
            return False
        return all(p(repo, issue) for p in self.predicates)


def tokenize(q: str) -> list[str]:
    """Split on whitespace outside double quotes; quotes stay in the tokens."""
    tokens: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in q:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch.isspace() and not quoted:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        tokens.append("".join(current))
    return tokens


def split_values(value: str) -> list[str]:
    """``"a b","c"`` → ``["a b", "c"]``: commas outside quotes separate values."""
    values: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            values.append("".join(current))
            current = []
        else:
            current.append(ch)
    values.append("".join(current))
    return [v for v in values if v]


def _time_predicate(field_name: str, value: str) -> Predicate | None:
    def stamp(issue: Issue) -> int | None:
        if field_name == "created":
            return issue.created_at
        if field_name == "updated":
            return issue.updated_at
        return issue.closed_at

    lo: int | None = None
    hi: int | None = None
    lo_open = hi_open = False
    if ".." in value:
        a, b = value.split("..", 1)
        lo = parse_iso(a) if a not in ("", "*") else None
        hi = _end_of(b) if b not in ("", "*") else None
        if (a not in ("", "*") and lo is None) or (b not in ("", "*") and hi is None):
            return None
    else:
        for op in (">=", "<=", ">", "<"):
            if value.startswith(op):
                rest = value[len(op) :]
                if op in (">=", ">"):
                    lo = parse_iso(rest) if op == ">=" else _end_of(rest)
                    lo_open = op == ">"
                    if lo is None:
                        return None
                else:
                    hi = _end_of(rest) if op == "<=" else parse_iso(rest)
                    hi_open = op == "<"
                    if hi is None:
                        return None
                break
        else:
            lo, hi = parse_iso(value), _end_of(value)
            if lo is None or hi is None:
                return None

    def predicate(_repo: Repo, issue: Issue) -> bool:
        t = stamp(issue)
        if t is None:
            return False
        if lo is not None and (t <= lo if lo_open else t < lo):
            return False
        return not (hi is not None and (t >= hi if hi_open else t > hi))

    return predicate


def _end_of(text: str) -> int | None:
    """The last second a date (or date-time) covers: ``<=2026-10-01`` includes that whole day."""
    t = parse_iso(text)
    if t is None:
        return None
    return t + 86_399 if "T" not in text and " " not in text.strip() else t


def parse(q: str, *, me: str | None, known_owners: set[str], known_repos: set[str]) -> Query:
    query = Query()
    words: list[str] = []
    for token in tokenize(q):
        negate = token.startswith("-") and ":" in token
        body = token[1:] if negate else token
        key, sep, raw_value = body.partition(":")
        key = key.casefold()
        if not sep or not raw_value or key not in _QUALIFIERS:
            words.append(token.strip('"'))
            continue
        values = split_values(raw_value)
        if not values:
            continue
        predicate: Predicate | None
        if key in ("org", "user"):
            if not negate:
                query.orgs.extend(v.casefold() for v in values)
                continue
            owners = {v.casefold() for v in values}
            predicate = _owner_in(owners)
        elif key == "repo":
            if not negate:
                query.repos.extend(v.casefold() for v in values)
                continue
            names = {v.casefold() for v in values}
            predicate = _repo_in(names)
        elif key == "label":
            wanted = {label_key(v) for v in values}
            predicate = _has_any_label(wanted)
        elif key in ("is", "type", "state"):
            predicate = _is_predicate(values[0].casefold())
            if predicate is None:
                raise SearchError(
                    "Validation Failed",
                    [
                        {
                            "message": f"'{values[0]}' is not a valid value for '{key}'",
                            "resource": "Search",
                            "field": "q",
                            "code": "invalid",
                        }
                    ],
                )
        elif key == "no":
            what = values[0].casefold()
            if what == "assignee":
                predicate = _unassigned
            elif what == "label":
                predicate = _unlabelled
            else:  # milestone, project...: the sandbox has none of them
                predicate = _always
        elif key == "assignee":
            logins = {(me if v == "@me" and me else v).casefold() for v in values}
            predicate = _assigned_to(logins)
        elif key == "author":
            logins = {(me if v == "@me" and me else v).casefold() for v in values}
            predicate = _authored_by(logins)
        elif key in ("created", "updated", "closed"):
            predicate = _time_predicate(key, raw_value)
            if predicate is None:
                words.append(token)
                continue
        elif key == "sort":
            field_name, _, direction = values[0].casefold().partition("-")
            query.sort, query.order = field_name, direction or "desc"
            continue
        else:  # "in": where to look; title and body are always searched
            continue
        query.predicates.append(_negate(predicate) if negate else predicate)

    for owner in query.orgs:
        if owner not in known_owners:
            raise _cannot_search()
    for name in query.repos:
        if name not in known_repos:
            raise _cannot_search()
    for word in words:
        needle = word.casefold()
        if needle:
            query.predicates.append(_mentions(needle))
    return query


_QUALIFIERS = {
    "org",
    "user",
    "repo",
    "label",
    "is",
    "type",
    "state",
    "no",
    "assignee",
    "author",
    "created",
    "updated",
    "closed",
    "sort",
    "in",
}


def _owner_in(owners: set[str]) -> Predicate:
    return lambda r, _i: r.owner.casefold() in owners


def _repo_in(names: set[str]) -> Predicate:
    return lambda r, _i: r.full_name.casefold() in names


def _has_any_label(keys: set[str]) -> Predicate:
    return lambda _r, i: any(label.key in keys for label in i.labels)


def _assigned_to(logins: set[str]) -> Predicate:
    return lambda _r, i: any(a.casefold() in logins for a in i.assignees)


def _authored_by(logins: set[str]) -> Predicate:
    return lambda _r, i: i.author.casefold() in logins


def _mentions(needle: str) -> Predicate:
    return lambda _r, i: needle in i.title.casefold() or needle in (i.body or "").casefold()


def _unassigned(_repo: Repo, issue: Issue) -> bool:
    return not issue.assignees


def _unlabelled(_repo: Repo, issue: Issue) -> bool:
    return not issue.labels


def _always(_repo: Repo, _issue: Issue) -> bool:
    return True


def _negate(predicate: Predicate) -> Predicate:
    return lambda r, i: not predicate(r, i)


def _is_predicate(value: str) -> Predicate | None:
    if value == "issue":
        return lambda _r, i: not i.is_pull_request
    if value in ("pr", "pull-request"):
        return lambda _r, i: i.is_pull_request
    if value == "open":
        return lambda _r, i: i.state == "open"
    if value == "closed":
        return lambda _r, i: i.state == "closed"
    if value == "merged":
        return lambda _r, i: i.merged_at is not None
    if value == "draft":
        return lambda _r, i: i.draft
    if value in ("public", "unlocked"):
        return lambda _r, _i: True
    if value in ("private", "locked", "unmerged"):
        return lambda _r, i: value == "unmerged" and i.is_pull_request and i.merged_at is None
    return None


def _cannot_search() -> SearchError:
    return SearchError(
        "Validation Failed",
        [
            {
                "message": "The listed users and repositories cannot be searched either because the "
                "resources do not exist or you do not have permission to view them.",
                "resource": "Search",
                "field": "q",
                "code": "invalid",
            }
        ],
    )


def search_issues(world: World, caller: Caller, request: Request) -> Result:
    params = request.params()
    q = params.get("q", "").strip()
    if not q:
        raise validation_failed("Search", "q", "missing", SEARCH_DOC)
    data = world.data
    try:
        query = parse(
            q,
            me=caller.login,
            known_owners={r.owner.casefold() for r in data.repos.values()} | set(data.users),
            known_repos=set(data.repos),
        )
    except SearchError as error:
        raise ApiError(422, error.message, SEARCH_DOC, error.errors) from None
    per_page, number = page_params(params)
    if (number - 1) * per_page >= SEARCH_CAP:
        raise ApiError(422, "Only the first 1000 search results are available", SEARCH_DOC)
    found = [
        (repo, issue)
        for repo in data.repos.values()
        for issue in repo.issues.values()
        if query.matches(repo, issue)
    ]
    sort = query.sort or params.get("sort")
    order = query.order or params.get("order", "desc")
    if sort in SORT_KEYS:
        key = SORT_KEYS[sort]
        found.sort(key=lambda pair: key(pair[1]), reverse=order != "asc")
    else:  # "best match": newest first, deterministic
        found.sort(key=lambda pair: (pair[1].created_at, pair[0].id, pair[1].number), reverse=True)
    chosen, headers = page(found, request, f"{world.urls.api}/search/issues", cap=SEARCH_CAP)
    items = [issue_json(world.urls, data, repo, issue, score=1.0) for repo, issue in chosen]
    body = {"total_count": len(found), "incomplete_results": False, "items": items}
    return Result(200, body, headers, cacheable=False)
