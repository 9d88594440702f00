"""Assignees: who can be assigned in a repository, and adding or removing an issue's assignees.

``POST`` adds (never replaces), at most ten in all, and drops logins that cannot be assigned silently:
the answer is the whole issue, for the client to compare. ``DELETE`` removes. Both need the triage role.
"""

from __future__ import annotations

from . import _changes
from ._http import Request
from ._model import Issue, Repo
from ._paging import link_base, paginated
from ._render import issue_json, user_json
from ._rest import DOCS, Result, json_body, not_found, require_write, validation_failed
from ._world import Caller, World

ASSIGNEES_DOC = f"{DOCS}/issues/assignees"


def list_assignable(world: World, request: Request, repo: Repo) -> Result:
    users = [user_json(world.urls, world.data.ensure_user(login)) for login in repo.assignable.values()]
    return paginated(request, users, link_base(world, repo, ["assignees"]))


def check_assignable(repo: Repo, login: str) -> Result:
    if not repo.can_be_assigned(login):
        raise not_found(f"{ASSIGNEES_DOC}#check-if-a-user-can-be-assigned")
    return Result(204, None, accepted_scopes="repo")


def change_assignees(
    world: World, caller: Caller, request: Request, method: str, repo: Repo, issue: Issue
) -> Result:
    adding = method == "POST"
    doc = f"{ASSIGNEES_DOC}#{'add-assignees-to-an-issue' if adding else 'remove-assignees-from-an-issue'}"
    login = require_write(world, caller, repo, "triage", doc)
    body = json_body(request)
    logins = body.get("assignees", []) if isinstance(body, dict) else None
    if not isinstance(logins, list) or not all(isinstance(a, str) for a in logins):
        raise validation_failed("Issue", "assignees", "invalid", doc)
    if adding:
        _changes.add_assignees(world, repo, issue, logins, login)
    else:
        _changes.remove_assignees(world, issue, logins, login)
    answer = issue_json(world.urls, world.data, repo, issue)
    return Result(201 if adding else 200, answer, cacheable=False, mutation=True)
