"""``triageboard move`` and ``triageboard sync``: queue changes in the outbox and send them, then say what
happened to each, one line per issue."""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field

from ..board import BoardSpec, Column, IssueKey, Label, Via
from ..errors import (
    AuthError,
    AwaitingBot,
    GitHubError,
    MoveError,
    StoreError,
    TriageboardError,
    UsageError,
)
from ..moves import MoveEngine, MoveEvents
from ..reporting import Doing, ViaBot, Waiting
from ..store import PendingAssignment
from ..wording import Front, describe, plural
from .run import EXIT_FAILED, EXIT_OK, EXIT_QUEUED, CliError, Run

log = logging.getLogger(__name__)


@dataclass
class Outcome(MoveEvents):
    """What the engine said about each issue during this run."""

    run: Run
    settled_: dict[IssueKey, tuple[Label, ...]] = field(default_factory=dict)
    failed_: dict[IssueKey, TriageboardError] = field(default_factory=dict)
    last_waiting: Waiting = field(default_factory=lambda: Waiting(0))
    assign_failed_: dict[tuple[IssueKey, str], TriageboardError] = field(default_factory=dict)

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self.settled_[key] = labels
        self.failed_.pop(key, None)

    def failed(self, key: IssueKey, error: TriageboardError, labels: tuple[Label, ...] | None) -> None:
        self.failed_[key] = error
        self.settled_.pop(key, None)

    def assignment_failed(
        self, key: IssueKey, login: str, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        self.assign_failed_[(key, login.casefold())] = error

    def waiting(self, state: Waiting) -> None:
        if state.count:
            self.last_waiting = state
            log.info("%s", describe(state, Front.CLI))

    def notice(self, fact: object) -> None:
        self.run.reporter.warning(fact, doing=Doing.SEND)


_MOVE_LINE = re.compile(r"^\s*(\S+)\s+(.+?)\s*$")


def parse_moves(run: Run) -> list[tuple[IssueKey, Column]]:
    args, spec = run.args, run.spec
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
    except UnicodeDecodeError:
        raise UsageError(f"--batch: {source} is not UTF-8 text") from None
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
            raise UsageError(f"--batch line {number}: {exc.problem}") from None
    return moves


async def move(run: Run) -> int:
    moves = parse_moves(run)  # usage errors before any disk or network
    events = Outcome(run)
    engine = run.engine(events)
    deadline = run.clock.time() + run.args.wait
    queued: set[IssueKey] = set()
    try:
        await engine.load()
        for key, column in moves:
            via = await _route(run, engine, events, key, column)
            if via is None:
                continue
            try:
                await engine.request(run.spec, key, column, None, via=via)
            except AwaitingBot as exc:
                events.failed(key, exc, None)
                continue
            queued.add(key)
    except StoreError as exc:
        raise CliError(exc) from None
    log.info("queued %d moves in the outbox; sending", len(queued))
    wanted = {key for key, _ in moves}
    await _send(engine, queued, deadline)
    targets = {key: column.name for key, column in moves}  # the last move of an issue wins
    return _report(run, engine, events, wanted, targets)


async def _route(run: Run, engine: MoveEngine, events: Outcome, key: IssueKey, column: Column) -> Via | None:
    """How the move is sent; None when it cannot be (said in the result, nothing queued). Where the account
    may not label and the repository's bot makes the move for anyone, it is asked of the bot, and the
    user is told so first."""
    try:
        route = await engine.plan_route(run.spec, key, column)
    except GitHubError:
        return Via.GITHUB  # cannot tell now: sent as usual, and GitHub's answer decides
    if route.via is None:
        events.failed(key, route.refusal or MoveError(str(key), column.name), None)
        return None
    if route.via is Via.RUSTBOT:
        run.reporter.info(ViaBot(str(key), column.name, key.repo, route.comment), doing=Doing.MOVE)
    return route.via


async def sync(run: Run) -> int:
    events = Outcome(run)
    engine = run.engine(events)
    deadline = run.clock.time() + run.args.wait
    try:
        await engine.load()
        elsewhere = {url: n for url, n in engine.outbox.origins().items() if url != engine.api_url}
    except StoreError as exc:
        raise CliError(exc) from None
    for url, n in sorted(elsewhere.items()):
        run.printer.line(
            f"{plural(n, 'change')} waiting for {url}: run 'triageboard sync --api-url {url}' to send them."
        )
    rows = engine.pending()
    if not rows and not engine.pending_assignments() and not events.failed_:
        run.printer.line(f"Nothing to send to {engine.api_url}: nothing waits for it in the outbox.")
        return EXIT_OK
    targets = {row.key: row.target for row in rows}
    assignments = engine.pending_assignments()
    await _send(engine, None, deadline)
    code = _report(run, engine, events, set(targets), targets) if targets or events.failed_ else EXIT_OK
    return max(code, _report_assignments(run, engine, events, assignments), key=_severity)


def _severity(code: int) -> int:
    """Failed outweighs queued outweighs done."""
    return {EXIT_FAILED: 2, EXIT_QUEUED: 1}.get(code, 0)


def _report_assignments(run: Run, engine: MoveEngine, events: Outcome, rows: list[PendingAssignment]) -> int:
    """One line per assignment change the outbox held: done, failed or still queued."""
    waiting = {(row.key, row.login.casefold()): row for row in engine.pending_assignments()}
    failed = 0
    for row in rows:
        which = (row.key, row.login.casefold())
        if which in events.assign_failed_:
            failed += 1
            error = events.assign_failed_[which]
            run.printer.line(str(row.key), row.target, "failed", describe(error, Front.CLI, Doing.ASSIGN))
            run.reporter.error(error, doing=Doing.ASSIGN)
        elif which in waiting:
            why = waiting[which].error
            reason = describe(why, Front.CLI, doing=Doing.SEND) if why is not None else "not sent yet"
            run.printer.line(str(row.key), row.target, "queued", reason)
        else:
            run.printer.line(str(row.key), row.target, "done")
    if failed:
        return EXIT_FAILED
    if any((row.key, row.login.casefold()) in waiting for row in rows):
        return EXIT_QUEUED
    return EXIT_OK


async def _send(engine: MoveEngine, only: set[IssueKey] | None, deadline: float) -> None:
    try:
        await engine.run(only=only, until_idle=True, deadline=deadline)
    except StoreError as exc:  # the disk under the outbox: what GitHub has is confirmed by the next sync
        raise CliError(exc) from None


def _report(
    run: Run, engine: MoveEngine, events: Outcome, keys: set[IssueKey], targets: dict[IssueKey, str]
) -> int:
    # Every failure the engine reported is said, also of rows this run did not ask for (a damaged record
    # set aside while the outbox was read).
    for key, failure in events.failed_.items():
        if key not in keys:
            keys = keys | {key}
            targets = {**targets, key: getattr(failure, "target", "") or "?"}
    waiting = {row.key: row for row in engine.pending() if row.key in keys}
    out = run.printer
    for key in sorted(keys):
        if key in events.settled_:
            names = ", ".join(label.name for label in events.settled_[key]) or "no labels"
            out.line(str(key), targets[key], "done", names)
        elif key in events.failed_:
            out.line(str(key), targets[key], "failed", describe(events.failed_[key], Front.CLI))
        elif key in waiting:
            error = waiting[key].error
            reason = describe(error, Front.CLI, doing=Doing.SEND) if error is not None else "not sent yet"
            out.line(str(key), targets[key], "queued", reason)
    failed = [k for k in sorted(keys) if k in events.failed_]
    for key in failed:
        run.reporter.error(events.failed_[key], doing=Doing.MOVE)
    if engine.client.stats.retries:
        log.info("%d requests were retried", engine.client.stats.retries)
    if failed:
        return EXIT_FAILED
    if waiting:
        needs_sign_in = any(isinstance(row.error, AuthError) for row in waiting.values())
        hint = "sign in again (or fix GH_TOKEN), then " if needs_sign_in else ""
        state = events.last_waiting if events.last_waiting.count else Waiting(len(waiting))
        why = describe(state, Front.CLI) if state.until or state.reason else "GitHub did not answer in time"
        out.say(
            f"{len(waiting)} of {plural(len(keys), 'move')} still queued ({why}); {hint}run 'triageboard "
            "sync' later."
        )
        return EXIT_QUEUED
    return EXIT_OK
