"""Records as GitHub's JSON, in the shapes (and key order) of recorded GitHub responses."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from ._model import (
    PERMISSION_ORDER,
    Comment,
    Dataset,
    Event,
    Issue,
    Label,
    Permission,
    Repo,
    User,
    iso,
    permission_at_least,
)

JSON = dict[str, object]
DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True, slots=True)
class Urls:
    api: str  # http://127.0.0.1:PORT/api/v3
    web: str  # http://127.0.0.1:PORT


def node_id(prefix: str, number: int) -> str:
    return prefix + "_" + base64.b64encode(number.to_bytes(8, "big")).decode().rstrip("=")


def user_json(urls: Urls, user: User) -> JSON:
    api_user = f"{urls.api}/users/{user.login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": node_id("U" if user.type != "Organization" else "O", user.id),
        "avatar_url": f"{urls.web}/avatars/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": api_user,
        "html_url": f"{urls.web}/{user.login}",
        "followers_url": f"{api_user}/followers",
        "following_url": f"{api_user}/following{{/other_user}}",
        "gists_url": f"{api_user}/gists{{/gist_id}}",
        "starred_url": f"{api_user}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api_user}/subscriptions",
        "organizations_url": f"{api_user}/orgs",
        "repos_url": f"{api_user}/repos",
        "events_url": f"{api_user}/events{{/privacy}}",
        "received_events_url": f"{api_user}/received_events",
        "type": user.type,
        "user_view_type": "public",
        "site_admin": user.site_admin,
    }


def full_user_json(urls: Urls, user: User, *, private: bool) -> JSON:
    """``GET /user`` (private, for the token's owner) or ``GET /users/{login}``."""
    data = user_json(urls, user)
    # The private view carries private fields, and says so.
    data["user_view_type"] = "private" if private else "public"
    data.update(
        {
            "name": user.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "notification_email": None,
            "public_repos": 12,
            "public_gists": 0,
            "followers": 100 + user.id % 900,
            "following": 7,
            "created_at": iso(user.created_at),
            "updated_at": iso(user.created_at + 86_400 * 365),
        }
    )
    if private:
        data.update(
            {
                "private_gists": 0,
                "total_private_repos": 0,
                "owned_private_repos": 0,
                "disk_usage": 1024,
                "collaborators": 0,
                "two_factor_authentication": True,
                "plan": {"name": "free", "space": 976562499, "collaborators": 0, "private_repos": 10000},
            }
        )
    return data


def label_json(urls: Urls, repo: Repo, label: Label) -> JSON:
    return {
        "id": label.id,
        "node_id": node_id("LA", label.id),
        "url": f"{urls.api}/repos/{repo.full_name}/labels/{quote(label.name, safe='')}",
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    }


def issue_json(urls: Urls, data: Dataset, repo: Repo, issue: Issue, *, score: float | None = None) -> JSON:
    base = f"{urls.api}/repos/{repo.full_name}"
    n = issue.number
    kind = "pull" if issue.is_pull_request else "issues"
    html_url = f"{urls.web}/{repo.full_name}/{kind}/{n}"
    out: JSON = {
        "url": f"{base}/issues/{n}",
        "repository_url": base,
        "labels_url": f"{base}/issues/{n}/labels{{/name}}",
        "comments_url": f"{base}/issues/{n}/comments",
        "events_url": f"{base}/issues/{n}/events",
        "html_url": html_url,
        "id": issue.id,
        "node_id": node_id("PR" if issue.is_pull_request else "I", issue.id),
        "number": n,
        "title": issue.title,
        "user": user_json(urls, data.ensure_user(issue.author)),
        "labels": [label_json(urls, repo, label) for label in issue.labels],
        "state": issue.state,
        "locked": issue.locked,
        "assignee": user_json(urls, data.ensure_user(issue.assignees[0])) if issue.assignees else None,
        "assignees": [user_json(urls, data.ensure_user(login)) for login in issue.assignees],
        "milestone": None,
        "comments": len(issue.comments),
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": iso(issue.closed_at),
        "author_association": issue.author_association,
        "active_lock_reason": None,
    }
    if issue.is_pull_request:
        out["draft"] = issue.draft
        out["pull_request"] = {
            "url": f"{base}/pulls/{n}",
            "html_url": html_url,
            "diff_url": f"{html_url}.diff",
            "patch_url": f"{html_url}.patch",
            "merged_at": iso(issue.merged_at),
        }
    r = issue.reactions
    out.update(
        {
            "body": issue.body,
            "reactions": {
                "url": f"{base}/issues/{n}/reactions",
                "total_count": sum(r),
                "+1": r[0],
                "-1": r[1],
                "laugh": r[2],
                "hooray": r[3],
                "confused": r[4],
                "heart": r[5],
                "rocket": r[6],
                "eyes": r[7],
            },
            "timeline_url": f"{base}/issues/{n}/timeline",
            "performed_via_github_app": None,
            "state_reason": issue.state_reason,
        }
    )
    if score is not None:
        out["score"] = score
    return out


def permissions_json(permission: Permission) -> JSON:
    return {
        "admin": permission_at_least(permission, "admin"),
        "maintain": permission_at_least(permission, "maintain"),
        "push": permission_at_least(permission, "write"),
        "triage": permission_at_least(permission, "triage"),
        "pull": permission_at_least(permission, "read"),
    }


def repo_json(urls: Urls, data: Dataset, repo: Repo, permission: Permission | None) -> JSON:
    """``GET /repos/{o}/{r}``: a full repository; ``permissions`` only for an authenticated caller."""
    base = f"{urls.api}/repos/{repo.full_name}"
    html = f"{urls.web}/{repo.full_name}"
    owner = data.ensure_user(repo.owner)
    open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
    out: JSON = {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": False,
        "owner": user_json(urls, owner),
        "html_url": html,
        "description": repo.description,
        "fork": False,
        "url": base,
    }
    for key, suffix in (
        ("forks_url", "/forks"),
        ("keys_url", "/keys{/key_id}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("teams_url", "/teams"),
        ("hooks_url", "/hooks"),
        ("issue_events_url", "/issues/events{/number}"),
        ("events_url", "/events"),
        ("assignees_url", "/assignees{/user}"),
        ("branches_url", "/branches{/branch}"),
        ("tags_url", "/tags"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("trees_url", "/git/trees{/sha}"),
        ("statuses_url", "/statuses/{sha}"),
        ("languages_url", "/languages"),
        ("stargazers_url", "/stargazers"),
        ("contributors_url", "/contributors"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("commits_url", "/commits{/sha}"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("comments_url", "/comments{/number}"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("contents_url", "/contents/{+path}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("merges_url", "/merges"),
        ("archive_url", "/{archive_format}{/ref}"),
        ("downloads_url", "/downloads"),
        ("issues_url", "/issues{/number}"),
        ("pulls_url", "/pulls{/number}"),
        ("milestones_url", "/milestones{/number}"),
        ("notifications_url", "/notifications{?since,all,participating}"),
        ("labels_url", "/labels{/name}"),
        ("releases_url", "/releases{/id}"),
        ("deployments_url", "/deployments"),
    ):
        out[key] = base + suffix
    host = urls.web.split("://", 1)[-1]
    out.update(
        {
            "created_at": iso(repo.created_at),
            "updated_at": iso(max([repo.created_at, *(i.updated_at for i in repo.issues.values())])),
            "pushed_at": iso(max([repo.created_at, *(i.updated_at for i in repo.issues.values())])),
            "git_url": f"git://{host}/{repo.full_name}.git",
            "ssh_url": f"git@{host}:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "homepage": None,
            "size": 1000 + repo.id % 100_000,
            "stargazers_count": repo.stargazers,
            "watchers_count": repo.stargazers,
            "language": repo.language,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": repo.stargazers // 8,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_issues,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "public",
            "forks": repo.stargazers // 8,
            "open_issues": open_issues,
            "watchers": repo.stargazers,
            "default_branch": default_branch(repo),
        }
    )
    if permission is not None:
        out["permissions"] = permissions_json(permission)
    out.update(
        {
            "temp_clone_token": None,
            "organization": user_json(urls, owner) if owner.type == "Organization" else None,
            "network_count": repo.stargazers // 8,
            "subscribers_count": repo.stargazers // 50,
        }
    )
    return out


def role_name(permission: Permission) -> str:
    return "none" if permission == "none" else permission


def legacy_permission(permission: Permission) -> str:
    """The ``permission`` field of the collaborator-permission endpoint maps triage/maintain down/up."""
    index = PERMISSION_ORDER.index(permission)
    return ("none", "read", "read", "write", "write", "admin")[index]


_NO_REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")


def comment_json(urls: Urls, data: Dataset, repo: Repo, issue: Issue, comment: Comment) -> JSON:
    """An issue comment, as ``GET /repos/{o}/{r}/issues/{n}/comments`` lists it."""
    api = f"{urls.api}/repos/{repo.full_name}"
    kind = "pull" if issue.is_pull_request else "issues"
    return {
        "url": f"{api}/issues/comments/{comment.id}",
        "html_url": f"{urls.web}/{repo.full_name}/{kind}/{issue.number}#issuecomment-{comment.id}",
        "issue_url": f"{api}/issues/{issue.number}",
        "id": comment.id,
        "node_id": node_id("IC", comment.id),
        "user": user_json(urls, data.ensure_user(comment.author)),
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.updated_at),
        "author_association": comment.author_association,
        "body": comment.body,
        "reactions": {
            "url": f"{api}/issues/comments/{comment.id}/reactions",
            "total_count": 0,
            **dict.fromkeys(_NO_REACTIONS, 0),
        },
        "performed_via_github_app": None,
    }


def event_json(urls: Urls, data: Dataset, repo: Repo, event: Event) -> JSON:
    """An issue event (``/issues/{n}/events``; the timeline lists the same objects)."""
    out: JSON = {
        "id": event.id,
        "node_id": node_id(_EVENT_NODE_PREFIX[event.kind], event.id),
        "url": f"{urls.api}/repos/{repo.full_name}/issues/events/{event.id}",
        "actor": user_json(urls, data.ensure_user(event.actor)),
        "event": event.kind,
        "commit_id": None,
        "commit_url": None,
        "created_at": iso(event.created_at),
    }
    if event.label is not None:
        out["label"] = {"name": event.label[0], "color": event.label[1]}
    if event.assignee is not None:
        out["assignee"] = user_json(urls, data.ensure_user(event.assignee))
        out["assigner"] = user_json(urls, data.ensure_user(event.actor))
    if event.kind == "closed":
        out["state_reason"] = None
    out["performed_via_github_app"] = None
    return out


_EVENT_NODE_PREFIX = {
    "labeled": "LE",
    "unlabeled": "UNLE",
    "assigned": "AE",
    "unassigned": "UAE",
    "closed": "CE",
    "reopened": "REE",
}


def timeline_comment_json(urls: Urls, data: Dataset, repo: Repo, issue: Issue, comment: Comment) -> JSON:
    """A comment as the timeline lists it: the comment, with ``event`` and ``actor``."""
    out = comment_json(urls, data, repo, issue, comment)
    out["event"] = "commented"
    out["actor"] = out["user"]
    return out


def content_json(urls: Urls, repo: Repo, path: str, content: bytes, branch: str) -> JSON:
    """``GET /repos/{o}/{r}/contents/{path}`` for a file: base64 in lines of 60, like GitHub."""
    sha = hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()
    encoded = base64.b64encode(content).decode()
    lines = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
    api = f"{urls.api}/repos/{repo.full_name}"
    quoted = quote(path)
    self_url = f"{api}/contents/{quoted}?ref={branch}"
    html_url = f"{urls.web}/{repo.full_name}/blob/{branch}/{quoted}"
    git_url = f"{api}/git/blobs/{sha}"
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "size": len(content),
        "url": self_url,
        "html_url": html_url,
        "git_url": git_url,
        "download_url": f"{urls.web}/{repo.full_name}/raw/{branch}/{quoted}",
        "type": "file",
        "content": lines,
        "encoding": "base64",
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def default_branch(repo: Repo) -> str:
    return "main" if repo.owner != "rust-lang" else "master"
