"""``python -m sandboxkit`` (with ``PYTHONPATH=tests/support``): serve a test sandbox, with its control API
under ``/_sandbox/`` and the device flow, until SIGINT or SIGTERM.

Prints exactly one line on stdout, ``triageboard sandbox: API <api_url> token <token>``, once it serves.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from triageboard.sandbox._cli import clock, parser, serve

from .sandbox import Sandbox


def main(argv: Sequence[str] | None = None) -> int:
    used = parser("python -m sandboxkit", __doc__)
    used.add_argument(
        "--auto-approve",
        type=int,
        default=None,
        metavar="N",
        help="approve a device-flow login after N pending polls (default: approve at /login/device)",
    )
    args = used.parse_args(argv)
    sandbox = Sandbox(
        args.token,
        seed=args.seed,
        clock=clock(args, used),
        host=args.host,
        port=args.port,
        extra_issues=args.extra_issues,
        auto_approve_after_polls=args.auto_approve,
    )
    return serve(sandbox, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
