"""Issues and labels: list and get issues, ``PATCH`` an issue, an issue's labels, a repository's labels."""

from __future__ import annotations

import re
from collections.abc import Callable

from . import _changes
from ._http import Request
from ._model import Issue, Repo, parse_iso
from ._paging import link_base, page, paginated
from ._render import issue_json, label_json
from ._rest import DOCS, ApiError, Result, json_body, require_write, validation_failed
from ._world import Caller, World

LABELS_DOC = f"{DOCS}/issues/labels#add-labels-to-an-issue"

SORT_KEYS: dict[str, Callable[[Issue], tuple[int, int]]] = {
    "created": lambda i: (i.created_at, i.number),
    "updated": lambda i: (i.updated_at, i.number),
    "comments": lambda i: (len(i.comments), i.number),
}


def list_issues(world: World, request: Request, repo: Repo) -> Result:
    params = request.params()
    doc = f"{DOCS}/issues/issues#list-repository-issues"
    state = params.get("state", "open") or "open"
    if state not in ("open", "closed", "all"):
        raise validation_failed("Issue", "state", doc=doc)
    sort = params.get("sort", "created") or "created"
    direction = params.get("direction", "desc") or "desc"
    if sort not in SORT_KEYS:
        raise validation_failed("Issue", "sort", doc=doc)
    if direction not in ("asc", "desc"):
        raise validation_failed("Issue", "direction", doc=doc)
    since: int | None = None
    if params.get("since"):
        since = parse_iso(params["since"])
        if since is None:
            raise validation_failed("Issue", "since", doc=doc)
    wanted = [name.strip().casefold() for name in params.get("labels", "").split(",") if name.strip()]
    assignee = params.get("assignee")
    creator = params.get("creator")
    milestone = params.get("milestone")

    def keep(issue: Issue) -> bool:
        if state != "all" and issue.state != state:
            return False
        if since is not None and issue.updated_at < since:
            return False
        if wanted:
            have = {label.key for label in issue.labels}
            if not all(name in have for name in wanted):
                return False
        if assignee:
            if assignee == "none":
                if issue.assignees:
                    return False
            elif assignee == "*":
                if not issue.assignees:
                    return False
            elif not issue.is_assigned(assignee):
                return False
        if creator and issue.author.casefold() != creator.casefold():
            return False
        return not (milestone and milestone != "none")

    issues = sorted(
        (i for i in repo.issues.values() if keep(i)), key=SORT_KEYS[sort], reverse=direction == "desc"
    )
    chosen, headers = page(issues, request, link_base(world, repo, ["issues"]))
    body = [issue_json(world.urls, world.data, repo, issue) for issue in chosen]
    return Result(200, body, headers, accepted_scopes="repo")


def get_issue(world: World, repo: Repo, issue: Issue) -> Result:
    return Result(200, issue_json(world.urls, world.data, repo, issue), accepted_scopes="repo")


def patch_issue(world: World, caller: Caller, request: Request, repo: Repo, issue: Issue) -> Result:
    doc = f"{DOCS}/issues/issues#update-an-issue"
    login = require_write(world, caller, repo, "triage", doc)
    body = json_body(request)
    if not isinstance(body, dict):
        raise ApiError(400, "Problems parsing JSON", doc)
    for key in ("title", "body"):
        if key in body:
            value = body[key]
            if key == "title" and (not isinstance(value, str) or not value):
                raise validation_failed("Issue", "title", "invalid", doc)
            if value is not None and not isinstance(value, str):
                raise validation_failed("Issue", key, "invalid", doc)
    labels = body.get("labels")
    if "labels" in body and not isinstance(labels, list):
        raise validation_failed("Issue", "labels", "invalid", doc)
    assignees = body.get("assignees")
    if "assignees" in body and (
        not isinstance(assignees, list) or not all(isinstance(a, str) for a in assignees)
    ):
        raise validation_failed("Issue", "assignees", "invalid", doc)
    state = body.get("state")
    if state is not None and state not in ("open", "closed"):
        raise validation_failed("Issue", "state", "invalid", doc)

    if isinstance(labels, list):
        names = [str(x.get("name") if isinstance(x, dict) else x) for x in labels]
        _changes.set_labels(world, repo, issue, names, login)
    if isinstance(state, str):
        reason = body.get("state_reason")
        _changes.set_state(world, issue, state, login, reason if isinstance(reason, str) else None)
    edited = False
    for key in ("title", "body"):
        if key in body and getattr(issue, key) != body[key]:
            setattr(issue, key, body[key])
            edited = True
    if edited:
        issue.updated_at = world.stamp()
    if isinstance(assignees, list):
        # Replaces the whole set: exists on GitHub, and a careful client never uses it.
        _changes.set_assignees(world, repo, issue, [str(a) for a in assignees], login)
    return Result(200, issue_json(world.urls, world.data, repo, issue), cacheable=False, mutation=True)


def issue_labels(
    world: World, caller: Caller, request: Request, method: str, repo: Repo, issue: Issue, rest: list[str]
) -> Result:
    if method == "GET":
        labels = [label_json(world.urls, repo, label) for label in issue.labels]
        return paginated(request, labels, link_base(world, repo, rest))
    login = require_write(world, caller, repo, "triage", LABELS_DOC)
    if method == "DELETE":
        _changes.remove_labels(world, issue, [label.name for label in issue.labels], login)
        return Result(204, None, mutation=True)
    names = _label_names(request)
    if method == "POST":
        _changes.add_labels(world, repo, issue, names, login)
    else:
        _changes.set_labels(world, repo, issue, names, login)
    body = [label_json(world.urls, repo, label) for label in issue.labels]
    return Result(200, body, cacheable=False, mutation=True)


def remove_issue_label(world: World, caller: Caller, repo: Repo, issue: Issue, name: str) -> Result:
    login = require_write(world, caller, repo, "triage", LABELS_DOC)
    if not _changes.remove_labels(world, issue, [name], login):
        raise ApiError(404, "Label does not exist", f"{DOCS}/issues/labels#remove-a-label-from-an-issue")
    body = [label_json(world.urls, repo, label) for label in issue.labels]
    return Result(200, body, cacheable=False, mutation=True)


def repo_labels(world: World, caller: Caller, request: Request, method: str, repo: Repo) -> Result:
    if method == "POST":
        return _create_label(world, caller, request, repo)
    ordered = sorted(repo.labels.values(), key=lambda label: (label.key, label.id))
    labels = [label_json(world.urls, repo, label) for label in ordered]
    return paginated(request, labels, link_base(world, repo, ["labels"]))


def _label_names(request: Request) -> list[str]:
    """``{"labels": [...]}`` or a bare list; items are names or ``{"name": ...}``."""
    body = json_body(request)
    items = body.get("labels") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise ApiError(
            422,
            "Invalid request.\n\nFor 'links/0/schema', nil is not an object or an array of strings.",
            LABELS_DOC,
        )
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise validation_failed("Label", "name", "invalid", LABELS_DOC)
        names.append(name.strip())
    return names


_COLOR = re.compile(r"^#?[0-9a-fA-F]{6}$")


def _create_label(world: World, caller: Caller, request: Request, repo: Repo) -> Result:
    doc = f"{DOCS}/issues/labels#create-a-label"
    require_write(world, caller, repo, "write", doc)
    body = json_body(request)
    if not isinstance(body, dict):
        raise validation_failed("Label", "name", "missing_field", doc)
    name = body.get("name")
    color = body.get("color", "ededed")
    description = body.get("description")
    if not isinstance(name, str) or not name.strip():
        raise validation_failed("Label", "name", "missing_field", doc)
    if not isinstance(color, str) or not _COLOR.match(color):
        raise validation_failed("Label", "color", "invalid", doc)
    if description is not None and not isinstance(description, str):
        raise validation_failed("Label", "description", "invalid", doc)
    if repo.label(name) is not None:
        raise validation_failed("Label", "name", "already_exists", doc)
    label = world.data.new_label(repo, name.strip(), color.lstrip("#"), description)
    data = label_json(world.urls, repo, label)
    return Result(201, data, [("Location", str(data["url"]))], cacheable=False, mutation=True)
