"""``triageboard list|move|sync|assign|agenda|minutes``: the board, its move engine and its meetings without
a window, for scripts and tests.

No Qt here. One ``httpx.AsyncClient`` per run, closed at the end. The token is never printed or logged.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError, UsageError
from ..runtime import logs
from .parser import COMMANDS, parse
from .printer import Printer

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_QUEUED", "EXIT_USAGE", "main", "run_command"]

EXIT_USAGE = 2


def __getattr__(name: str) -> Any:
    # A run's wiring (HTTP, the stores) is imported on first use: the window only needs the parser.
    if name in ("EXIT_FAILED", "EXIT_OK", "EXIT_QUEUED"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: Sequence[str]) -> int:
    """The scripting commands: ``argv`` starts with the command (list, move, sync, ...)."""
    printer = Printer()
    try:
        args = parse(argv)
    except UsageError as exc:
        printer.say(exc.problem)
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    if not args.command:
        printer.say(f"say which command: {', '.join(COMMANDS)} (see 'triageboard --help')")
        return EXIT_USAGE
    return run_command(args, printer)


def run_command(args: argparse.Namespace, printer: Printer | None = None) -> int:
    """Run a parsed command; returns the exit code."""
    import asyncio

    from .run import EXIT_OK, CliError

    printer = printer or Printer()
    configured = logs.configure(args.verbose, quiet=("triageboard.moves",))
    try:
        return asyncio.run(_run(args, printer))
    except UsageError as exc:
        printer.say(f"{args.command}: {exc.problem}")
        return EXIT_USAGE
    except CliError as exc:
        if exc.fact is not None:
            printer.say(f"{args.command}: " + exc.text())
        return exc.code
    except BrokenPipeError:  # e.g. piped into head: not an error worth a traceback
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        printer.say("interrupted; queued changes stay in the outbox.")
        return 130
    finally:
        configured.undo()


async def _run(args: argparse.Namespace, printer: Printer) -> int:
    from .run import EXIT_FAILED, CliError, Run

    # Each command's module is imported when it runs: a 'list' does not load the meeting or the bot.
    try:
        async with Run(args, printer) as run:
            if args.command == "list":
                from . import listing

                return await listing.list_board(run)
            if args.command == "assign":
                from . import assigning

                return await assigning.assign(run)
            if args.command in ("agenda", "minutes"):
                from . import meeting

                return await (
                    meeting.print_agenda(run) if args.command == "agenda" else meeting.print_minutes(run)
                )
            from . import sending

            return await (sending.move(run) if args.command == "move" else sending.sync(run))
    except ConfigError as exc:
        raise CliError(exc, EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED) from None
