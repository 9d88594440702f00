"""Command line: parse (one parser for the window and the commands), then hand over: the window
(``app.run``), a scripting command (``cli``), or a desktop task (self-check, menu entry)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .cli.parser import parse
from .errors import UsageError


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse(args_list)
    except UsageError as exc:
        print(f"triageboard: {exc.problem}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    if args.command:
        from .cli import run_command

        return run_command(args)
    if args.self_check:
        from .desktop.selfcheck import self_check

        return self_check()
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        from .desktop.entry import install_desktop_entry, uninstall_desktop_entry

        return uninstall_desktop_entry() if args.uninstall_desktop_entry else install_desktop_entry()
    from .app import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
