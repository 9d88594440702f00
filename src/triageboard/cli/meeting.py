"""``triageboard agenda [--json]`` and ``triageboard minutes``: the weekly triage meeting without a window.

The agenda is made from the board as GitHub has it now (with the outbox's pending changes on top). Time in
a column needs each issue's timeline, which is not fetched: ranking by age uses when an issue was opened,
and ``in_column_since`` is null. The minutes come from the meeting journal the window keeps.
"""

from __future__ import annotations

import asyncio
import json

from ..board import JournalError, agenda, agenda_json, minutes, needed_to_fill
from ..board import StepKind as Kind
from ..errors import GitHubError, Offline, StoreError, TimedOut
from ..github import host_of
from ..reporting import MinutesOffline, NoMeeting
from ..store import Place
from ..wording import plural
from .listing import fetch_cards
from .run import EXIT_FAILED, EXIT_OK, CliError, Run


async def print_agenda(run: Run) -> int:
    spec = run.spec
    now = run.clock.now()
    made = agenda(spec, await fetch_cards(run), now)
    out = run.printer
    if run.args.json:
        print(json.dumps(agenda_json(made), ensure_ascii=False, indent=1), file=out.out)
        return EXIT_OK
    for number, step in enumerate(made.steps, start=1):
        count = plural(len(step.items), "issue" if step.kind is not Kind.PROMOTE else "candidate")
        need = ""
        if step.kind is Kind.PROMOTE:
            needed = needed_to_fill(spec.column(step.column), made.counts[step.column])
            need = (
                f"; {step.column} has no limit"
                if needed is None
                else f"; {step.column} needs {needed} to reach its limit"
            )
        out.line(f"{number}. {step.title} ({count}{need})")
        for item in step.items:
            why = item.reason.text if item.reason is not None else ",".join(item.card.flags) or "-"
            out.line("", str(item.card.key), why, item.card.issue.title)
    return EXIT_OK


async def _account(run: Run) -> str:
    """Whose minutes: the token's account, or offline the last account seen on the host (said on stderr);
    the minutes are on this computer, so a network that is down does not keep them from the user."""
    try:
        return (await run.client().current_user()).login
    except (Offline, TimedOut) as exc:
        host = host_of(run.spec.api_url)
        snapshots = run.snapshots()
        try:
            account = await snapshots.account(host) if snapshots is not None else None
        finally:
            if snapshots is not None:
                snapshots.close()
        if account is None or not account.signed_in:
            raise CliError(exc) from None
        run.reporter.warning(MinutesOffline(host, account.login, exc))
        return account.login
    except GitHubError as exc:
        raise CliError(exc) from None


async def print_minutes(run: Run) -> int:
    login = await _account(run)
    place = Place(run.spec.api_url, login, run.spec.name)
    journal = run.journal()
    try:
        stored = await asyncio.to_thread(journal.last, place)
    except (StoreError, JournalError) as exc:
        raise CliError(exc) from None
    if stored is None:
        raise CliError(NoMeeting(run.spec.name, login), EXIT_FAILED)
    try:
        text = minutes(stored.records)
    except JournalError as exc:
        raise CliError(exc) from None
    for line in text.splitlines():
        run.printer.line(line)
    return EXIT_OK
