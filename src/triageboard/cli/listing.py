"""``triageboard list``: the board as lines (or JSON), with the outbox's pending changes on top."""

from __future__ import annotations

from ..board import Board, Card, Issue, IssueKey, Label, board_cards, card_dict
from ..errors import GitHubError, StoreError, TriageboardError, UsageError
from ..github import GitHubClient, fetch_board
from ..moves import MoveEngine, MoveEvents
from ..reporting import Doing
from .run import EXIT_OK, CliError, Run


async def list_board(run: Run) -> int:
    spec = run.spec
    try:
        only = spec.column(run.args.column) if run.args.column else None
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    cards = await fetch_cards(run)
    if only is not None:
        cards = [card for card in cards if card.column == only]
    if run.args.json:
        run.printer.json([card_dict(card) for card in cards])
    else:
        for card in cards:
            run.printer.line(card.column.name, str(card.key), ",".join(card.flags) or "-", card.issue.title)
    return EXIT_OK


async def fetch_cards(run: Run) -> list[Card]:
    """Every card of the run's board as GitHub has it, with the outbox's pending changes on top, marked as
    of now. Time in a column needs each issue's timeline, which is not fetched: ``in_column_since`` is
    unknown (None) here."""
    spec = run.spec
    cache = run.page_cache()
    try:
        client = run.client(cache)
        try:
            result = await fetch_board(client, spec)
        except GitHubError as exc:
            raise CliError(exc) from None
        issues, pending = await _overlay(run, client, result.issues)
    finally:
        if cache is not None:
            cache.close()
    board = Board(spec)
    board.update(issues)
    for key in pending:
        board.set_pending(key, True)
    for fact in result.notices:
        run.reporter.warning(fact, doing=Doing.REFRESH)
    return board_cards(board, run.clock.now())


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
