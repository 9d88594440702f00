"""Command line: argument parsing only; the work happens in app.run, cli and desktop."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .options import UsageError, add_board_options, resolve_board

SCRIPT_COMMANDS = ("list", "move", "sync")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triageboard",
        description=(
            "Triage GitHub issues on a kanban board. Dragging a card to another column changes the "
            "issue's labels on GitHub. Scripting: 'triageboard list|move|sync --help'."
        ),
        epilog=(
            "The token comes from GH_TOKEN or GITHUB_TOKEN, else from the OS keyring after you sign in "
            "(Account ▸ Sign in). Try it without GitHub: triageboard --demo"
        ),
    )
    parser.add_argument("--version", action="version", version=f"triageboard {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the embedded GitHub sandbox on 127.0.0.1 and open the demo board against it",
    )
    add_board_options(parser)
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
    return parser


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 0 <= value <= 24 * 60:
        raise argparse.ArgumentTypeError("give a number of minutes from 0 (off) to 1440")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in SCRIPT_COMMANDS:
        from .cli import main as cli_main

        return cli_main(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.self_check:
        from .desktop import self_check

        return self_check()
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        from .desktop import install_desktop_entry, uninstall_desktop_entry

        return uninstall_desktop_entry() if args.uninstall_desktop_entry else install_desktop_entry()
    try:
        spec = resolve_board(args)
    except UsageError as exc:
        print(f"triageboard: {exc}", file=sys.stderr)
        return 2
    from .app import run

    return run(args, spec)


if __name__ == "__main__":
    raise SystemExit(main())
