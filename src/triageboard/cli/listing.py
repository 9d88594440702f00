"""``triageboard list``: the board as lines (or JSON), with the outbox's pending changes on top."""

from __future__ import annotations

import json

from ..board import Board, Column, Issue, IssueKey
from ..errors import GitHubError, StoreError, UsageError
from ..github import GitHubClient, fetch_board
from ..moves import MoveEngine
from ..reporting import Doing
from .run import EXIT_OK, CliError, Run


async def list_board(run: Run) -> int:
    spec = run.spec
    try:
        only = spec.column(run.args.column) if run.args.column else None
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
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
    columns = [only] if only is not None else list(spec.columns)
    if run.args.json:
        print(json.dumps(_cards(board, columns), ensure_ascii=False, indent=1), file=run.printer.out)
    else:
        for column in columns:
            for issue in board.column_issues(column):
                flags = []
                if board.placement(issue.key).is_conflict:
                    flags.append("conflict")
                if board.is_pending(issue.key):
                    flags.append("pending")
                run.printer.line(column.name, str(issue.key), ",".join(flags) or "-", issue.title)
    return EXIT_OK


async def _overlay(run: Run, client: GitHubClient, fetched: list[Issue]) -> tuple[list[Issue], set[IssueKey]]:
    """The fetched issues with the outbox's pending changes on top. Listing is read-only: an outbox that
    cannot be read costs the pending marks (with a warning), not the listing."""
    try:
        engine = MoveEngine(client, run.outbox())
        await engine.load()
    except (CliError, StoreError) as exc:
        fact = exc.fact if isinstance(exc, CliError) else exc
        run.reporter.warning(fact, doing=Doing.REFRESH)
        return fetched, set()
    pending = {row.key for row in engine.pending()} | {row.key for row in engine.pending_assignments()}
    return engine.overlay(fetched), pending


def _cards(board: Board, columns: list[Column]) -> list[dict[str, object]]:
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
    return cards
