"""Command-line options shared by the window and the scripting commands, how they pick a board, and the
test-mode time scale both read from the environment."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from .board import DEFAULT_PRESET, PRESETS, BoardFileError, BoardSpec, is_repo_name, load_board_file, preset
from .github.errors import InsecureURL
from .github.urls import normalize_api_url

TIME_SCALE_ENV = "TRIAGEBOARD_TIME_SCALE"


class UsageError(Exception):
    """A command-line choice that cannot work; the message says how to fix it (exit code 2)."""


def time_scale(environ: Mapping[str, str] = os.environ) -> float:
    """``TRIAGEBOARD_TIME_SCALE`` (test mode only) shrinks every wait; production keeps 1.0.

    Raises ``UsageError`` when it is set to anything but a number in (0, 1].
    """
    text = environ.get(TIME_SCALE_ENV, "").strip()
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{TIME_SCALE_ENV}={text!r} is not a number") from None
    if not 0 < value <= 1:
        raise UsageError(f"{TIME_SCALE_ENV} must be in (0, 1]")
    return value


def add_board_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("board")
    which = group.add_mutually_exclusive_group()
    which.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help=f"a built-in board (default: {DEFAULT_PRESET}: Focus / OnDeck / Other / Uncategorized)",
    )
    which.add_argument("--board", metavar="FILE.toml", help="a board file: sources, area labels, columns")
    group.add_argument(
        "--repo",
        action="append",
        metavar="OWNER/NAME",
        help="fetch from this repository instead of the board's (repeatable)",
    )
    group.add_argument(
        "--query",
        metavar="SEARCH",
        help='fetch with a GitHub search instead, e.g. "org:rust-lang" (first 1,000 results)',
    )
    group.add_argument(
        "--api-url",
        metavar="URL",
        help="GitHub API base: https://api.github.com (default) or https://HOST/api/v3 for Enterprise",
    )


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
            raise UsageError(f"--repo {repo!r}: write it as OWNER/NAME, e.g. rust-lang/rust")
    try:
        api_url = normalize_api_url(args.api_url or spec.api_url)
    except InsecureURL as exc:
        raise UsageError(f"--api-url: {exc}" if args.api_url else str(exc)) from None
    if api_url == spec.api_url and not args.api_url:
        api_url_override: str | None = None
    else:
        api_url_override = api_url
    if repos or args.query or api_url_override:
        spec = spec.with_sources(repos=repos, query=args.query, api_url=api_url_override)
    return spec
