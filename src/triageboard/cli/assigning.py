"""``triageboard assign OWNER/REPO#N LOGIN… [--remove]``: one assignment change per login through the
durable outbox (added or removed on its own, never the whole set replaced), then one line per login."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..board import IssueKey, is_login
from ..errors import AuthError, StoreError, TriageboardError, UsageError
from ..moves import MoveEvents
from ..reporting import Doing, Waiting
from ..store import AssignOp
from ..wording import Front, describe, plural
from .run import EXIT_FAILED, EXIT_OK, EXIT_QUEUED, CliError, Run

log = logging.getLogger(__name__)


@dataclass
class Heard(MoveEvents):
    """What the engine said about this run's assignments."""

    run: Run
    assignees: dict[IssueKey, tuple[str, ...]] = field(default_factory=dict)
    failed_: dict[str, TriageboardError] = field(default_factory=dict)  # login (casefolded) -> why
    last_waiting: Waiting = field(default_factory=lambda: Waiting(0))

    def assigned(self, key: IssueKey, assignees: tuple[str, ...]) -> None:
        self.assignees[key] = assignees

    def assignment_failed(
        self, key: IssueKey, login: str, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        self.failed_[login.casefold()] = error
        if assignees is not None:
            self.assignees[key] = assignees

    def waiting(self, state: Waiting) -> None:
        if state.count:
            self.last_waiting = state

    def notice(self, fact: object) -> None:
        self.run.reporter.warning(fact, doing=Doing.ASSIGN)


def parse_assignment(issue: str, logins: list[str]) -> tuple[IssueKey, list[str]]:
    """The issue and its logins (a leading ``@`` dropped, each once, GitHub ignoring case)."""
    try:
        key = IssueKey.parse(issue)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    wanted: dict[str, str] = {}
    for text in logins:
        login = text.strip().removeprefix("@")
        if not is_login(login):
            raise UsageError(f"{text!r} is not a GitHub login")
        wanted.setdefault(login.casefold(), login)
    return key, list(wanted.values())


async def assign(run: Run) -> int:
    key, logins = parse_assignment(run.args.issue, run.args.logins)  # usage errors before any disk or network
    op = AssignOp.REMOVE if run.args.remove else AssignOp.ADD
    heard = Heard(run)
    engine = run.engine(heard)
    deadline = run.clock.time() + run.args.wait
    try:
        await engine.load()
        for login in logins:
            await engine.request_assignment(key, login, op)
        log.info("queued %d assignment changes of %s in the outbox; sending", len(logins), key)
        await engine.run(only=[key], until_idle=True, deadline=deadline)
    except StoreError as exc:
        raise CliError(exc) from None
    out = run.printer
    waiting = engine.pending_assignees(key)
    waiting_folded = {login.casefold() for login in waiting}
    rows = {r.login.casefold(): r for r in engine.pending_assignments() if r.key == key}
    now = heard.assignees.get(key)
    for login in logins:
        target = f"{'unassign' if op is AssignOp.REMOVE else 'assign'} @{login}"
        folded = login.casefold()
        if folded in heard.failed_:
            out.line(str(key), target, "failed", describe(heard.failed_[folded], Front.CLI, Doing.ASSIGN))
        elif folded in waiting_folded:
            error = rows[folded].error
            reason = describe(error, Front.CLI, Doing.SEND) if error is not None else "not sent yet"
            out.line(str(key), target, "queued", reason)
        else:
            who = ", ".join(f"@{a}" for a in now) if now else "nobody"
            out.line(str(key), target, "done", f"assigned: {who}")
    for login in logins:
        if login.casefold() in heard.failed_:
            run.reporter.error(heard.failed_[login.casefold()], doing=Doing.ASSIGN)
    if any(login.casefold() in heard.failed_ for login in logins):
        return EXIT_FAILED
    left = [login for login in logins if login.casefold() in waiting_folded]
    if left:
        needs_sign_in = any(isinstance(rows[x.casefold()].error, AuthError) for x in left)
        hint = "sign in again (or fix GH_TOKEN), then " if needs_sign_in else ""
        state = heard.last_waiting if heard.last_waiting.count else Waiting(len(left))
        why = describe(state, Front.CLI) if state.until or state.reason else "GitHub did not answer in time"
        out.say(
            f"{len(left)} of {plural(len(logins), 'change')} still queued ({why}); {hint}run 'triageboard "
            "sync' later."
        )
        return EXIT_QUEUED
    return EXIT_OK
