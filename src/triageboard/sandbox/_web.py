"""The web side at the server's root: tiny HTML pages for ``html_url``s, raw files, avatars."""

from __future__ import annotations

import hashlib
import html
import struct
import zlib

from ._http import Request, Response
from ._model import Issue
from ._render import default_branch
from ._world import World

_STYLE = (
    "body{font-family:sans-serif;max-width:50em;margin:2em auto;padding:0 1em}"
    ".label{display:inline-block;padding:0 .5em;margin:0 .2em;border-radius:1em;font-size:.85em}"
    "pre{white-space:pre-wrap;background:#f6f8fa;padding:1em}"
)


def page(title: str, body: str, status: int = 200) -> Response:
    document = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
    return Response(status, [("Content-Type", "text/html; charset=utf-8")], document.encode())


def not_found_page() -> Response:
    return page(
        "Page not found · Sandbox", "<h1>404</h1><p>This is not the web page you are looking for.</p>", 404
    )


def handle(world: World, request: Request, segments: list[str]) -> Response:
    """Called with the world's lock held."""
    match segments:
        case []:
            return _index(world)
        case ["avatars", "u", user_id] if user_id.isdigit():
            return Response(
                200, [("Content-Type", "image/png"), ("Cache-Control", "max-age=300")], avatar(int(user_id))
            )
        case [owner, name, ("issues" | "pull"), number] if number.isdigit():
            return _issue_page(world, f"{owner}/{name}", int(number))
        case [owner, name, ("raw" | "blob") as kind, branch, *path] if path:
            return _file(world, f"{owner}/{name}", branch, "/".join(path), raw=kind == "raw")
        case [owner, name]:
            repo = world.data.repo(f"{owner}/{name}")
            if repo is None:
                return not_found_page()
            open_count = sum(1 for i in repo.issues.values() if i.state == "open")
            return page(
                repo.full_name,
                f"<h1>{html.escape(repo.full_name)}</h1><p>{html.escape(repo.description or '')}</p>"
                f"<p>{open_count} open issues and pull requests.</p>",
            )
        case [login]:
            user = world.data.user(login)
            if user is None:
                return not_found_page()
            return page(
                user.login,
                f"<h1>{html.escape(user.name or user.login)}</h1><p>@{html.escape(user.login)}</p>",
            )
    return not_found_page()


def _index(world: World) -> Response:
    items = "".join(
        f"<li><a href='/{html.escape(r.full_name)}'>{html.escape(r.full_name)}</a>"
        f" ({len(r.issues)} issues)</li>"
        for r in world.data.repos.values()
    )
    return page(
        "triageboard sandbox",
        f"<h1>triageboard sandbox</h1><p>REST API: <code>{html.escape(world.urls.api)}</code></p>"
        f"<ul>{items}</ul>",
    )


def _comments_html(issue: Issue) -> str:
    return "".join(
        f"<h3 id='issuecomment-{c.id}'>{html.escape(c.author)} commented</h3><pre>{html.escape(c.body)}</pre>"
        for c in issue.comments
    )


def _issue_page(world: World, full_name: str, number: int) -> Response:
    repo = world.data.repo(full_name)
    issue = None if repo is None else repo.issues.get(number)
    if repo is None or issue is None:
        return not_found_page()
    labels = "".join(
        f"<span class='label' style='background:#{html.escape(label.color)}'>{html.escape(label.name)}</span>"
        for label in issue.labels
    )
    assignees = ", ".join(html.escape(a) for a in issue.assignees) or "nobody"
    body = (
        f"<h1>{html.escape(issue.title)} <small>#{issue.number}</small></h1>"
        f"<p>{html.escape(issue.state)} · opened by {html.escape(issue.author)} · assigned to {assignees}</p>"
        f"<p>{labels}</p><pre>{html.escape(issue.body or 'No description provided.')}</pre>"
        + _comments_html(issue)
    )
    return page(f"{issue.title} · Issue #{issue.number} · {repo.full_name}", body)


def _file(world: World, full_name: str, branch: str, path: str, *, raw: bool) -> Response:
    repo = world.data.repo(full_name)
    content = None if repo is None or branch != default_branch(repo) else repo.files.get(path)
    if repo is None or content is None:
        return not_found_page()
    if raw:
        return Response(200, [("Content-Type", "text/plain; charset=utf-8")], content)
    text = content.decode("utf-8", "replace")
    return page(
        f"{path} at {branch} · {repo.full_name}",
        f"<h1>{html.escape(path)}</h1><pre>{html.escape(text)}</pre>",
    )


# -- avatars ---------------------------------------------------------------------------------------


def avatar(user_id: int, size: int = 40) -> bytes:
    """A 5x5 identicon PNG, so that avatars in the demo never need the network."""
    digest = hashlib.sha256(str(user_id).encode()).digest()
    fg = (digest[0] // 2 + 64, digest[1] // 2 + 64, digest[2] // 2 + 64)
    bg = (240, 240, 240)
    cells = [[(digest[3 + row * 3 + min(col, 4 - col)] & 1) == 1 for col in range(5)] for row in range(5)]
    cell = size // 5
    rows = []
    for y in range(size):
        line = bytearray(b"\x00")
        for x in range(size):
            on = cells[min(y // cell, 4)][min(x // cell, 4)]
            line.extend(fg if on else bg)
        rows.append(bytes(line))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
