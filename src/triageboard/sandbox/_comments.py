"""An issue's conversation and history: comments (list, post), events and the timeline, oldest first."""

from __future__ import annotations

from . import _changes
from ._http import Request
from ._model import Issue, Repo, parse_iso, permission_at_least
from ._paging import link_base, paginated
from ._render import comment_json, event_json, timeline_comment_json
from ._rest import DOCS, ApiError, Result, json_body, require_auth, validation_failed
from ._world import Caller, World

COMMENTS_DOC = f"{DOCS}/issues/comments"
LOCKED_DOC = "https://docs.github.com/articles/locking-conversations/"


def list_comments(world: World, request: Request, repo: Repo, issue: Issue, rest: list[str]) -> Result:
    since_text = request.params().get("since")
    since = parse_iso(since_text) if since_text else None
    if since_text and since is None:
        raise validation_failed("IssueComment", "since", doc=f"{COMMENTS_DOC}#list-issue-comments")
    comments = [c for c in issue.comments if since is None or c.updated_at >= since]
    items = [comment_json(world.urls, world.data, repo, issue, c) for c in comments]
    return paginated(request, items, link_base(world, repo, rest))


def post_comment(world: World, caller: Caller, request: Request, repo: Repo, issue: Issue) -> Result:
    """Anyone who can read may comment, unless the issue is locked (then collaborators only)."""
    doc = f"{COMMENTS_DOC}#create-an-issue-comment"
    login = require_auth(caller)
    if not world.can_write_scopes(caller):
        raise ApiError(403, "Resource not accessible by personal access token", doc)
    if issue.locked and not permission_at_least(world.permission(caller, repo), "triage"):
        raise ApiError(403, "Unable to create comment because issue is locked.", LOCKED_DOC)
    body = json_body(request)
    text = body.get("body") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise validation_failed("IssueComment", "body", "missing_field", doc)
    comment = _changes.add_comment(world, repo, issue, login, text)
    data = comment_json(world.urls, world.data, repo, issue, comment)
    return Result(201, data, [("Location", str(data["url"]))], cacheable=False, mutation=True)


def list_events(world: World, request: Request, repo: Repo, issue: Issue, rest: list[str]) -> Result:
    items = [event_json(world.urls, world.data, repo, event) for event in issue.events]
    return paginated(request, items, link_base(world, repo, rest))


def list_timeline(world: World, request: Request, repo: Repo, issue: Issue, rest: list[str]) -> Result:
    """Events and comments together, oldest first (a comment after an event of the same second)."""
    dated: list[tuple[int, int, int, dict[str, object]]] = [
        (event.created_at, 0, event.id, event_json(world.urls, world.data, repo, event))
        for event in issue.events
    ]
    dated += [
        (c.created_at, 1, c.id, timeline_comment_json(world.urls, world.data, repo, issue, c))
        for c in issue.comments
    ]
    dated.sort(key=lambda item: item[:3])
    return paginated(request, [item[3] for item in dated], link_base(world, repo, rest))
