"""``triageboard list``: the board as lines (or JSON), with the outbox's pending changes on top, the cards'
marks (flags) and their time in a column; one column, one view, one order.

The board saved by the last run (the window's, or a ``list``) is brought up to date with only what changed;
when GitHub cannot be reached, it is printed as saved and its age is said on stderr (exit 0).
``--no-cache`` asks GitHub for everything and never prints a saved board.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from ..board import (
    Board,
    BoardSpec,
    Card,
    Filter,
    Issue,
    IssueKey,
    Label,
    Sort,
    View,
    board_cards,
    card_dict,
    card_order,
)
from ..errors import (
    BadResponse,
    BadResponseReason,
    GitHubError,
    Offline,
    StoreError,
    TimedOut,
    TriageboardError,
    UsageError,
    first_error,
)
from ..github import GitHubClient, host_of
from ..github.sync import Synced, sync_board
from ..moves import MoveEngine, MoveEvents
from ..reporting import Doing, OfflineSince, ShowingSaved
from ..saved_views import find_view
from ..store import Account, SavedBoard, SnapshotStore, SQLitePageCache, SyncMarks, board_key
from .run import EXIT_OK, CliError, Run
from .timelines import read_since


async def list_board(run: Run) -> int:
    spec = run.spec
    try:
        only = spec.column(run.args.column) if run.args.column else None
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    view = _view(run)
    sort = Sort(run.args.sort) if getattr(run.args, "sort", None) else (view.sort if view else Sort.BOARD)
    # The cards to print, before their time in a column is known (a view's marks wait for it).
    unmarked = replace(view.filter, flags=()) if view is not None else None
    board, chosen, since = await _load(
        run,
        lambda card: (only is None or card.column == only) and (unmarked is None or _shows(unmarked, card)),
    )
    picked = {card.key for card in chosen}
    cards = [
        card
        for card in board_cards(board, run.clock.now(), since)
        if card.key in picked and (view is None or _shows(view.filter, card))
    ]
    cards = _ordered(cards, sort, board)
    if run.args.json:
        run.printer.json([card_dict(card) for card in cards])
    else:
        for card in cards:
            run.printer.line(card.column.name, str(card.key), ",".join(card.flags) or "-", card.issue.title)
    return EXIT_OK


async def fetch_cards(run: Run) -> list[Card]:
    """Every card of the run's board as GitHub has it, with the outbox's pending changes on top, marked as
    of now, with its time in a column where the run may read timelines (``--max-timelines``)."""
    board, _chosen, since = await _load(run, lambda card: True)
    return board_cards(board, run.clock.now(), since)


async def _load(
    run: Run, choose: Callable[[Card], bool]
) -> tuple[Board, list[Card], dict[IssueKey, datetime]]:
    """The board (pending changes on top), the cards ``choose`` keeps, and their time in a column (stalled-
    rule columns first, within the run's cap)."""
    spec = run.spec
    no_cache = bool(getattr(run.args, "no_cache", False))
    snapshots = None if no_cache else run.snapshots()
    cache = run.page_cache()
    try:
        client = run.client(cache)
        fetched = await _fetch(run, client, snapshots, cache)
        issues, pending = await _overlay(run, client, fetched)
        board = Board(spec)
        board.update(issues)
        for key in pending:
            board.set_pending(key, True)
        chosen = [card for card in board_cards(board, run.clock.now()) if choose(card)]
        ruled = [c.key for c in chosen if c.column.stalled_after_days is not None]
        keys = [*ruled, *(c.key for c in chosen if c.column.stalled_after_days is None)]
        since = await read_since(run, board, keys, getattr(run.args, "max_timelines", 0))
    finally:
        if cache is not None:
            cache.close()
        if snapshots is not None:
            snapshots.close()
    return board, chosen, since


async def _fetch(
    run: Run, client: GitHubClient, snapshots: SnapshotStore | None, cache: SQLitePageCache | None
) -> list[Issue]:
    """The board's issues: the saved board brought up to date (checking whose token this is alongside),
    or, offline, the saved board as it was."""
    spec = run.spec
    host = host_of(spec.api_url)
    key = board_key(spec)
    account = await snapshots.account(host) if snapshots is not None else None
    saved = None
    if snapshots is not None and account is not None and account.signed_in:
        saved = await snapshots.load(key, account.login)
    started = run.clock.now()
    try:
        login, synced = await _sync(client, spec, saved)
        if saved is not None and login != saved.account:
            # The saved board is another account's: this token's board is asked for in full.
            login, synced = await _sync(client, spec, None)
        if cache is not None and account is not None and account.login != login:
            await cache.clear()  # stored pages belong to the account that fetched them
    except (Offline, TimedOut) as exc:
        if saved is None:
            raise CliError(exc) from None
        run.reporter.warning(OfflineSince(host, started, exc, saved.saved_at), doing=Doing.REFRESH)
        run.reporter.warning(ShowingSaved(saved.saved_at, started, checking=False), doing=Doing.REFRESH)
        return saved.issues
    except GitHubError as exc:
        raise CliError(exc) from None
    for fact in synced.notices:
        run.reporter.warning(fact, doing=Doing.REFRESH)
    if snapshots is not None:
        marks = SyncMarks(synced.full_at, synced.marks)
        if saved is not None and saved.account == login and synced.issues == {i.key: i for i in saved.issues}:
            await snapshots.touch(key, login, started, marks)  # unchanged: only its time and marks
        else:
            issues = list(synced.issues.values())
            await snapshots.save(SavedBoard(key, login, started, issues, marks))
        await snapshots.set_account(host, Account(login), run.clock.time())
    return list(synced.issues.values())


async def _sync(client: GitHubClient, spec: BoardSpec, saved: SavedBoard | None) -> tuple[str, Synced]:
    """Whose token this is (``GET /user``, revalidated with its ETag: free when unchanged), alongside the
    sync of the board. The first failure is raised."""
    known = {i.key: i for i in saved.issues} if saved is not None else None
    marks = saved.marks if saved is not None else SyncMarks()
    try:
        async with asyncio.TaskGroup() as group:
            user = group.create_task(client.get_page(f"{client.api_url}/user"))
            synced = group.create_task(sync_board(client, spec, known, marks.since, marks.full_at))
    except* GitHubError as errors:
        raise first_error(errors) from None
    data = user.result().data
    login = data.get("login") if isinstance(data, dict) else None
    if not isinstance(login, str) or not login:
        raise BadResponse(BadResponseReason.MALFORMED, what="a user without a login", path="/user")
    return login, synced.result()


def _view(run: Run) -> View | None:
    """The view ``--view`` names (saved for this board, or built in). A saved-views file that cannot be
    read is a configuration error naming it."""
    name = getattr(run.args, "view", None)
    if not name:
        return None
    try:
        return find_view(run.spec, name)
    except KeyError as exc:
        raise UsageError(f"--view: {exc.args[0]}", "--view") from None


def _shows(flt: Filter, card: Card) -> bool:
    return flt.matches(card.issue, card.column.name, card.flags)


def _ordered(cards: list[Card], sort: Sort, board: Board) -> list[Card]:
    """Column by column in the board's order; within a column by ``sort`` (ties: the board's order)."""
    position = {column.name: n for n, column in enumerate(board.spec.columns)}
    return sorted(
        cards, key=lambda c: (position[c.column.name], card_order(sort, c.issue, c.in_column_since))
    )


async def _overlay(run: Run, client: GitHubClient, fetched: list[Issue]) -> tuple[list[Issue], set[IssueKey]]:
    """The fetched issues with the outbox's pending changes on top. Listing is read-only: an outbox that
    cannot be read costs the pending marks (with a warning), not the listing."""
    try:
        engine = MoveEngine(client, run.outbox(), _Warnings(run))
        await engine.load()
    except (CliError, StoreError) as exc:
        fact = exc.fact if isinstance(exc, CliError) else exc
        run.reporter.warning(fact, doing=Doing.REFRESH)
        return fetched, set()
    pending = {row.key for row in engine.pending()} | {row.key for row in engine.pending_assignments()}
    return engine.overlay(fetched), pending


class _Warnings(MoveEvents):
    """What reading the outbox may find (a damaged record, set aside) is said while listing."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def failed(self, key: IssueKey, error: TriageboardError, labels: tuple[Label, ...] | None) -> None:
        self.run.reporter.warning(error, doing=Doing.REFRESH)

    def assignment_failed(
        self, key: IssueKey, login: str, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        self.run.reporter.warning(error, doing=Doing.REFRESH)

    def notice(self, fact: object) -> None:
        self.run.reporter.warning(fact, doing=Doing.REFRESH)
