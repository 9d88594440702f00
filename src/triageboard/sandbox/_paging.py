"""Pagination like GitHub's: ``per_page`` (default 30, at most 100), ``page``, and ``Link`` headers whose
URLs use the ``/repositories/{id}/...`` form; clients must follow them verbatim."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import parse_qsl, quote, urlencode

from ._http import Request
from ._model import Repo
from ._rest import Result
from ._world import World

T = TypeVar("T")


def page_params(params: dict[str, str], default: int = 30) -> tuple[int, int]:
    def number(key: str, fallback: int) -> int:
        try:
            value = int(params.get(key, ""))
        except ValueError:
            return fallback
        return value if value >= 1 else fallback

    return min(number("per_page", default), 100), number("page", 1)


def link_base(world: World, repo: Repo, rest: Sequence[str]) -> str:
    """``/repositories/{id}/...`` for a repository's list at ``rest``."""
    return f"{world.urls.api}/repositories/{repo.id}/" + "/".join(quote(s, safe="") for s in rest)


def links(request: Request, base: str, page: int, last: int) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k != "page"]

    def url(n: int) -> str:
        return f"{base}?{urlencode([*pairs, ('page', str(n))])}"

    found: list[str] = []
    if page > 1:
        found.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        found.append(f'<{url(page + 1)}>; rel="next"')
        found.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        found.append(f'<{url(1)}>; rel="first"')
    return [("Link", ", ".join(found))] if found else []


def page(
    items: Sequence[T], request: Request, base: str, *, cap: int | None = None
) -> tuple[list[T], list[tuple[str, str]]]:
    """This request's page of ``items`` (only the first ``cap`` are reachable) and its ``Link`` header."""
    per_page, number = page_params(request.params())
    available = len(items) if cap is None else min(len(items), cap)
    last = max(1, math.ceil(available / per_page))
    start = (number - 1) * per_page
    chosen = list(items[start : min(start + per_page, available)])
    return chosen, (links(request, base, number, last) if available else [])


def paginated(
    request: Request, items: Sequence[object], base: str, *, accepted_scopes: str = "repo"
) -> Result:
    chosen, headers = page(items, request, base)
    return Result(200, chosen, headers, accepted_scopes=accepted_scopes)
