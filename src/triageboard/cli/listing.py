"""``triageboard list``: the board as lines (or JSON), with the outbox's pending changes on top, the cards'
marks (flags) and their time in a column; one column, one view, one order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from ..board import (
    Board,
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
from ..errors import GitHubError, StoreError, TriageboardError, UsageError
from ..github import GitHubClient, fetch_board
from ..moves import MoveEngine, MoveEvents
from ..reporting import Doing
from ..saved_views import find_view
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
    cache = run.page_cache()
    try:
        client = run.client(cache)
        try:
            result = await fetch_board(client, spec)
        except GitHubError as exc:
            raise CliError(exc) from None
        issues, pending = await _overlay(run, client, result.issues)
        board = Board(spec)
        board.update(issues)
        for key in pending:
            board.set_pending(key, True)
        for fact in result.notices:
            run.reporter.warning(fact, doing=Doing.REFRESH)
        chosen = [card for card in board_cards(board, run.clock.now()) if choose(card)]
        ruled = [c.key for c in chosen if c.column.stalled_after_days is not None]
        keys = [*ruled, *(c.key for c in chosen if c.column.stalled_after_days is None)]
        since = await read_since(run, board, keys, getattr(run.args, "max_timelines", 0))
    finally:
        if cache is not None:
            cache.close()
    return board, chosen, since


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
