"""Command-line options shared by the window and the scripting commands, and how they pick a board."""

from __future__ import annotations

import argparse

from .board import DEFAULT_PRESET, PRESETS, BoardFileError, BoardSpec, load_board_file, preset
from .github.errors import InsecureURL
from .github.urls import normalize_api_url
from .netaddr import is_repo_name


class UsageError(Exception):
    """A command-line choice that cannot work; the message says how to fix it (exit code 2)."""


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
