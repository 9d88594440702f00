"""The web side at the server's root: tiny HTML pages for ``html_url``s, avatars, and the device flow."""

from __future__ import annotations

import hashlib
import html
import json
import struct
import zlib
from urllib.parse import parse_qsl, urlencode

from ._device import oauth_error
from ._http import Request, Response
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
    method = request.method
    match segments:
        case []:
            return _index(world)
        case ["login", "device", "code"] if method == "POST":
            return _device_code(world, request)
        case ["login", "oauth", "access_token"] if method == "POST":
            return _access_token(world, request)
        case ["login", "device"]:
            return _device_page(world, request) if method != "POST" else _device_decide(world, request)
        case ["avatars", "u", user_id] if user_id.isdigit():
            return Response(
                200, [("Content-Type", "image/png"), ("Cache-Control", "max-age=300")], avatar(int(user_id))
            )
        case [owner, name, ("issues" | "pull"), number] if number.isdigit():
            return _issue_page(world, f"{owner}/{name}", int(number))
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
        f"<ul>{items}</ul><p><a href='/login/device'>Approve a device</a></p>",
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
    )
    return page(f"{issue.title} · Issue #{issue.number} · {repo.full_name}", body)


# -- device flow -----------------------------------------------------------------------------------


def _form(request: Request) -> dict[str, str]:
    """Parameters from the query string and the body (form-encoded or JSON)."""
    values = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = (request.header("Content-Type") or "").lower()
    if "json" in content_type:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            data = {}
        if isinstance(data, dict):
            values.update({str(k): str(v) for k, v in data.items() if v is not None})
    else:
        values.update(dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)))
    return values


def _oauth_answer(request: Request, status: int, data: dict[str, object]) -> Response:
    """JSON when the client accepts it, else form-encoded like github.com's default."""
    if "application/json" in (request.header("Accept") or "").lower():
        body = json.dumps(data).encode()
        content_type = "application/json; charset=utf-8"
    else:
        body = urlencode({k: str(v) for k, v in data.items()}).encode()
        content_type = "application/x-www-form-urlencoded; charset=utf-8"
    return Response(status, [("Content-Type", content_type), ("Cache-Control", "no-store")], body)


def _device_code(world: World, request: Request) -> Response:
    form = _form(request)
    scope = ",".join(form.get("scope", "").replace(",", " ").split())
    status, data = world.devices.start(form.get("client_id", ""), scope, f"{world.urls.web}/login/device")
    return _oauth_answer(request, status, data)


def _access_token(world: World, request: Request) -> Response:
    form = _form(request)
    if "device_code" not in form:
        return _oauth_answer(request, 200, oauth_error("incorrect_device_code"))
    data = world.devices.poll(form.get("client_id", ""), form["device_code"], form.get("grant_type", ""))
    return _oauth_answer(request, 200, data)


def _device_page(world: World, request: Request) -> Response:
    params = request.params()
    note = ""
    if params.get("result"):
        note = f"<p><strong>{html.escape(params['result'])}</strong></p>"
    rows = "".join(
        "<li><form method='post' action='/login/device'>"
        f"<code>{html.escape(code.user_code)}</code> (scope: {html.escape(code.scope or 'none')}) "
        f"<input type='hidden' name='user_code' value='{html.escape(code.user_code)}'>"
        "<button name='action' value='approve'>Authorize</button> "
        "<button name='action' value='deny'>Cancel</button></form></li>"
        for code in world.devices.pending()
    )
    body = (
        "<h1>Device activation</h1>" + note + "<form method='post' action='/login/device'>"
        "<label>Enter the code displayed on your device: <input name='user_code' autofocus></label> "
        "<button name='action' value='approve'>Continue</button></form>"
        f"<h2>Waiting devices</h2><ul>{rows or '<li>none</li>'}</ul>"
    )
    return page("Device activation · Sandbox", body)


def _device_decide(world: World, request: Request) -> Response:
    form = _form(request)
    approve = form.get("action", "approve") != "deny"
    try:
        world.devices.decide(form.get("user_code", ""), approve=approve)
    except KeyError:
        result = "That code is not valid."
    else:
        result = (
            "Device authorized: you can return to your device." if approve else "Authorization cancelled."
        )
    return Response(
        303, [("Location", "/login/device?" + urlencode({"result": result})), ("Content-Length", "0")]
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
