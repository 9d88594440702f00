"""``python -m triageboard.sandbox``: serve the demo sandbox until SIGINT or SIGTERM.

Prints exactly one line on stdout, ``triageboard sandbox: API <api_url> token <token>``, once it serves.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._cli import clock, parser, serve
from ._sandbox import Sandbox


def main(argv: Sequence[str] | None = None) -> int:
    used = parser("python -m triageboard.sandbox", __doc__)
    args = used.parse_args(argv)
    sandbox = Sandbox(
        args.token,
        seed=args.seed,
        clock=clock(args, used),
        host=args.host,
        port=args.port,
        extra_issues=args.extra_issues,
    )
    return serve(sandbox, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
