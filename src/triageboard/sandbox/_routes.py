"""Which endpoint answers a REST request, and the small ones: the root, users, the rate limit, a
repository with the caller's permissions, a collaborator's permission."""

from __future__ import annotations

from . import _assignees, _comments, _contents, _issues
from ._http import Request
from ._model import Repo
from ._render import (
    full_user_json,
    label_json,
    legacy_permission,
    permissions_json,
    repo_json,
    role_name,
    user_json,
)
from ._rest import DOCS, ApiError, Result, issue_of, not_found, only
from ._search import search_issues
from ._world import Caller, World


def route(world: World, caller: Caller, request: Request, segments: list[str]) -> Result:
    """Answer a REST request; ``segments`` are the decoded path segments after ``/api/v3``."""
    method = request.method if request.method != "HEAD" else "GET"
    match segments:
        case []:
            only(method, "GET")
            return Result(200, _root(world))
        case ["user"]:
            only(method, "GET")
            if caller.token is None:
                raise ApiError(
                    401, "Requires authentication", f"{DOCS}/users/users#get-the-authenticated-user"
                )
            user = world.data.ensure_user(caller.token.login)
            return Result(200, full_user_json(world.urls, user, private=True))
        case ["users", login]:
            only(method, "GET")
            found = world.data.user(login)
            if found is None:
                raise not_found(f"{DOCS}/users/users#get-a-user")
            return Result(200, full_user_json(world.urls, found, private=False))
        case ["rate_limit"]:
            only(method, "GET")
            return Result(200, _rate_limit_json(world, caller), cacheable=False)
        case ["search", "issues"]:
            only(method, "GET")
            return search_issues(world, caller, request)
        case ["repos", owner, name, *rest]:
            repo = world.data.repo(f"{owner}/{name}")
            if repo is None:
                raise not_found(f"{DOCS}/repos/repos#get-a-repository")
            return _repo_route(world, caller, request, method, repo, rest)
        case ["repositories", repo_id, *rest] if repo_id.isdigit():
            found_repo = world.data.repo_by_id(int(repo_id))
            if found_repo is None:
                raise not_found()
            return _repo_route(world, caller, request, method, found_repo, rest)
    raise not_found()


def _repo_route(
    world: World, caller: Caller, request: Request, method: str, repo: Repo, rest: list[str]
) -> Result:
    match rest:
        case []:
            only(method, "GET")
            permission = world.permission(caller, repo) if caller.token is not None else None
            return Result(200, repo_json(world.urls, world.data, repo, permission), accepted_scopes="repo")
        case ["issues"]:
            only(method, "GET")
            return _issues.list_issues(world, request, repo)
        case ["issues", number]:
            issue = issue_of(repo, number)
            only(method, "GET", "PATCH")
            if method == "PATCH":
                return _issues.patch_issue(world, caller, request, repo, issue)
            return _issues.get_issue(world, repo, issue)
        case ["issues", number, "labels"]:
            issue = issue_of(repo, number)
            only(method, "GET", "POST", "PUT", "DELETE")
            return _issues.issue_labels(world, caller, request, method, repo, issue, rest)
        case ["issues", number, "labels", name]:
            issue = issue_of(repo, number)
            only(method, "DELETE")
            return _issues.remove_issue_label(world, caller, repo, issue, name)
        case ["issues", number, "assignees"]:
            issue = issue_of(repo, number)
            only(method, "POST", "DELETE")
            return _assignees.change_assignees(world, caller, request, method, repo, issue)
        case ["issues", number, "comments"]:
            issue = issue_of(repo, number)
            only(method, "GET", "POST")
            if method == "POST":
                return _comments.post_comment(world, caller, request, repo, issue)
            return _comments.list_comments(world, request, repo, issue, rest)
        case ["issues", number, "events"]:
            only(method, "GET")
            return _comments.list_events(world, request, repo, issue_of(repo, number), rest)
        case ["issues", number, "timeline"]:
            only(method, "GET")
            return _comments.list_timeline(world, request, repo, issue_of(repo, number), rest)
        case ["labels"]:
            only(method, "GET", "POST")
            return _issues.repo_labels(world, caller, request, method, repo)
        case ["labels", name]:
            only(method, "GET")
            label = repo.label(name)
            if label is None:
                raise not_found(f"{DOCS}/issues/labels#get-a-label")
            return Result(200, label_json(world.urls, repo, label), accepted_scopes="repo")
        case ["assignees"]:
            only(method, "GET")
            return _assignees.list_assignable(world, request, repo)
        case ["assignees", login]:
            only(method, "GET")
            return _assignees.check_assignable(repo, login)
        case ["contents", *path] if path:
            only(method, "GET")
            return _contents.get_contents(world, request, repo, "/".join(path))
        case ["collaborators", login, "permission"]:
            only(method, "GET")
            return _collaborator_permission(world, caller, repo, login)
    raise not_found()


def _root(world: World) -> dict[str, object]:
    api = world.urls.api
    return {
        "current_user_url": f"{api}/user",
        "issues_url": f"{api}/issues",
        "issue_search_url": f"{api}/search/issues?q={{query}}{{&page,per_page,sort,order}}",
        "rate_limit_url": f"{api}/rate_limit",
        "repository_url": f"{api}/repos/{{owner}}/{{repo}}",
        "user_url": f"{api}/users/{{user}}",
    }


def _collaborator_permission(world: World, caller: Caller, repo: Repo, login: str) -> Result:
    if caller.token is None:
        raise ApiError(401, "Requires authentication", DOCS)
    user = world.data.user(login)
    if user is None:
        raise not_found(f"{DOCS}/collaborators/collaborators#get-repository-permissions-for-a-user")
    permission = world.role(login, repo)
    person = user_json(world.urls, user)
    person["permissions"] = permissions_json(permission)
    person["role_name"] = role_name(permission)
    body = {"permission": legacy_permission(permission), "role_name": role_name(permission), "user": person}
    return Result(200, body, accepted_scopes="repo")


def _rate_limit_json(world: World, caller: Caller) -> dict[str, object]:
    authenticated = caller.token is not None
    core = world.limits.bucket(caller.bucket_key, "core", authenticated=authenticated).as_json()
    search = world.limits.bucket(caller.bucket_key, "search", authenticated=authenticated).as_json()
    reset = core["reset"]

    def fixed(limit: int) -> dict[str, int]:
        return {"limit": limit, "remaining": limit, "reset": reset, "used": 0}

    return {
        "resources": {
            "core": core,
            "search": search,
            "graphql": fixed(5000 if authenticated else 0),
            "integration_manifest": fixed(5000),
            "code_search": fixed(10),
        },
        "rate": core,
    }
