"""The one command line of triageboard, for the window and the scripting commands alike.

``triageboard [OPTIONS]`` opens the window; ``triageboard COMMAND [OPTIONS]`` runs a command without one.
Board options work before or after the command.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any

from ..board import (
    DEFAULT_PRESET,
    PRESETS,
    BoardFileError,
    BoardSpec,
    Sort,
    is_repo_name,
    load_board_file,
    preset,
)
from ..errors import InsecureURL, UsageError
from ..github.urls import normalize_api_url
from ..wording import Front, describe

COMMANDS = ("list", "move", "sync", "assign", "agenda", "minutes")
DEFAULT_WAIT = 120.0
# Timelines a listing reads from GitHub at most (the stored ones cost nothing): how long cards have been in
# their columns, for "in_column_since" and the stalled rule.
DEFAULT_MAX_TIMELINES = 100

CREDENTIALS_HELP = (
    "The token comes from GH_TOKEN or GITHUB_TOKEN (GH_ENTERPRISE_TOKEN for an Enterprise host), else from "
    "the OS keyring after signing in with the app (Account ▸ Sign in)."
)
EXIT_CODES = (
    "exit codes: 0 done (GitHub has every change); 1 failed (the message says why; a change that cannot "
    "succeed is dropped from the outbox); 2 usage error; 3 queued but not sent yet (a temporary failure or "
    "a rate limit: the changes stay in the outbox, run 'triageboard sync' later)."
)
_WAIT_HELP = (
    f"keep retrying temporary failures and rate limits for at most this long (default {DEFAULT_WAIT:g}); "
    "what is not sent by then stays queued (exit code 3)"
)
# Options that only make sense for the window: refused with a command.
WINDOW_ONLY = ("demo", "refresh_minutes", "self_check", "install_desktop_entry", "uninstall_desktop_entry")


class _Parser(argparse.ArgumentParser):
    """Usage errors become :class:`UsageError` (exit code 2 with the message), never a SystemExit
    from deep inside; ``--help`` and ``--version`` still print and exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Version(argparse.Action):
    """``--version``: the version is looked up only when asked (it reads the installed metadata)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("nargs", 0)
        kwargs.setdefault("default", argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from .. import __version__

        print(f"triageboard {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="triageboard",
        description=(
            "Triage GitHub issues on a kanban board. Dragging a card to another column changes the "
            "issue's labels on GitHub. Without a command it opens the window; the commands script the "
            "same board without one."
        ),
        epilog=f"{CREDENTIALS_HELP} Try it without GitHub: triageboard --demo",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the embedded GitHub sandbox on 127.0.0.1 and open the demo board against it",
    )
    _board_options(parser, top=True)
    parser.add_argument(
        "--refresh-minutes",
        type=_minutes,
        default=5.0,
        metavar="N",
        help="refetch the board every N minutes to show others' changes (default 5; 0 turns it off). "
        "Unchanged pages cost no rate limit",
    )
    system = parser.add_argument_group("desktop")
    system.add_argument(
        "--self-check",
        action="store_true",
        help="print the Qt version, platform plugin, keyring backend and data directories, then exit",
    )
    system.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="install the menu entry, icons and AppStream metadata for the current user, then exit",
    )
    system.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry installed, then exit",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (repeat for debug)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help_text, description=description, epilog=f"{CREDENTIALS_HELP} {EXIT_CODES}"
        )
        _board_options(sub, top=False)
        sub.add_argument(
            "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="log more (repeat for debug)"
        )
        return sub

    listing = command(
        "list",
        "print the board",
        "Print the board's cards, one line per card: COLUMN, ISSUE, flags, TITLE (tab-separated). "
        "Changes still in the outbox are shown where they are going, flagged 'pending'. Flags: conflict, "
        "lost-area, needs-assignee, stalled, pending. With --json each card also has 'in_column_since', "
        "read from the issue's timeline (null when not read).",
    )
    listing.add_argument("--column", metavar="NAME", help="only this column (name or 1-based position)")
    listing.add_argument("--json", action="store_true", help="print a JSON array of cards instead")
    listing.add_argument(
        "--view",
        metavar="NAME",
        help="only the cards of this view, in its order: a view saved in the window or a built-in one "
        "(e.g. 'Stalled', 'Mentored, no assignee')",
    )
    listing.add_argument(
        "--sort",
        choices=[s.value for s in Sort],
        help="order within each column (default: the view's, else the board's: newest first); "
        "time-in-column: longest first",
    )
    listing.add_argument(
        "--max-timelines",
        type=_count,
        default=DEFAULT_MAX_TIMELINES,
        metavar="N",
        help="read at most N issue timelines from GitHub for the time in a column (default "
        f"{DEFAULT_MAX_TIMELINES}; 0: none). Timelines read before and unchanged cost nothing",
    )
    listing.add_argument(
        "--no-cache",
        action="store_true",
        help="ask GitHub for the whole board and never print the saved one (by default the saved board "
        "is brought up to date with only what changed, and printed with its age when GitHub cannot be "
        "reached)",
    )

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
    move.add_argument("--wait", type=_seconds, default=DEFAULT_WAIT, metavar="SECONDS", help=_WAIT_HELP)

    sync = command(
        "sync",
        "send the changes waiting in the outbox",
        "Send every change still in the outbox (left by a crash, a network failure or a rate limit) and "
        "report the outcome.",
    )
    sync.add_argument("--wait", type=_seconds, default=DEFAULT_WAIT, metavar="SECONDS", help=_WAIT_HELP)

    assign = command(
        "assign",
        "assign people to an issue (or unassign them)",
        "Queue one change per login in the durable outbox, then send them: each login is added (or, with "
        "--remove, removed) on its own and the other assignees stay. GitHub drops logins it cannot assign "
        "without a word; the command says so.",
    )
    assign.add_argument("issue", metavar="OWNER/REPO#N", help="the issue, e.g. rust-lang/rust#123")
    assign.add_argument("logins", nargs="+", metavar="LOGIN", help="GitHub logins (a leading @ is fine)")
    assign.add_argument("--remove", action="store_true", help="unassign them instead")
    assign.add_argument("--wait", type=_seconds, default=DEFAULT_WAIT, metavar="SECONDS", help=_WAIT_HELP)

    agenda = command(
        "agenda",
        "print the weekly triage meeting's agenda",
        "Print the meeting's agenda as the board stands now: the uncategorized issues, a review of the "
        "first column, then promotions into each column from its right neighbour (ranked, with reasons).",
    )
    agenda.add_argument("--json", action="store_true", help="print the agenda as JSON instead")
    agenda.add_argument(
        "--max-timelines",
        type=_count,
        default=DEFAULT_MAX_TIMELINES,
        metavar="N",
        help="read at most N issue timelines for the time in a column, which ranks promotions (default "
        f"{DEFAULT_MAX_TIMELINES}; 0: none)",
    )

    command(
        "minutes",
        "print the last triage meeting's minutes (Markdown)",
        "Print the minutes of this board's last triage meeting held by the signed-in account, from the "
        "meeting journal.",
    )
    return parser


def _board_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # After a command, the options keep what was given before it unless given again (argparse would
    # otherwise reset them to the subcommand's defaults).
    default = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("board")
    which = group.add_mutually_exclusive_group()
    which.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=default,
        help=f"a built-in board (default: {DEFAULT_PRESET}: Focus / OnDeck / Other / Uncategorized)",
    )
    which.add_argument(
        "--board", metavar="FILE.toml", default=default, help="a board file: sources, area labels, columns"
    )
    group.add_argument(
        "--repo",
        action="append",
        metavar="OWNER/NAME",
        default=default,
        help="fetch from this repository instead of the board's (repeatable)",
    )
    group.add_argument(
        "--query",
        metavar="SEARCH",
        default=default,
        help='fetch with a GitHub search instead, e.g. "org:rust-lang"',
    )
    group.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help="GitHub API base: https://api.github.com (default) or https://HOST/api/v3 for Enterprise",
    )


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 0 <= value <= 24 * 60:
        raise argparse.ArgumentTypeError("give a number of minutes from 0 (off) to 1440")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 100_000:
        raise argparse.ArgumentTypeError("give a number from 0 to 100000")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value):  # float() takes 'nan' and 'inf'
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    if not 0 <= value <= 7 * 24 * 3600:
        raise argparse.ArgumentTypeError("give a number of seconds from 0 to a week")
    return value


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line. Raises :class:`UsageError`; ``--help``/``--version`` raise SystemExit(0)."""
    args = build_parser().parse_args(list(argv))
    if args.command:
        defaults = {"demo": False, "refresh_minutes": 5.0}
        given = [
            name
            for name in WINDOW_ONLY
            if getattr(args, name, False) not in (False, None, defaults.get(name))
        ]
        if given:
            option = "--" + given[0].replace("_", "-")
            raise UsageError(f"{option} is for the window; it does not go with '{args.command}'")
    return args


def resolve_board(args: argparse.Namespace) -> BoardSpec:
    """The board the options describe: a preset or a board file, with sources overridden as asked."""
    try:
        spec = load_board_file(args.board) if args.board else preset(args.preset or DEFAULT_PRESET)
    except BoardFileError as exc:
        raise UsageError(str(exc)) from None
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    repos = args.repo
    for repo in repos or ():
        if not is_repo_name(repo):
            raise UsageError(f"--repo {repo!r}: write it as OWNER/NAME, e.g. rust-lang/rust", "--repo")
    try:
        api_url = normalize_api_url(args.api_url or spec.api_url)
    except InsecureURL as exc:
        text = describe(exc, Front.CLI)
        raise UsageError(f"--api-url: {text}" if args.api_url else text, "--api-url") from None
    api_url_override = None if api_url == spec.api_url and not args.api_url else api_url
    if repos or args.query or api_url_override:
        spec = spec.with_sources(repos=repos, query=args.query, api_url=api_url_override)
    return spec
