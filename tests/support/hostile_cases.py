"""The hostile-input corpus (issue 10): one declarative record per case.

Each case says what the server (or a file, or an argument) does, which commands run, how long each may
take, and what the user must be told. ``xfail`` holds why a case fails today; each fix flips one (strict).
Paths in rules are regexes on the request target; ``{api}``-style placeholders are explained in
``hostile_harness.Step``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from hostile_harness import CLOCK, Case, Context, Step, clear_of_both_clocks
from hostile_server import (
    Exchange,
    Rule,
    answer,
    cut,
    drip,
    error,
    huge,
    proxy,
    raw,
    redirect,
    relative_links,
    reset,
    short_length,
    stall,
)

# --- what requests look like -------------------------------------------------------------------------

LIST = r"/repos/rust-lang/rust/issues\?"  # a page of a board series (GET)
AREA_LIST = r"/repos/rust-lang/rust/issues\?.*labels=A-async-await"  # the area label's series only
ISSUE_LABELS = r"/issues/\d+/labels\?"  # the engine reads an issue's labels (GET)
ADD = r"/issues/\d+/labels$"  # POST: add labels
REMOVE = r"/issues/\d+/labels/"  # DELETE: remove one label
SEARCH = r"/search/issues\?"
MB = 1024 * 1024
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b1m \u202eevil\u202c"
GONE_WRONG = r"try again|later|report"  # what to do after a failure that may pass
NOT_NETWORK = r"cannot reach|network connection"  # misleading when the network is fine
ADVICE = r"try again|later|report|check"  # what to do about an answer that cannot be taken


def gets(path: str, action: Callable[[Exchange], None], times: int | None = None) -> Rule:
    return Rule(action, method="GET", path=path, times=times)


def posts(path: str, action: Callable[[Exchange], None], times: int | None = None) -> Rule:
    return Rule(action, method="POST", path=path, times=times)


def deletes(path: str, action: Callable[[Exchange], None], times: int | None = None) -> Rule:
    return Rule(action, method="DELETE", path=path, times=times)


# --- steps ---------------------------------------------------------------------------------------------


def listing(exit: int | frozenset[int] = 0, say: tuple[str, ...] = (), **kw: Any) -> Step:
    return Step(("list",), exit=exit, say=say, **kw)


def search(**kw: Any) -> Step:
    """``list`` of a board made by a search (no repository series)."""
    return Step(("list", "--query", "org:rust-lang", "--api-url", "{api}"), board=False, **kw)


def full_listing(**kw: Any) -> Step:
    return Step(("list",), exit=0, full_board=True, **kw)


def move(
    issue: str = "{uncat}",
    column: str = "Focus",
    *,
    wait: float = 10,
    exit: int | frozenset[int] = 3,
    say: tuple[str, ...] = ("queued", "triageboard sync"),
    **kw: Any,
) -> Step:
    """``wait``: the --wait, in seconds of the run's clock (ten to a real second: 10 is one real second)."""
    return Step(("move", issue, column, "--wait", f"{wait:g}"), exit=exit, say=say, **kw)


def healthy_sync(wait: float = 50, say: tuple[str, ...] = (r"\tdone\t",), **kw: Any) -> Step:
    """GitHub is healthy again: a sync sends what waits (``wait`` in clock seconds, as for :func:`move`)."""
    return Step(("sync", "--wait", f"{wait:g}"), exit=0, say=say, rules=(), **kw)


def window(seconds: float = 3.0, **kw: Any) -> Step:
    kw.setdefault("exit", 0)
    kw.setdefault("bound", seconds + 15)
    return Step(("--refresh-minutes", "0"), window=seconds, **kw)


# --- data rewrites (the sandbox's JSON, reshaped) ------------------------------------------------------


def each_issue(change: Callable[[dict[str, Any]], None]) -> Callable[[object], object]:
    def rewrite(items: object) -> object:
        assert isinstance(items, list)
        for item in items:
            change(item)
        return items

    return rewrite


def first_issue(change: Callable[[dict[str, Any]], None]) -> Callable[[object], object]:
    def rewrite(items: object) -> object:
        assert isinstance(items, list)
        if items:
            change(items[0])
        return items

    return rewrite


def _labels_as_strings(issue: dict[str, Any]) -> None:
    issue["labels"] = [label["name"] for label in issue["labels"]]


def _documented_nulls(issue: dict[str, Any]) -> None:
    for label in issue["labels"]:
        label["color"] = None
        label["description"] = None
    issue.update(body=None, assignee=None, milestone=None, closed_at=None, assignees=[])


def _null_title(issue: dict[str, Any]) -> None:
    issue["title"] = None


def _number_as_string(issue: dict[str, Any]) -> None:
    issue["number"] = str(issue["number"])


def _ten_thousand_labels(issue: dict[str, Any]) -> None:
    issue["labels"] += [
        {"name": f"T-extra-{i}", "color": "ededed", "description": None} for i in range(10_000)
    ]


def _evil_title(issue: dict[str, Any]) -> None:
    issue["title"] = f"evil {ESCAPES} title"


def _escape_label(labels: object) -> object:
    assert isinstance(labels, list)
    return [*labels, {"name": f"evil{ESCAPES}", "color": "ededed", "description": None}]


def _deeply_nested(_body: bytes) -> bytes:
    return b"[" * 200_000 + b"]" * 200_000


def _endless(x: Exchange) -> None:
    """A page with one more page after it, always at a new URL."""
    target = x.request.target
    page = int(target.rpartition("endless=")[2]) + 1 if "endless=" in target else 1
    path = target.partition("?")[0]
    link = f'<{x.server.origin}{path}?per_page=100&endless={page}>; rel="next"'
    x.send(200, b"[]", [("Content-Type", "application/json"), ("Link", link)])


def _endless_search(x: Exchange) -> None:
    target = x.request.target
    page = int(target.rpartition("endless=")[2]) + 1 if "endless=" in target else 1
    link = f'<{x.server.origin}/api/v3/search/issues?q=x&per_page=100&endless={page}>; rel="next"'
    body = json.dumps({"total_count": 10**9, "incomplete_results": False, "items": []}).encode()
    x.send(200, body, [("Content-Type", "application/json"), ("Link", link)])


def _link_elsewhere(header: str | None, x: Exchange) -> str | None:
    """The next page on another host (same path)."""
    return f'<{x.server.elsewhere}{x.request.target}&next=1>; rel="next"'


def _same_link(header: str | None, x: Exchange) -> str | None:
    return f'<{x.server.origin}{x.request.target}>; rel="next"'


def _far_reset() -> Callable[[Exchange], None]:
    """A primary limit whose reset is a century (and some hours) ahead: on the run's clock, as GitHub's
    headers are on the clients' (the sandbox's own headers are on that clock too)."""

    def act(x: Exchange) -> None:
        now = CLOCK.time()
        reset_at = int(now + 100 * 365 * 86400 + clear_of_both_clocks(now))
        headers = [
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-used", "5000"),
            ("x-ratelimit-reset", str(reset_at)),
            ("x-ratelimit-resource", "core"),
        ]
        error(403, "API rate limit exceeded for user ID 1.", headers)(x)

    return act


def _soon_reset(seconds: int) -> Callable[[Exchange], None]:
    """A primary limit that resets ``seconds`` from now on the run's clock (negative: already past)."""

    def act(x: Exchange) -> None:
        headers = [
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", str(int(CLOCK.time()) + seconds)),
            ("x-ratelimit-resource", "core"),
        ]
        error(403, "API rate limit exceeded for user ID 1.", headers)(x)

    return act


SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach "
    "out to GitHub Support for help, please include the request ID."
)
UNICORN = (
    b"<!DOCTYPE html><html><head><title>Unicorn! &middot; GitHub</title></head><body><h1>No server is "
    b"currently available to service your request.</h1></body></html>"
)


# --- files ---------------------------------------------------------------------------------------------


def _sql(path_of: Callable[[Context], object], *statements: str) -> Callable[[Context], None]:
    def prepare(ctx: Context) -> None:
        conn = sqlite3.connect(str(path_of(ctx)))
        try:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        finally:
            conn.close()

    return prepare


def _write(name: str, data: bytes, where: str = "dir") -> Callable[[Context], None]:
    """Write ``data`` to ``name`` in the case's folder ("dir") or triageboard's config folder ("config")."""

    def prepare(ctx: Context) -> None:
        folder = ctx.config if where == "config" else ctx.root
        (folder / name).write_bytes(data)

    return prepare


def _garbage_outbox(ctx: Context) -> None:
    ctx.outbox.parent.mkdir(parents=True, exist_ok=True)
    ctx.outbox.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)


def _garbage_cache(ctx: Context) -> None:
    ctx.page_cache.parent.mkdir(parents=True, exist_ok=True)
    ctx.page_cache.write_bytes(b"\x00garbage, not a database\xff" * 500)


def outbox(ctx: Context) -> object:
    return ctx.outbox


def page_cache(ctx: Context) -> object:
    return ctx.page_cache


BOARD = """name = "hostile"
repos = ["rust-lang/rust"]
area_labels = ["A-async-await"]
[[columns]]
name = "Focus"
labels = ["AsyncAwait-Focus"]
"""

ODD_BOARD = """name = "odd"
repos = ["rust-lang/rust"]
area_labels = ["A-async-await"]
[[columns]]
name = "Odd"
labels = [".."]
[[columns]]
name = "Slash"
labels = ["area/async %2F"]
"""


# --- the corpus ----------------------------------------------------------------------------------------


def corpus() -> list[Case]:
    return [
        # --- controls: the harness itself, and behaviour that works today ------------------------------
        Case("healthy_list", "GitHub behaves", (full_listing(),)),
        Case(
            "healthy_move",
            "GitHub behaves; a move goes through",
            (move(exit=0, say=(r"\tFocus\tdone\t",)),),
            outcome="done",
        ),
        Case(
            "title_with_escapes",
            "issue titles carry ESC/OSC/BEL/C1/bidi sequences",
            (full_listing(),),
            rules=(gets(LIST, proxy(data=each_issue(_evil_title))),),
        ),
        Case(
            "reset_once_then_healthy",
            "the first connection is reset (TCP RST), then GitHub answers",
            (full_listing(),),
            rules=(gets(LIST, reset(), times=1),),
        ),
        Case(
            "window_healthy", "the window against a healthy GitHub", (window(5, say=(r"[1-9]\d* issues",)),)
        ),
        # --- JSON: malformed, wrongly shaped ------------------------------------------------------------
        Case(
            "json_truncated",
            "a page whose JSON stops half way (an honest Content-Length)",
            (listing(1, ("malformed|could not be read", GONE_WRONG)),),
            rules=(gets(LIST, proxy(body=lambda b: b[: len(b) // 2])),),
        ),
        Case(
            "json_object_for_list",
            "an object where the list of issues is due",
            (listing(1, ("GitHub sent", GONE_WRONG)),),
            rules=(gets(LIST, answer(200, {"message": "ok", "items": []})),),
        ),
        Case(
            "json_labels_as_strings",
            "labels as plain strings (documented for some payloads)",
            (full_listing(),),
            rules=(gets(LIST, proxy(data=each_issue(_labels_as_strings))),),
        ),
        Case(
            "json_documented_nulls",
            "null colour, description, body, assignee, milestone (all documented)",
            (full_listing(),),
            rules=(gets(LIST, proxy(data=each_issue(_documented_nulls))),),
        ),
        Case(
            "json_null_title",
            "an issue whose title is null",
            (listing(1, ("GitHub sent", "title", GONE_WRONG)),),
            rules=(gets(LIST, proxy(data=first_issue(_null_title))),),
        ),
        Case(
            "json_number_as_string",
            "an issue number sent as a string",
            (listing(1, ("GitHub sent", "number", GONE_WRONG)),),
            rules=(gets(LIST, proxy(data=first_issue(_number_as_string))),),
        ),
        Case(
            "json_deeply_nested",
            "200,000 nested arrays",
            (listing(1, ("malformed|could not be read", GONE_WRONG)),),
            rules=(gets(LIST, proxy(body=_deeply_nested)),),
        ),
        Case(
            "json_ten_thousand_labels",
            "one issue with 10,000 labels",
            (full_listing(bound=20),),
            rules=(gets(AREA_LIST, proxy(data=first_issue(_ten_thousand_labels)), times=1),),
        ),
        Case(
            "json_not_utf8",
            "a page with bytes that are not UTF-8",
            (listing(1, ("malformed|could not be read", GONE_WRONG)),),
            rules=(gets(LIST, answer(200, b'[{"number": 1, "title": "\xff\xfe\xfd"}]')),),
        ),
        Case(
            "json_search_list_for_object",
            "a search answer that is a list instead of an object",
            (search(exit=1, say=("GitHub sent", GONE_WRONG)),),
            rules=(gets(SEARCH, answer(200, [1, 2, 3])),),
        ),
        Case(
            "json_add_answer_wrong_shape",
            "every label POST is applied, but its answer is an object where the list is due",
            # --wait 2 is shorter than the engine's first pause before another attempt (2.5 s at least):
            # the move must be found done by reading the labels back, not by a second, blind attempt.
            (move(wait=2, exit=0, say=(r"\tdone\t",)),),
            rules=(posts(ADD, proxy(data=lambda _labels: {"labels": "AsyncAwait-Focus"})),),
            outcome="done",
        ),
        # --- huge bodies --------------------------------------------------------------------------------
        Case(
            "huge_body_declared",
            "a 50 MB answer announced by Content-Length",
            (listing(1, ("larger", GONE_WRONG), bound=20),),
            rules=(gets(LIST, huge(50 * MB, declare=True)),),
        ),
        Case(
            "huge_body_chunked",
            "a 50 MB chunked answer without Content-Length",
            (listing(1, ("larger", GONE_WRONG), bound=25),),
            rules=(gets(LIST, huge(50 * MB, declare=False)),),
        ),
        Case(
            "huge_body_window",
            "the window refreshes against a 50 MB chunked answer",
            (window(3, exit=3, say=("did not load", "larger")),),
            rules=(gets(LIST, huge(50 * MB, declare=False)),),
        ),
        Case(
            "huge_body_during_move",
            "a 50 MB answer to the engine's read of the issue's labels",
            (move(bound=25), healthy_sync()),
            rules=(gets(ISSUE_LABELS, huge(50 * MB, declare=True)),),
            outcome="done",
        ),
        # --- broken framing -----------------------------------------------------------------------------
        Case(
            "cut_mid_body",
            "every page is cut half way and the connection closed",
            (listing(1, (r"reach|connection", r"check|try again|later")),),
            rules=(gets(LIST, cut(0.5)),),
        ),
        Case(
            "length_lies_longer",
            "Content-Length claims 1,000 bytes more than are sent, then the connection closes",
            (listing(1, (r"reach|connection", r"check|try again|later")),),
            rules=(gets(LIST, cut(declared_extra=1000)),),
        ),
        Case(
            "length_lies_shorter",
            "Content-Length claims 20 bytes; the rest spills into the next answer on the connection",
            (listing(1, ("malformed|could not be read", GONE_WRONG)),),
            rules=(gets(LIST, short_length(20)),),
        ),
        Case(
            "reset_always",
            "every connection is reset before an answer",
            (listing(1, (r"reach|connection", r"check|try again|later")),),
            rules=(gets(LIST, reset()),),
        ),
        Case(
            "not_http",
            "the server answers with something that is not HTTP",
            (
                listing(
                    1,
                    ("not .*HTTP|could not be read|malformed|invalid|garbled", GONE_WRONG),
                    not_say=(NOT_NETWORK,),
                ),
            ),
            rules=(gets(LIST, raw(b"SSH-2.0-OpenSSH_9.6\r\n")),),
        ),
        Case(
            "header_too_large",
            "a 200 KB response header",
            (
                listing(
                    1, ("could not be read|malformed|invalid|too large", GONE_WRONG), not_say=(NOT_NETWORK,)
                ),
            ),
            rules=(gets(LIST, proxy(headers=[("X-Padding", "x" * 200_000)])),),
        ),
        Case(
            "bad_gzip",
            "Content-Encoding: gzip over bytes that are not gzip",
            (listing(1, ("could not be read", GONE_WRONG)),),
            rules=(gets(LIST, proxy(headers=[("Content-Encoding", "gzip")])),),
        ),
        # --- odd headers and the page cache ---------------------------------------------------------------
        Case(
            "etag_latin1_then_healthy",
            "an ETag with a Latin-1 byte; then GitHub is healthy again",
            (listing(frozenset({0, 1})), full_listing(rules=())),
            rules=(gets(LIST, proxy(headers=[("ETag", b'W/"caf\xe9"')])),),
        ),
        Case(
            "etag_newline_in_cache",
            "a stored ETag with a newline in it (a damaged page cache row)",
            (
                full_listing(),
                full_listing(
                    prepare=_sql(page_cache, "UPDATE pages SET etag = etag || char(10) || 'X-Evil: 1'")
                ),
            ),
        ),
        Case(
            "cache_body_damaged",
            "a stored page whose body is damaged; GitHub answers 304 to its ETag",
            (full_listing(), full_listing(prepare=_sql(page_cache, "UPDATE pages SET body = x'00ff7b'"))),
        ),
        Case(
            "ratelimit_headers_garbage",
            "rate-limit headers that are not numbers (or absurd ones) on every answer",
            (full_listing(),),
            rules=(
                gets(
                    LIST,
                    proxy(
                        headers=[
                            ("x-ratelimit-limit", "lots"),
                            ("x-ratelimit-remaining", "-1"),
                            ("x-ratelimit-reset", "1e99"),
                            ("x-ratelimit-used", "\u0661\u0662".encode()),
                        ]
                    ),
                ),
            ),
        ),
        Case(
            "html_200",
            "a 200 answer that is an HTML page (a captive portal)",
            (listing(1, ("web page", GONE_WRONG)),),
            rules=(
                gets(
                    LIST,
                    answer(200, b"<html><body>Log in to the Wi-Fi</body></html>", content_type="text/html"),
                ),
            ),
        ),
        # --- links and redirects ------------------------------------------------------------------------
        Case(
            "link_relative_path",
            'Link URLs as absolute paths (</api/v3/repositories/..?page=2>; rel="next")',
            (full_listing(),),
            rules=(
                gets(LIST, proxy(link=relative_links("path"))),
                gets(r"/repositories/", proxy(link=relative_links("path"))),
            ),
            page_size=20,
        ),
        Case(
            "link_relative_segment",
            'Link URLs relative to the request (<issues?page=2>; rel="next")',
            (full_listing(),),
            rules=(gets(LIST, proxy(link=relative_links("segment"))),),
            page_size=20,
        ),
        Case(
            "link_relative_window",
            "the window refreshes against relative Link URLs",
            (window(5, say=(r"[1-9]\d* issues",)),),
            rules=(gets(LIST, proxy(link=relative_links("query"))),),
            page_size=20,
        ),
        Case(
            "link_cross_origin",
            "the next page's Link points at another host (which answers an empty page)",
            (listing(1, (r"another host|other host|origin|outside", ADVICE)),),
            rules=(gets(AREA_LIST, proxy(link=_link_elsewhere)),),
        ),
        Case(
            "link_endless_search",
            "a search whose Link always points at one more (empty) page",
            (search(exit=(frozenset({0, 1})), say=(r"1,000|pages|stopped",), bound=10),),
            rules=(gets(SEARCH, _endless_search),),
        ),
        Case(
            "link_endless_repo",
            "a repository listing whose Link always points at one more (empty) page",
            (listing(1, (r"pages|stopped", ADVICE), bound=35),),
            rules=(gets(AREA_LIST, _endless), gets(r"endless=", _endless)),
        ),
        Case(
            "link_other_scheme",
            "the next page's Link is a file: URL",
            (listing(1, (r"another host|other host|origin|outside", ADVICE), not_say=(NOT_NETWORK,)),),
            rules=(gets(AREA_LIST, proxy(link=lambda _h, _x: '<file:///etc/passwd>; rel="next"')),),
        ),
        Case(
            "link_circular",
            "the next page's Link points back at the first page",
            (listing(1, ("circle", GONE_WRONG)),),
            rules=(gets(AREA_LIST, proxy(link=_same_link)),),
        ),
        Case(
            "redirect_same_origin",
            "every list GET is redirected (301) to the same API, as for a renamed repository",
            (full_listing(),),
            rules=(
                gets(
                    LIST + r"(?!.*redirected)",
                    redirect(301, lambda x: f"{x.server.origin}{x.request.target}&redirected=1"),
                ),
            ),
        ),
        Case(
            "redirect_other_host",
            "a list GET is redirected (302) to another host, which answers an empty page",
            (listing(1, (r"another host|other host|origin|outside|redirect", ADVICE)),),
            rules=(gets(AREA_LIST, redirect(302, lambda x: f"{x.server.elsewhere}{x.request.target}")),),
        ),
        Case(
            "redirect_loop",
            "a list GET redirects to itself forever",
            (listing(1, ("redirect", "API URL|try again|later")),),
            rules=(gets(LIST, redirect(302, lambda x: f"{x.server.origin}{x.request.target}")),),
        ),
        *[
            Case(
                f"redirect_write_{status}",
                f"the label POST answers {status} to another host",
                (move(exit=1, say=("moved", "move it again")),),
                rules=(posts(ADD, redirect(status, lambda x: f"{x.server.elsewhere}{x.request.target}")),),
                outcome="refused",
            )
            for status in (301, 302, 307)
        ],
        # --- every error status GitHub uses ------------------------------------------------------------
        Case(
            "status_304_without_cache",
            "304 Not Modified to a request that sent no If-None-Match",
            (listing(1, ("304", "proxy", GONE_WRONG)),),
            rules=(gets(LIST, answer(304, content_type=None)),),
        ),
        Case(
            "status_400",
            "400 Problems parsing JSON",
            (listing(1, ("400", "problems parsing", "report")),),
            rules=(gets(LIST, error(400, "Problems parsing JSON")),),
        ),
        Case(
            "status_401_list",
            "401 Bad credentials on the listing",
            (listing(1, ("token", "GH_TOKEN|sign in")),),
            rules=(gets(LIST, error(401, "Bad credentials")),),
        ),
        Case(
            "status_401_move",
            "401 Bad credentials on the label POST; then GitHub accepts the token again",
            (move(say=("queued", "sign in|GH_TOKEN")), healthy_sync()),
            rules=(posts(ADD, error(401, "Bad credentials")),),
            outcome="done",
        ),
        Case(
            "status_403_list",
            "403 Resource not accessible",
            (listing(1, ("refused|permission|not accessible", "triage|scope|token")),),
            rules=(gets(LIST, error(403, "Resource not accessible by personal access token")),),
        ),
        Case(
            "status_403_move",
            "403 on the label POST (no triage role)",
            (move(exit=1, say=("failed", "triage|permission")),),
            rules=(posts(ADD, error(403, "Must have admin rights to Repository.")),),
            outcome="refused",
        ),
        Case(
            "status_403_rate_limit_soon",
            "403 with x-ratelimit-remaining 0, reset in 3 s; then healthy",
            (move(say=("queued", "rate limit")), healthy_sync(wait=100)),
            rules=(posts(ADD, _soon_reset(3)),),
            outcome="done",
        ),
        Case(
            "rate_limit_reset_century",
            "403 with x-ratelimit-reset a century ahead; then healthy",
            (move(say=("queued", "rate limit")), healthy_sync(wait=30)),
            rules=(posts(ADD, _far_reset()),),
            outcome="done",
        ),
        Case(
            "rate_limit_reset_century_list",
            "403 with x-ratelimit-reset a century ahead, on the listing",
            (listing(1, ("rate limit",)),),
            rules=(gets(LIST, _far_reset()),),
        ),
        Case(
            "rate_limit_reset_past",
            "403 with a reset time already past (clock skew), once",
            (move(wait=50, exit=0, say=(r"\tdone\t",)),),
            rules=(posts(ADD, _soon_reset(-3600), times=1),),
            outcome="done",
        ),
        Case(
            "retry_after_absurd",
            "403 secondary limit with retry-after: 999999999; then healthy",
            (move(say=("queued", "slow down|rate limit")), healthy_sync(wait=30)),
            rules=(posts(ADD, error(403, SECONDARY, [("retry-after", "999999999")])),),
            outcome="done",
        ),
        Case(
            "retry_after_negative",
            "403 secondary limit with retry-after: -30; then healthy",
            (move(say=("queued", "slow down|rate limit")), healthy_sync(wait=100)),
            rules=(posts(ADD, error(403, SECONDARY, [("retry-after", "-30")])),),
            outcome="done",
        ),
        Case(
            "secondary_without_retry_after",
            "403 with the secondary-limit message and no retry-after; then healthy",
            (move(say=("queued", "slow down|rate limit")), healthy_sync(wait=100)),
            rules=(posts(ADD, error(403, SECONDARY)),),
            outcome="done",
        ),
        Case(
            "status_404_list",
            "404 on the repository's issues",
            (listing(1, ("not found", "check")),),
            rules=(gets(LIST, error(404, "Not Found")),),
        ),
        Case(
            "status_404_move",
            "404 on reading the issue's labels (deleted, or not visible)",
            (move(exit=1, say=("not found", "failed")),),
            rules=(gets(ISSUE_LABELS, error(404, "Not Found")),),
            outcome="refused",
        ),
        Case(
            "status_409_move",
            "409 Conflict on the label POST; then healthy",
            (move(say=("queued", "409|conflict")), healthy_sync()),
            rules=(posts(ADD, error(409, "Conflict")),),
            outcome="done",
        ),
        Case(
            "status_410_move",
            "410 Gone on the label POST",
            (move(exit=1, say=("deleted|gone", "failed")),),
            rules=(posts(ADD, error(410, "Gone")),),
            outcome="refused",
        ),
        Case(
            "status_422_move",
            "422 Validation Failed on the label POST",
            (move(exit=1, say=("refused|invalid|validation", "failed")),),
            rules=(
                posts(
                    ADD,
                    error(
                        422,
                        "Validation Failed",
                        errors=[{"resource": "Label", "code": "invalid", "field": "name"}],
                    ),
                ),
            ),
            outcome="refused",
        ),
        Case(
            "status_422_search_past_1000",
            "a search of 5,000 results: the page past 1,000 answers 422",
            (search(exit=0, say=("at most 1,000 results", "of 5,000", "narrow")),),
            rules=(
                gets(SEARCH + r"(?!.*(?<!per_)page=)", proxy(data=lambda d: {**d, "total_count": 5000})),
                gets(
                    SEARCH + r".*(?<!per_)page=",
                    error(422, "Only the first 1000 search results are available"),
                ),
            ),
            page_size=10,
        ),
        Case(
            "status_429_move",
            "429 with retry-after: 1; then healthy",
            (move(say=("queued", "slow down|rate limit")), healthy_sync()),
            rules=(posts(ADD, error(429, "Too Many Requests", [("retry-after", "1")])),),
            outcome="done",
        ),
        Case(
            "status_451",
            "451 Unavailable For Legal Reasons (a DMCA takedown)",
            (listing(1, ("451", "legal", "--repo|board file")),),
            rules=(gets(LIST, error(451, "Repository access blocked", block={"reason": "dmca"})),),
        ),
        Case(
            "status_500_list",
            "500 on every page",
            (listing(1, ("500|trouble", GONE_WRONG), not_say=("will be retried",)),),
            rules=(gets(LIST, error(500, "Server Error")),),
        ),
        Case(
            "status_502_move",
            "502 on the label POST; then healthy",
            (move(say=("queued", "trouble|502")), healthy_sync()),
            rules=(posts(ADD, error(502, "Server Error")),),
            outcome="done",
        ),
        Case(
            "status_503_unicorn",
            "503 with GitHub's HTML unicorn page",
            (listing(1, ("503|trouble|unavailable", GONE_WRONG), not_say=("will be retried",)),),
            rules=(gets(LIST, answer(503, UNICORN, content_type="text/html; charset=utf-8")),),
        ),
        Case(
            "status_504_move",
            "504 on reading the issue's labels; then healthy",
            (move(say=("queued", "trouble|504")), healthy_sync()),
            rules=(gets(ISSUE_LABELS, error(504, "We couldn't respond to your request in time.")),),
            outcome="done",
        ),
        # --- stalls -------------------------------------------------------------------------------------
        Case(
            "drip_list",
            "every page drips one byte every 100 ms",
            (listing(1, ("in time|too slow|too long", r"check|try again|later"), bound=15),),
            rules=(gets(LIST, drip(0.1)),),
        ),
        Case(
            "drip_move",
            "the issue's labels drip one byte every 100 ms; then healthy",
            (move(wait=20, bound=15), healthy_sync()),
            rules=(gets(ISSUE_LABELS, drip(0.1)),),
            outcome="done",
        ),
        Case(
            "drip_window",
            "the window refreshes while every page drips one byte every 100 ms",
            (
                window(
                    12,
                    exit=3,
                    say=(r"did not load: (?!the first load).*(in time|too slow|too long)",),
                    bound=30,
                ),
            ),
            rules=(gets(LIST, drip(0.1)),),
        ),
        Case(
            "stall_list",
            "the server accepts the request and says nothing for 4 s",
            (listing(1, ("in time", r"check|try again|later"), not_say=("will be retried",), bound=20),),
            rules=(gets(LIST, stall(4)),),
        ),
        # --- terminal escapes from the server ------------------------------------------------------------
        Case(
            "escapes_in_404_list",
            "a 404 whose message carries ESC/OSC/BEL/C1/bidi sequences",
            (listing(1, ("not found",)),),
            rules=(gets(LIST, error(404, f"Not Found {ESCAPES}")),),
        ),
        Case(
            "escapes_in_422_move",
            "a 422 on the label POST whose message and errors carry escapes",
            (move(exit=1, say=("failed",)),),
            rules=(posts(ADD, error(422, f"Validation Failed {ESCAPES}", errors=[f"bad {ESCAPES}"])),),
            outcome="refused",
        ),
        Case(
            "escapes_in_409_move",
            "a 409 on the label POST whose message carries escapes (the move stays queued)",
            (move(say=("queued",)),),
            rules=(posts(ADD, error(409, f"Conflict {ESCAPES}")),),
            outcome="queued",
        ),
        Case(
            "escapes_in_window",
            "the window's refresh fails with a 404 whose message carries escapes",
            (window(3, exit=3, say=("did not load", "not found")),),
            rules=(gets(LIST, error(404, f"Not Found {ESCAPES}")),),
        ),
        Case(
            "escapes_in_json_output",
            "titles with C1 and bidi characters, listed with --json",
            (Step(("list", "--json"), exit=0),),
            rules=(gets(LIST, proxy(data=each_issue(_evil_title))),),
        ),
        Case(
            "escapes_in_label_names",
            "GitHub's label answers carry a label whose name has escapes",
            (move(exit=0, say=(r"\tdone\t",)),),
            rules=(
                posts(ADD, proxy(data=_escape_label)),
                gets(ISSUE_LABELS, proxy(data=_escape_label)),
            ),
            outcome="done",
        ),
        # --- half-done moves -----------------------------------------------------------------------------
        Case(
            "half_move_delete_refused",
            "the new label is added, then the old label's DELETE answers 403",
            (move("{focus}", "OnDeck", exit=1, say=("failed", r"both|two columns", "AsyncAwait-Focus")),),
            rules=(deletes(REMOVE, error(403, "Resource not accessible by personal access token")),),
            outcome="refused",
        ),
        Case(
            "half_move_delete_failing",
            "the new label is added, then the old label's DELETE answers 503; then healthy",
            (move("{focus}", "OnDeck", say=("queued", r"both|two columns")), healthy_sync()),
            rules=(deletes(REMOVE, error(503, "Service Unavailable")),),
            outcome="done",
        ),
        # --- issue references, odd arguments ------------------------------------------------------------
        *[
            Case(
                f"ref_{name}",
                f"move {ref} Focus",
                (Step(("move", ref, "Focus", "--wait", "10"), exit=2, say=("OWNER/REPO#N",)),),
                sent=False,
            )
            for name, ref in (
                ("dotdot_name", "rust-lang/..#5"),
                ("dotdot_owner", "../rust#5"),
                ("query", "rust-lang/rust?x=1#5"),
                ("space", "rust lang/rust#5"),
                ("no_number", "rust-lang/rust#"),
            )
        ],
        Case(
            "repo_option_dotdot",
            "--repo rust-lang/..",
            (
                Step(
                    ("list", "--repo", "rust-lang/..", "--api-url", "{api}"),
                    board=False,
                    exit=2,
                    say=("--repo", "OWNER/NAME"),
                ),
            ),
            sent=False,
        ),
        Case(
            "board_label_dots_and_slash",
            "a board whose column label is '..' (another's has '/' and '%'): moves refused, nothing removed",
            (
                Step(
                    (
                        "move",
                        "{uncat}",
                        "Odd",
                        "--board",
                        "{dir}/b.toml",
                        "--api-url",
                        "{api}",
                        "--wait",
                        "10",
                    ),
                    board=False,
                    prepare=_write("b.toml", ODD_BOARD.encode()),
                    exit=1,
                    say=("does not exist", "create it|fix the board"),
                ),
                Step(
                    (
                        "move",
                        "{uncat2}",
                        "Slash",
                        "--board",
                        "{dir}/b.toml",
                        "--api-url",
                        "{api}",
                        "--wait",
                        "10",
                    ),
                    board=False,
                    exit=1,
                    say=("does not exist", "create it|fix the board"),
                ),
            ),
            outcome="refused",
        ),
        Case(
            "batch_not_utf8",
            "a --batch file that is not UTF-8",
            (
                Step(
                    ("move", "--batch", "{dir}/moves.txt"),
                    prepare=_write("moves.txt", b"rust-lang/rust#5 Focus\n\xff\xfe caf\xe9 OnDeck\n"),
                    exit=2,
                    say=("--batch", "UTF-8"),
                ),
            ),
            sent=False,
        ),
        Case(
            "batch_bad_reference",
            "a --batch line with rust-lang/..#5",
            (
                Step(
                    ("move", "--batch", "-"),
                    stdin="{uncat} Focus\nrust-lang/..#5 Focus\n",
                    exit=2,
                    say=("line 2", "OWNER/REPO#N"),
                ),
            ),
            sent=False,
        ),
        Case(
            "wait_nan",
            "move --wait nan",
            (Step(("move", "{uncat}", "Focus", "--wait", "nan"), exit=2, say=("--wait",)),),
            sent=False,
        ),
        # --- tokens ---------------------------------------------------------------------------------------
        Case(
            "token_newline",
            "GH_TOKEN with a newline inside",
            (
                listing(
                    1,
                    ("token", r"malformed|invalid|not a valid|newline|character", "GH_TOKEN|sign in"),
                    not_say=(NOT_NETWORK,),
                ),
            ),
            token="tbh-odd-AAAA1111\nBBBB2222-odd",
            secrets=("tbh-odd-AAAA1111", "BBBB2222-odd"),
        ),
        Case(
            "token_non_ascii",
            "GH_TOKEN with non-ASCII characters",
            (
                listing(
                    1,
                    ("token", r"malformed|invalid|not a valid|character", "GH_TOKEN|sign in"),
                    not_say=(NOT_NETWORK,),
                ),
            ),
            token="tbh-odd-CCCC3333-\u00f6\u00fc-DDDD4444",
            secrets=("tbh-odd-CCCC3333", "DDDD4444"),
        ),
        Case(
            "token_very_long",
            "GH_TOKEN of 100,000 characters",
            (listing(1, ("token", "too long|longer than", "GH_TOKEN|sign in")),),
            token="tbh-long-" + "Q" * 100_000,
            secrets=("Q" * 64,),
        ),
        Case(
            "token_padded",
            "GH_TOKEN pasted with spaces and a trailing newline",
            (full_listing(),),
            token="  tbh-hostile-SECRET-4c1f9e27d8a3b6 \n",
            secrets=("tbh-hostile-SECRET-4c1f9e27d8a3b6",),
        ),
        # --- corrupt files ---------------------------------------------------------------------------------
        Case(
            "outbox_garbage",
            "the outbox file is garbage",
            (Step(("sync",), prepare=_garbage_outbox, exit=0, say=("damaged", "moved to")),),
        ),
        Case(
            "outbox_row_bad_json",
            "a queued move whose columns are not JSON (a damaged row)",
            (
                move(rules=(posts(ADD, error(503, "Service Unavailable")),)),
                Step(
                    ("sync", "--wait", "30"),
                    rules=(),
                    prepare=_sql(outbox, "UPDATE moves SET columns = '{not json'"),
                    exit=1,
                    say=("damaged|unreadable|could not be read", "{uncat}"),
                ),
            ),
        ),
        Case(
            "outbox_row_bad_state",
            "a queued move whose state is unknown",
            (
                move(rules=(posts(ADD, error(503, "Service Unavailable")),)),
                Step(
                    ("sync", "--wait", "30"),
                    rules=(),
                    prepare=_sql(outbox, "UPDATE moves SET state = 'flying'"),
                    exit=frozenset({0, 1}),
                    say=("{uncat}",),
                ),
            ),
        ),
        Case(
            "outbox_newer_schema",
            "an outbox written by a newer triageboard",
            (
                Step(("sync",), exit=0),
                Step(
                    ("sync",),
                    prepare=_sql(outbox, "PRAGMA user_version = 99"),
                    exit=1,
                    say=("newer", "update"),
                ),
            ),
        ),
        Case(
            "page_cache_garbage",
            "the page cache file is garbage",
            (full_listing(prepare=_garbage_cache, say=("damaged",)),),
        ),
        Case(
            "board_file_not_utf8",
            "a board file that is not UTF-8",
            (
                Step(
                    ("list", "--board", "{dir}/b.toml", "--api-url", "{api}"),
                    board=False,
                    prepare=_write("b.toml", BOARD.encode() + b'\nname2 = "\xff"\n'),
                    exit=2,
                    say=("b.toml", "UTF-8"),
                ),
            ),
            sent=False,
        ),
        Case(
            "board_file_plain_http_elsewhere",
            "a board file whose api_url is plain http to another host",
            (
                Step(
                    ("list", "--board", "{dir}/b.toml"),
                    board=False,
                    prepare=_write(
                        "b.toml", b'api_url = "http://evil.example.com/api/v3"\n' + BOARD.encode()
                    ),
                    exit=2,
                    say=("http", "https"),
                ),
            ),
            sent=False,
        ),
        Case(
            "oauth_toml_not_utf8",
            "no token, and an oauth.toml that is not UTF-8: the window still starts (sign-in is offered)",
            (
                window(
                    3,
                    exit=3,
                    prepare=_write("oauth.toml", b'[client_id]\n"github.com" = "\xff\xfe"\n', "config"),
                ),
            ),
            token="",
        ),
        Case(
            "window_ini_garbage",
            "window.ini is garbage",
            (
                window(
                    5,
                    prepare=_write(
                        "window.ini", b"\x00\xff[General]\ngeometry=@ByteArray(\xff\x00)\n", "config"
                    ),
                    say=(r"[1-9]\d* issues",),
                ),
            ),
        ),
    ]
