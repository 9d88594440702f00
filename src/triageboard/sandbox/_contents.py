"""Repository contents: ``GET /repos/{o}/{r}/contents/{path}`` for the files a repository keeps.

JSON with base64 content by default; the bytes themselves with ``Accept: application/vnd.github.raw``.
Both carry ETags (the dispatcher adds them), so a client can revalidate a file it keeps.
"""

from __future__ import annotations

from ._http import Request
from ._model import Repo
from ._render import content_json, default_branch
from ._rest import DOCS, ApiError, Result, not_found
from ._world import World

CONTENTS_DOC = f"{DOCS}/repos/contents#get-repository-content"
RAW_TYPES = ("application/vnd.github.raw", "application/vnd.github.v3.raw")


def get_contents(world: World, request: Request, repo: Repo, path: str) -> Result:
    content = repo.files.get(path.strip("/"))
    if content is None:
        raise not_found(CONTENTS_DOC)
    branch = request.params().get("ref") or default_branch(repo)
    if branch != default_branch(repo):
        raise ApiError(404, f"No commit found for the ref {branch}", CONTENTS_DOC)
    accept = (request.header("Accept") or "").lower()
    if any(kind in accept for kind in RAW_TYPES):
        return Result(
            200,
            None,
            [("X-GitHub-Media-Type", "github.v3; param=raw")],
            accepted_scopes="repo",
            raw=content,
            content_type="text/plain; charset=utf-8",
        )
    body = content_json(world.urls, repo, path.strip("/"), content, branch)
    return Result(200, body, accepted_scopes="repo")
