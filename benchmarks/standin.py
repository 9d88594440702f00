"""An independent GitHub stand-in for the benchmarks: standard library only, written apart from the app's
sandbox (``triageboard.sandbox``) so that the app is measured against something it was not written with.

    python benchmarks/standin.py [--issues 2000] [--latency 0.1] [--port 0] [--seed 7]

prints ``standin: API http://127.0.0.1:PORT/api/v3 token TOKEN`` and serves until SIGINT or SIGTERM.

What it serves, the way GitHub documents it: ``GET /user``; ``GET /repos/{o}/{r}`` (with ``permissions``);
``GET /repos/{o}/{r}/issues`` (``state``, ``labels`` = all of them, case-insensitive, ``since``, ``sort``,
``direction``, ``per_page`` up to 100, ``page``; pull requests included, with a ``pull_request`` key);
``GET /repos/{o}/{r}/issues/{n}`` and its ``labels``; ``POST`` and ``DELETE`` an issue's labels;
``GET /repos/{o}/{r}/issues/{n}/timeline`` (when each label and assignee was added);
``GET /repos/{o}/{r}/labels/{name}``; ``GET /search/issues`` (``repo:``, ``org:``, ``is:``, ``label:a,b``
(any of), ``-label:``, ``created:`` and ``updated:`` ranges, ``sort``/``order``; at most 1,000 results; no
ETags); ``GET /rate_limit``. Pagination ``Link`` headers use ``/repositories/{id}/issues`` URLs (to be
followed verbatim) with ``next``, ``last``, ``prev`` and ``first``. Weak ETags on every other GET; a
matching ``If-None-Match`` is answered 304 and, as on GitHub, not charged. Every answer waits
``latency`` seconds first (requests in flight wait together, as over a network).

Control (outside the API): ``GET /_standin/stats`` (requests, charged, not_modified, by_path),
``POST /_standin/reset``, ``POST /_standin/latency?seconds=S``, ``POST /_standin/change?k=K`` (K open
in-scope issues gain a label, as if someone triaged them: their ``updated_at`` moves).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import signal
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

TOKEN = "standin-token"  # noqa: S105 - a stand-in's published token
LOGIN = "bench-user"
REPOS = {"rust-lang/rust": 0.85, "rust-lang/wg-async": 0.15}
AREA = "A-async-await"
TRIAGE = ("AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other")
OTHER_LABELS = ("C-bug", "C-enhancement", "T-compiler", "T-lang", "I-ICE", "P-medium", "E-easy")
COLORS = {AREA: "f7e101", "E-mentor": "02e10c", "C-bug": "d73a4a", "AsyncAwait-Focus": "5319e7"}
START = datetime(2019, 1, 1, tzinfo=UTC)
END = datetime(2026, 10, 1, tzinfo=UTC)
SEARCH_CAP = 1000


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime | None:
    text = text.strip()
    try:
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


class World:
    """Issues of two repositories, made from a seed; changes bump ``updated_at`` to the real time."""

    def __init__(self, issues: int, seed: int) -> None:
        rng = random.Random(seed)
        self.lock = threading.Lock()
        self.repos: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in REPOS}
        self.repo_ids = {name: 1000 + n for n, name in enumerate(REPOS)}
        span = (END - START).total_seconds()
        names = list(REPOS)
        weights = list(REPOS.values())
        for n in range(issues):
            repo = rng.choices(names, weights)[0]
            number = len(self.repos[repo]) + 1
            created = START + timedelta(seconds=span * (n + rng.random()) / issues)
            updated = min(END, created + timedelta(days=rng.expovariate(1 / 60)))
            labels: list[str] = []
            roll = rng.random()
            if roll < 0.24:
                labels.append(AREA)
                triage = rng.random()
                if triage < 0.03:
                    labels.append(TRIAGE[0])
                elif triage < 0.18:
                    labels.append(TRIAGE[1])
                elif triage < 0.58:
                    labels.append(TRIAGE[2])
            elif roll < 0.26:
                labels.append(rng.choice(TRIAGE))  # a triage label without the area label
            if rng.random() < 0.12:
                labels.append("E-mentor")
            labels.extend(rng.sample(OTHER_LABELS, rng.randint(0, 2)))
            pull = rng.random() < 0.12
            closed = rng.random() < 0.18
            self.repos[repo][number] = {
                "number": number,
                "title": f"{'async' if AREA in labels else 'compiler'} issue {n}: "
                + rng.choice(["ICE in", "wrong lifetime in", "slow", "docs for", "diagnostic for"])
                + f" {rng.choice(['closures', 'traits', 'futures', 'Pin', 'Send bounds'])}",
                "labels": labels,
                "assignees": [rng.choice(["alice", "bob", "carol"])] if rng.random() < 0.3 else [],
                "user": f"user{rng.randint(1, 400)}",
                "state": "closed" if closed else "open",
                "pull": pull,
                "comments": rng.randint(0, 40),
                "created": created,
                "updated": updated,
                "closed": updated if closed else None,
                "body": f"Body of issue {n}. " * rng.randint(1, 20),
            }
        self.base = ""
        self.changes = 0

    # --- JSON ------------------------------------------------------------------------------------

    def issue_json(self, repo: str, issue: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.base}/api/v3"
        url = f"{api}/repos/{repo}/issues/{issue['number']}"
        data: dict[str, Any] = {
            "id": self.repo_ids[repo] * 100_000 + issue["number"],
            "node_id": f"I_{repo}_{issue['number']}",
            "url": url,
            "repository_url": f"{api}/repos/{repo}",
            "html_url": f"{self.base}/{repo}/{'pull' if issue['pull'] else 'issues'}/{issue['number']}",
            "number": issue["number"],
            "title": issue["title"],
            "state": issue["state"],
            "locked": False,
            "labels": [
                {"name": n, "color": COLORS.get(n, "ededed"), "description": None, "default": False}
                for n in issue["labels"]
            ],
            "assignee": {"login": issue["assignees"][0]} if issue["assignees"] else None,
            "assignees": [{"login": a, "id": 1, "type": "User"} for a in issue["assignees"]],
            "user": {"login": issue["user"], "id": 2, "type": "User"},
            "comments": issue["comments"],
            "created_at": iso(issue["created"]),
            "updated_at": iso(issue["updated"]),
            "closed_at": iso(issue["closed"]) if issue["closed"] else None,
            "body": issue["body"],
        }
        if issue["pull"]:
            data["pull_request"] = {"url": f"{api}/repos/{repo}/pulls/{issue['number']}"}
        return data

    def touch(self, issue: dict[str, Any]) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        issue["updated"] = max(now, issue["updated"] + timedelta(seconds=1))

    def change(self, k: int) -> int:
        """``k`` open in-scope issues gain a label (newest changed first), as a triager would do."""
        changed = 0
        self.changes += 1
        for repo in self.repos.values():
            for issue in sorted(repo.values(), key=lambda i: i["number"]):
                if changed >= k:
                    return changed
                wanted = AREA in issue["labels"] or any(t in issue["labels"] for t in TRIAGE)
                if wanted and issue["state"] == "open" and not issue["pull"]:
                    issue["labels"].append(f"bench-{self.changes}")
                    self.touch(issue)
                    changed += 1
        return changed


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.charged = 0
        self.not_modified = 0
        self.by_path: Counter[str] = Counter()

    def note(self, path: str, status: int) -> None:
        with self.lock:
            self.requests += 1
            self.by_path[path] += 1
            if status == 304:
                self.not_modified += 1
            else:
                self.charged += 1

    def json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "charged": self.charged,
                "not_modified": self.not_modified,
                "by_path": dict(self.by_path),
            }


class Handler(BaseHTTPRequestHandler):
    server: StandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        # The client may go away (a benchmark's window exits once painted).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    # --- plumbing ------------------------------------------------------------------------------

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _answer(
        self,
        status: int,
        data: Any,
        *,
        links: str = "",
        etag: bool = True,
        path: str = "",
        resource: str = "core",
    ) -> None:
        body = json.dumps(data).encode() if data is not None else b""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-RateLimit-Limit": "5000" if resource == "core" else "30",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Used": "1",
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Resource": resource,
            "X-GitHub-Api-Version-Selected": "2022-11-28",
        }
        if links:
            headers["Link"] = links
        if etag and status == 200 and self.command == "GET":
            tag = 'W/"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
            headers["ETag"] = tag
            if tag in (self.headers.get("If-None-Match") or ""):
                status, body = 304, b""
        self.server.stats.note(path or urlsplit(self.path).path, status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._answer(status, {"message": message, "documentation_url": "https://docs.github.com/rest"})

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        parts = [unquote(p) for p in url.path.split("/") if p]
        if parts[:1] == ["_standin"]:
            self._control(parts[1:], params)
            return
        time.sleep(self.server.latency)
        if parts[:2] != ["api", "v3"]:
            self._error(404, "Not Found")
            return
        if self.headers.get("Authorization", "") not in (f"Bearer {TOKEN}", f"token {TOKEN}"):
            self._error(401, "Bad credentials")
            return
        with self.server.world.lock:
            self._api(parts[2:], params)

    do_GET = do_POST = do_DELETE = _dispatch

    # --- the API ----------------------------------------------------------------------------------

    def _api(self, parts: list[str], params: dict[str, str]) -> None:
        world = self.server.world
        if parts == ["user"]:
            self._answer(200, {"login": LOGIN, "id": 1, "type": "User", "name": "Bench User"})
            return
        if parts == ["rate_limit"]:
            self._answer(200, {"resources": {"core": {"limit": 5000, "remaining": 4999}}}, etag=False)
            return
        if parts == ["search", "issues"]:
            self._search(params)
            return
        if len(parts) >= 2 and parts[0] == "repositories":
            repo = next((r for r, i in world.repo_ids.items() if str(i) == parts[1]), None)
            if repo is None:
                self._error(404, "Not Found")
                return
            parts = ["repos", *repo.split("/"), *parts[2:]]
        if len(parts) < 3 or parts[0] != "repos" or f"{parts[1]}/{parts[2]}" not in world.repos:
            self._error(404, "Not Found")
            return
        repo = f"{parts[1]}/{parts[2]}"
        rest = parts[3:]
        if not rest:
            self._answer(
                200,
                {
                    "full_name": repo,
                    "private": False,
                    "archived": False,
                    "permissions": {"admin": False, "push": False, "triage": True, "pull": True},
                },
            )
        elif rest == ["issues"]:
            self._list(repo, params)
        elif rest[:1] == ["labels"] and len(rest) == 2:
            known = {n.casefold() for i in world.repos[repo].values() for n in i["labels"]} | {
                t.casefold() for t in TRIAGE
            }
            if rest[1].casefold() in known:
                self._answer(200, {"name": rest[1], "color": "ededed", "description": None})
            else:
                self._error(404, "Not Found")
        elif rest[:1] == ["issues"] and len(rest) >= 2 and rest[1].isdigit():
            self._issue(repo, int(rest[1]), rest[2:])
        else:
            self._error(404, "Not Found")

    def _issue(self, repo: str, number: int, rest: list[str]) -> None:
        world = self.server.world
        issue = world.repos[repo].get(number)
        if issue is None:
            self._error(404, "Not Found")
            return
        labels = [{"name": n, "color": COLORS.get(n, "ededed"), "description": None} for n in issue["labels"]]
        if not rest:
            self._answer(200, world.issue_json(repo, issue))
        elif rest == ["labels"] and self.command == "GET":
            self._answer(200, labels)
        elif rest == ["timeline"] and self.command == "GET":
            base = f"{world.base}/api/v3/repositories/{world.repo_ids[repo]}/issues/{number}/timeline"
            self._paged(self._params(), _timeline(issue), base, lambda event: event)
        elif rest == ["labels"] and self.command == "POST":
            body = self._body()
            names = body.get("labels", []) if isinstance(body, dict) else []
            have = {n.casefold() for n in issue["labels"]}
            issue["labels"].extend(n for n in names if isinstance(n, str) and n.casefold() not in have)
            world.touch(issue)
            self._answer(200, [{"name": n, "color": "ededed", "description": None} for n in issue["labels"]])
        elif len(rest) == 2 and rest[0] == "labels" and self.command == "DELETE":
            gone = [n for n in issue["labels"] if n.casefold() == rest[1].casefold()]
            if not gone:
                self._error(404, "Label does not exist")
                return
            issue["labels"] = [n for n in issue["labels"] if n not in gone]
            world.touch(issue)
            self._answer(200, [{"name": n, "color": "ededed", "description": None} for n in issue["labels"]])
        else:
            self._error(404, "Not Found")

    def _params(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    def _list(self, repo: str, params: dict[str, str]) -> None:
        world = self.server.world
        state = params.get("state", "open")
        wanted = [n.strip().casefold() for n in params.get("labels", "").split(",") if n.strip()]
        since = parse_time(params["since"]) if params.get("since") else None
        if params.get("since") and since is None:
            self._error(422, "Validation Failed")
            return
        items = []
        for issue in world.repos[repo].values():
            if state != "all" and issue["state"] != state:
                continue
            have = {n.casefold() for n in issue["labels"]}
            if any(w not in have for w in wanted):
                continue
            if since is not None and issue["updated"] < since:
                continue
            items.append(issue)
        key = "updated" if params.get("sort") == "updated" else "created"
        items.sort(key=lambda i: (i[key], i["number"]), reverse=params.get("direction", "desc") != "asc")
        base = f"{world.base}/api/v3/repositories/{world.repo_ids[repo]}/issues"
        self._paged(params, items, base, lambda i: world.issue_json(repo, i))

    def _paged(
        self,
        params: dict[str, str],
        items: list[Any],
        base: str,
        render: Any,
        cap: int | None = None,
        extra: dict[str, Any] | None = None,
        resource: str = "core",
    ) -> None:
        try:
            per_page = max(1, min(100, int(params.get("per_page", "30"))))
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            self._error(422, "Validation Failed")
            return
        available = len(items) if cap is None else min(len(items), cap)
        if cap is not None and (page - 1) * per_page >= cap:
            self._error(422, "Only the first 1000 search results are available")
            return
        last = max(1, -(-available // per_page))
        chosen = items[(page - 1) * per_page : min(page * per_page, available)]
        keep = [(k, v) for k, v in params.items() if k != "page"]

        def url(n: int) -> str:
            return f"{base}?{urlencode([*keep, ('page', str(n))], quote_via=quote)}"

        links = []
        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
        data: Any = [render(i) for i in chosen]
        if extra is not None:
            data = {**extra, "items": data}
        self._answer(200, data, links=", ".join(links), etag=extra is None, resource=resource)

    def _search(self, params: dict[str, str]) -> None:
        world = self.server.world
        q = params.get("q", "")
        repos = set(world.repos)
        checks: list[Any] = []
        for token in _tokens(q):
            negate = token.startswith("-")
            key, _, value = token.lstrip("-").partition(":")
            value = value.strip('"')
            if key == "repo":
                repos &= {value}
            elif key in ("org", "user"):
                repos &= {r for r in world.repos if r.split("/")[0] == value}
            elif key == "is" and value in ("issue", "pr"):
                checks.append((negate, lambda i, pr=value == "pr": i["pull"] == pr))
            elif key == "is" and value in ("open", "closed"):
                checks.append((negate, lambda i, s=value: i["state"] == s))
            elif key == "label":
                names = {n.strip('"').casefold() for n in value.split('","') for n in n.split(",")}
                checks.append((negate, lambda i, ns=names: bool(ns & {x.casefold() for x in i["labels"]})))
            elif key in ("created", "updated"):
                check = _time_check(key, value)
                if check is None:
                    self._error(422, "Validation Failed")
                    return
                checks.append((negate, check))
        items = [
            (repo, issue)
            for repo in sorted(repos)
            for issue in world.repos[repo].values()
            if all(ok(issue) != negate for negate, ok in checks)
        ]
        field = {"created": "created", "updated": "updated"}.get(params.get("sort", ""), "created")
        newest_first = params.get("order") != "asc"
        items.sort(key=lambda ri: (ri[1][field], ri[0], ri[1]["number"]), reverse=newest_first)
        base = f"{world.base}/api/v3/search/issues"
        extra = {"total_count": len(items), "incomplete_results": False}
        self._paged(
            params,
            items,
            base,
            lambda ri: world.issue_json(*ri),
            cap=SEARCH_CAP,
            extra=extra,
            resource="search",
        )

    # --- control ------------------------------------------------------------------------------------

    def _control(self, parts: list[str], params: dict[str, str]) -> None:
        server = self.server
        if parts == ["stats"]:
            data: Any = server.stats.json()
        elif parts == ["reset"]:
            server.stats.reset()
            data = {"ok": True}
        elif parts == ["latency"]:
            server.latency = float(params.get("seconds", "0"))
            data = {"latency": server.latency}
        elif parts == ["change"]:
            with server.world.lock:
                data = {"changed": server.world.change(int(params.get("k", "1")))}
        else:
            data = {"message": "unknown control"}
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _timeline(issue: dict[str, Any]) -> list[dict[str, Any]]:
    """An issue's timeline as the board reads it: when each label and assignee was added (oldest first)."""
    at = issue["created"] + timedelta(hours=1)
    actor = {"login": "triager", "id": 3, "type": "User"}
    events: list[dict[str, Any]] = [
        {"event": "labeled", "created_at": iso(at), "actor": actor, "label": {"name": n, "color": "ededed"}}
        for n in issue["labels"]
    ]
    events += [
        {"event": "assigned", "created_at": iso(at), "actor": actor, "assignee": {"login": a}}
        for a in issue["assignees"]
    ]
    return events


def _tokens(q: str) -> list[str]:
    tokens, current, quoted = [], "", False
    for ch in q:
        if ch == '"':
            quoted = not quoted
        if ch.isspace() and not quoted:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += ch
    if current:
        tokens.append(current)
    return tokens


def _time_check(key: str, value: str) -> Any:
    field = "created" if key == "created" else "updated"
    lo = hi = None
    if ".." in value:
        a, b = value.split("..", 1)
        lo = parse_time(a) if a not in ("", "*") else None
        hi = parse_time(b) if b not in ("", "*") else None
        if (a not in ("", "*") and lo is None) or (b not in ("", "*") and hi is None):
            return None
        if hi is not None and "T" not in b:
            hi += timedelta(days=1, seconds=-1)
    elif value.startswith(">="):
        lo = parse_time(value[2:])
    elif value.startswith(">"):
        lo = parse_time(value[1:])
        lo = lo + timedelta(seconds=1) if lo else None
    elif value.startswith("<="):
        hi = parse_time(value[2:])
    elif value.startswith("<"):
        hi = parse_time(value[1:])
        hi = hi - timedelta(seconds=1) if hi else None
    else:
        lo = parse_time(value)
        hi = lo + timedelta(days=1, seconds=-1) if lo else None
    if lo is None and hi is None:
        return None
    return lambda i: (lo is None or i[field] >= lo) and (hi is None or i[field] <= hi)


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, world: World, latency: float) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.world = world
        self.latency = latency
        self.stats = Stats()
        world.base = f"http://127.0.0.1:{self.server_address[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    server = StandIn(args.port, World(args.issues, args.seed), args.latency)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"standin: API {server.world.base}/api/v3 token {TOKEN}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
