"""``triageboard list|move|sync``: the board and its move engine without a window, for scripts and tests.

No Qt here. One ``httpx.AsyncClient`` per run, closed at the end. The token is never printed or logged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

import httpx

from .auth import Credentials, KeyringUnavailable
from .board import Board, BoardSpec, Column, Issue, IssueKey, Label
from .github import GitHubClient, GitHubError, Policy, fetch_board, host_of
from .logs import StderrHandler
from .moves import MoveEngine, MoveEvents
from .options import UsageError, add_board_options, resolve_board, time_scale
from .store import Outbox, SQLitePageCache, StoreError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_QUEUED = 3

EXIT_CODES = (
    "exit codes: 0 done (GitHub has every move); 1 failed (the message says why; a move that cannot "
    "succeed is dropped from the outbox); 2 usage error; 3 queued but not sent yet (a temporary failure or "
    "a rate limit: the moves stay in the outbox, run 'triageboard sync' later)."
)
CREDENTIALS_HELP = (
    "The token comes from GH_TOKEN or GITHUB_TOKEN (GH_ENTERPRISE_TOKEN for an Enterprise host), else from "
    "the OS keyring after signing in with the app."
)
DEFAULT_WAIT = 120.0
_WAIT_HELP = (
    f"keep retrying temporary failures and rate limits for at most this long (default {DEFAULT_WAIT:g}); "
    "what is not sent by then stays queued (exit code 3)"
)


class CliError(Exception):
    """A failure with a message for the user; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


# --- the parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triageboard",
        description="Triage from scripts: list the board, move issues between columns, send queued moves.",
        epilog=f"{CREDENTIALS_HELP} {EXIT_CODES}",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help_text, description=description, epilog=f"{CREDENTIALS_HELP} {EXIT_CODES}"
        )
        add_board_options(sub)
        sub.add_argument("-v", "--verbose", action="count", default=0, help="log more (repeat for debug)")
        return sub

    listing = command(
        "list",
        "print the board",
        "Print the board's cards, one line per card: COLUMN, ISSUE, flags, TITLE (tab-separated). "
        "Moves still in the outbox are shown where they are going, flagged 'pending'.",
    )
    listing.add_argument("--column", metavar="NAME", help="only this column (name or 1-based position)")
    listing.add_argument("--json", action="store_true", help="print a JSON array of cards instead")

    move = command(
        "move",
        "move an issue to a column",
        "Queue the move in the durable outbox, then send it: add the column's labels, remove the other "
        "columns' labels. Other labels are never touched.",
    )
    move.add_argument("issue", nargs="?", metavar="OWNER/REPO#N", help="the issue, e.g. rust-lang/rust#123")
    move.add_argument("column", nargs="?", metavar="COLUMN", help="the column's name or 1-based position")
    move.add_argument(
        "--batch",
        metavar="FILE",
        help="read moves from FILE ('-' for standard input), one 'OWNER/REPO#N COLUMN' per line",
    )
    move.add_argument("--wait", type=float, default=DEFAULT_WAIT, metavar="SECONDS", help=_WAIT_HELP)

    sync = command(
        "sync",
        "send the moves waiting in the outbox",
        "Send every move still in the outbox (left by a crash, a network failure or a rate limit) and "
        "report the outcome.",
    )
    sync.add_argument("--wait", type=float, default=DEFAULT_WAIT, metavar="SECONDS", help=_WAIT_HELP)
    return parser


# --- entry -----------------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    """``argv[0]`` is the command (list, move, sync)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    undo_logging = _setup_logging(args.verbose)
    try:
        spec = resolve_board(args)
        return asyncio.run(_run(args, spec))
    except UsageError as exc:
        print(f"triageboard {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CliError as exc:
        print(f"triageboard {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:  # e.g. piped into head: not an error worth a traceback
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("triageboard: interrupted; queued moves stay in the outbox.", file=sys.stderr)
        return 130
    finally:
        undo_logging()


def _setup_logging(verbose: int) -> Callable[[], None]:
    """Log to stderr (warnings, or more with -v), with tokens masked; returns the undo."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    quiet = logging.getLogger("httpx")
    old_httpx = quiet.level
    if verbose < 2:
        quiet.setLevel(logging.WARNING)
    # The engine logs a dropped move as a warning; the CLI reports every outcome itself (once).
    engine_log = logging.getLogger("triageboard.moves")
    old_engine = engine_log.level
    if verbose == 0:
        engine_log.setLevel(logging.ERROR)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(old_level)
        quiet.setLevel(old_httpx)
        engine_log.setLevel(old_engine)

    return undo


def policy() -> Policy:
    scale = time_scale()
    if scale == 1.0:
        return Policy()
    # Test mode: stalls are scaled in the sandbox, so the request timeout follows them.
    return Policy(time_scale=scale, timeout=max(0.25, Policy().timeout * scale / 2))


async def resolve_token(api_url: str) -> str | None:
    """The token for ``api_url``: the environment, then the keyring (the same sources as the window)."""
    credentials = Credentials(api_url)
    try:
        return await credentials.load()
    except KeyringUnavailable as exc:
        raise CliError(f"No GitHub token: GH_TOKEN and GITHUB_TOKEN are not set, and {exc}") from None


async def _run(args: argparse.Namespace, spec: BoardSpec) -> int:
    # Usage errors come before any network or disk.
    moves = _parse_moves(args, spec) if args.command == "move" else []
    token = await resolve_token(spec.api_url)
    if not token:
        raise CliError(
            f"No GitHub token for {host_of(spec.api_url)}. Set GH_TOKEN (a token allowed to write issues), "
            "or sign in once with the app (triageboard, Account ▸ Sign in)."
        )
    async with httpx.AsyncClient() as http:
        if args.command == "list":
            return await _list(args, spec, http, token)
        client = GitHubClient(http, spec.api_url, lambda: token, policy=policy())
        outbox = _open_outbox()
        try:
            events = Outcome()
            engine = MoveEngine(client, outbox, events)
            deadline = time.time() + max(0.0, args.wait)
            if args.command == "move":
                return await _move(engine, events, spec, moves, deadline)
            return await _sync(engine, events, deadline)
        finally:
            outbox.close()


def _open_outbox() -> Outbox:
    from .paths import outbox_path

    try:
        outbox = Outbox(outbox_path())
    except (StoreError, OSError) as exc:
        raise CliError(str(exc)) from None
    if outbox.notice:
        print(f"triageboard: {outbox.notice}", file=sys.stderr)
    return outbox


# --- move and sync ---------------------------------------------------------------------------------


@dataclass
class Outcome(MoveEvents):
    settled_: dict[IssueKey, tuple[Label, ...]] = field(default_factory=dict)
    failed_: dict[IssueKey, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    last_status: str = ""

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self.settled_[key] = labels
        self.failed_.pop(key, None)

    def failed(self, key: IssueKey, message: str, labels: tuple[Label, ...] | None) -> None:
        self.failed_[key] = message
        self.settled_.pop(key, None)

    def status(self, text: str) -> None:
        if text:
            self.last_status = text
            log.info("%s", text)

    def notice(self, text: str) -> None:
        self.notices.append(text)
        print(f"triageboard: {text}", file=sys.stderr)


_MOVE_LINE = re.compile(r"^\s*(\S+)\s+(.+?)\s*$")


def _parse_moves(args: argparse.Namespace, spec: BoardSpec) -> list[tuple[IssueKey, Column]]:
    if args.batch is not None:
        if args.issue is not None:
            raise UsageError("give either OWNER/REPO#N COLUMN or --batch FILE, not both")
        return _read_batch(args.batch, spec)
    if args.issue is None or args.column is None:
        raise UsageError("say which issue and where: triageboard move OWNER/REPO#N COLUMN")
    return [_one_move(args.issue, args.column, spec)]


def _one_move(issue: str, column: str, spec: BoardSpec) -> tuple[IssueKey, Column]:
    try:
        key = IssueKey.parse(issue)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        return key, spec.column(column)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None


def _read_batch(source: str, spec: BoardSpec) -> list[tuple[IssueKey, Column]]:
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        raise UsageError(f"--batch: cannot read {source}: {exc.strerror}") from None
    moves = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _MOVE_LINE.match(line)
        if match is None:
            raise UsageError(f"--batch line {number}: write OWNER/REPO#N COLUMN")
        try:
            moves.append(_one_move(match.group(1), match.group(2), spec))
        except UsageError as exc:
            raise UsageError(f"--batch line {number}: {exc}") from None
    return moves


async def _move(
    engine: MoveEngine,
    events: Outcome,
    spec: BoardSpec,
    moves: list[tuple[IssueKey, Column]],
    deadline: float,
) -> int:
    for key, column in moves:
        try:
            engine.request(spec, key, column, None)
        except StoreError as exc:
            raise CliError(str(exc)) from None
    log.info("queued %d moves in the outbox; sending", len(moves))
    wanted = {key for key, _ in moves}
    await _send(engine, wanted, deadline)
    targets = {key: column.name for key, column in moves}  # the last move of an issue wins
    return _report(engine, events, wanted, targets)


async def _send(engine: MoveEngine, only: set[IssueKey] | None, deadline: float) -> None:
    try:
        await engine.run(only=only, until_idle=True, deadline=deadline)
    except StoreError as exc:  # the disk under the outbox: what GitHub has is confirmed by the next sync
        raise CliError(f"{exc} Then run 'triageboard sync'.") from None


async def _sync(engine: MoveEngine, events: Outcome, deadline: float) -> int:
    try:
        rows = engine.pending()
        elsewhere = {url: n for url, n in engine.outbox.origins().items() if url != engine.api_url}
    except StoreError as exc:
        raise CliError(str(exc)) from None
    for url, n in sorted(elsewhere.items()):
        print(f"{_moves(n)} waiting for {url}: run 'triageboard sync --api-url {url}' to send them.")
    if not rows:
        print(f"Nothing to send to {engine.api_url}: no move waits for it in the outbox.")
        return EXIT_OK
    targets = {row.key: row.target for row in rows}
    await _send(engine, None, deadline)
    return _report(engine, events, set(targets), targets)


def _moves(n: int) -> str:
    return f"{n} move" if n == 1 else f"{n} moves"


def _report(engine: MoveEngine, events: Outcome, keys: set[IssueKey], targets: dict[IssueKey, str]) -> int:
    waiting = {row.key: row for row in engine.pending() if row.key in keys}
    for key in sorted(keys):
        if key in events.settled_:
            names = ", ".join(label.name for label in events.settled_[key]) or "no labels"
            print(f"{key}\t{targets[key]}\tdone\t{_plain(names)}")
        elif key in events.failed_:
            print(f"{key}\t{targets[key]}\tfailed\t{_plain(events.failed_[key])}")
        elif key in waiting:
            reason = waiting[key].last_error or "not sent yet"
            print(f"{key}\t{targets[key]}\tqueued\t{_plain(reason)}")
    failed = [k for k in keys if k in events.failed_]
    for key in failed:
        print(f"triageboard: {events.failed_[key]}", file=sys.stderr)
    if engine.client.stats.retries:
        log.info("%d requests were retried", engine.client.stats.retries)
    if failed:
        return EXIT_FAILED
    if waiting:
        auth = any("401" in (r.last_error or "") or "token" in (r.last_error or "") for r in waiting.values())
        hint = "sign in again (or fix GH_TOKEN), then " if auth else ""
        print(
            f"triageboard: {len(waiting)} of {len(keys)} moves are still queued "
            f"({events.last_status or 'GitHub did not answer in time'}); {hint}run 'triageboard sync' later.",
            file=sys.stderr,
        )
        return EXIT_QUEUED
    return EXIT_OK


# --- list ------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plain(text: str) -> str:
    """Untrusted text made safe for a terminal line: no control characters, escapes or bidi overrides."""
    return _CONTROL.sub("\ufffd", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))


async def _list(args: argparse.Namespace, spec: BoardSpec, http: httpx.AsyncClient, token: str) -> int:
    try:
        only = spec.column(args.column) if args.column else None
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    from .paths import page_cache_path

    cache: SQLitePageCache | None
    try:
        cache = SQLitePageCache(page_cache_path())
    except (StoreError, OSError) as exc:
        log.warning("no page cache this time: %s", exc)
        cache = None
    if cache is not None and cache.notice:
        print(f"triageboard: {cache.notice}", file=sys.stderr)
    try:
        client = GitHubClient(http, spec.api_url, lambda: token, cache=cache, policy=policy())
        try:
            result = await fetch_board(client, spec)
        except GitHubError as exc:
            raise CliError(str(exc)) from None
        issues, pending = _overlay(client, result.issues)
    finally:
        if cache is not None:
            cache.close()
    board = Board(spec)
    board.update(issues)
    for key in pending:
        board.set_pending(key, True)
    for notice in result.notices:
        print(f"triageboard: {notice}", file=sys.stderr)
    columns = [only] if only is not None else list(spec.columns)
    if args.json:
        _print_json(board, columns, sys.stdout)
    else:
        for column in columns:
            for issue in board.column_issues(column):
                flags = []
                if board.placement(issue.key).is_conflict:
                    flags.append("conflict")
                if board.is_pending(issue.key):
                    flags.append("pending")
                print(f"{column.name}\t{issue.key}\t{','.join(flags) or '-'}\t{_plain(issue.title)}")
    return EXIT_OK


def _overlay(client: GitHubClient, fetched: list[Issue]) -> tuple[list[Issue], set[IssueKey]]:
    """The fetched issues with the outbox's pending moves on top. Listing is read-only: an outbox that
    cannot be read costs the pending marks (with a warning), not the listing."""
    try:
        outbox = _open_outbox()
    except CliError as exc:
        print(
            f"triageboard: {exc} The board is shown without moves still waiting to be sent.", file=sys.stderr
        )
        return fetched, set()
    try:
        engine = MoveEngine(client, outbox)
        return engine.overlay(fetched), {row.key for row in engine.pending()}
    except StoreError as exc:
        print(
            f"triageboard: {exc} The board is shown without moves still waiting to be sent.", file=sys.stderr
        )
        return fetched, set()
    finally:
        outbox.close()


def _print_json(board: Board, columns: list[Column], out: TextIO) -> None:
    cards = []
    for column in columns:
        for issue in board.column_issues(column):
            placement = board.placement(issue.key)
            cards.append(
                {
                    "column": column.name,
                    "issue": str(issue.key),
                    "repo": issue.repo,
                    "number": issue.number,
                    "title": issue.title,
                    "labels": list(issue.label_names),
                    "assignees": list(issue.assignees),
                    "url": issue.html_url,
                    "updated_at": issue.updated_at.isoformat() if issue.updated_at else None,
                    "comments": issue.comments,
                    "conflict": [c.name for c in placement.conflicting],
                    "pending": board.is_pending(issue.key),
                }
            )
    json.dump(cards, out, ensure_ascii=False, indent=1)
    out.write("\n")
