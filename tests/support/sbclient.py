"""A deliberately plain HTTP client for the sandbox tests: http.client, one connection per request.

Paths are sent exactly as given, so the tests control percent-encoding byte for byte.
"""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sandboxkit import Sandbox

DEFAULT = object()
USER_AGENT = "triageboard-sandbox-tests"
DATA = Path(__file__).resolve().parent.parent / "data"


def recorded(name: str) -> list[dict[str, Any]]:
    """The recorded exchanges of ``tests/data/octokit-{name}.normalized-fixture.json``."""
    path = DATA / f"octokit-{name}.normalized-fixture.json"
    answer: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return answer


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def links(self) -> dict[str, str]:
        return parse_links(self.header("Link"))


def parse_links(header: str | None) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>;\s*rel="([^"]+)"', header or "")}


class Api:
    """Requests to one sandbox; ``token`` None sends no Authorization header."""

    def __init__(self, sb: Sandbox, token: str | object | None = DEFAULT, *, timeout: float = 10.0) -> None:
        self.sb = sb
        self.token = sb.token if token is DEFAULT else token
        self.timeout = timeout

    def url(self, path: str) -> str:
        if path.startswith("http"):
            return path
        if path.startswith("/"):  # the web root: device flow, pages, control API
            return self.sb.web_url + path
        return f"{self.sb.api_url}/{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        form: dict[str, str] | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | object | None = DEFAULT,
        timeout: float | None = None,
        skip_user_agent: bool = False,
    ) -> Reply:
        parts = urlsplit(self.url(path))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": USER_AGENT,  # GitHub refuses requests without one
        }
        the_token = self.token if token is DEFAULT else token
        if the_token is not None:
            sent["Authorization"] = f"Bearer {the_token}"
        body: bytes | None = raw
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        if skip_user_agent:
            del sent["User-Agent"]
        assert parts.hostname is not None
        assert parts.port is not None
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout or self.timeout)
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            with response:
                data = response.read()
            return Reply(response.status, response.headers, data)
        finally:
            connection.close()

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: object = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path: str, body: object = None, **kw: Any) -> Reply:
        return self.request("PUT", path, json_body=body, **kw)

    def patch(self, path: str, body: object = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)

    def follow(self, path: str, **kw: Any) -> tuple[list[Any], list[str]]:
        """Every item of a paginated list, following ``rel="next"`` verbatim; also the URLs visited."""
        items: list[Any] = []
        visited: list[str] = []
        url: str | None = self.url(path)
        while url is not None:
            visited.append(url)
            reply = self.get(url, **kw)
            assert reply.status == 200, reply.body
            page = reply.json()
            items.extend(page["items"] if isinstance(page, dict) else page)
            url = reply.links().get("next")
        return items, visited
