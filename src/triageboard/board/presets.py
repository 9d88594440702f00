"""Built-in boards (presets) and boards read from a TOML file."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import BoardFileError
from .addresses import is_loopback
from .model import BoardSpec, Column
from .names import is_repo_name

DEFAULT_PRESET = "rust-async"
# The async WG reviews Focus weekly; two weeks without a sign of life is worth a question at the meeting.
STALLED_AFTER_DAYS = 14

RUST_ASYNC = BoardSpec(
    name="rust-async",
    title="Rust async-await triage",
    area_labels=("A-async-await",),
    repos=("rust-lang/rust", "rust-lang/wg-async"),
    columns=(
        Column(
            "Focus",
            ("AsyncAwait-Focus",),
            soft_min=3,
            soft_max=5,
            description="Work now",
            require_assignee=True,
            stalled_after_days=STALLED_AFTER_DAYS,
        ),
        Column("OnDeck", ("AsyncAwait-OnDeck",), soft_max=25, description="Next, about one page"),
        Column("Other", ("AsyncAwait-Other",), description="Triaged, not planned yet"),
        Column("Uncategorized", (), description="Area label, no triage label yet"),
    ),
)

RUST_ASYNC_2021 = BoardSpec(
    name="rust-async-2021",
    title="Rust async-await triage (2021 priorities)",
    area_labels=("A-async-await",),
    repos=("rust-lang/rust", "rust-lang/wg-async"),
    columns=(
        Column("P-high", ("P-high", "AsyncAwait-Triaged")),
        Column("P-medium", ("P-medium", "AsyncAwait-Triaged")),
        Column("P-low", ("P-low", "AsyncAwait-Triaged")),
        Column("Uncategorized", (), description="Area label, not triaged yet"),
    ),
)

# The org-wide variant of the default: one search over every rust-lang repository (first 1,000 results).
RUST_ASYNC_ORG = replace(
    RUST_ASYNC,
    name="rust-async-org",
    title="Rust async-await triage (all of rust-lang)",
    repos=(),
    query="org:rust-lang",
)

PRESETS: dict[str, BoardSpec] = {spec.name: spec for spec in (RUST_ASYNC, RUST_ASYNC_2021, RUST_ASYNC_ORG)}


def preset(name: str) -> BoardSpec:
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise KeyError(f"there is no preset {name!r}; the presets are {known}") from None


_TOP_KEYS = {
    "name",
    "title",
    "api_url",
    "repos",
    "query",
    "area_labels",
    "mentor_label",
    "include_pull_requests",
    "include_closed",
    "columns",
}
_COLUMN_KEYS = {
    "name",
    "labels",
    "soft_min",
    "soft_max",
    "description",
    "require_assignee",
    "stalled_after_days",
}


def load_board_file(path: str | Path) -> BoardSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BoardFileError(str(path), f"cannot read the board file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise BoardFileError(str(path), "the board file is not UTF-8 text") from exc
    return parse_board(text, str(path))


def parse_board(text: str, source: str = "<board>") -> BoardSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(match.group(1)) if match else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "not valid TOML"
        raise BoardFileError(source, f"not valid TOML: {reason}", line=line) from exc
    return _Reader(text, source).board(data)


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source

    def error(self, message: str, key: str, table: int | None = None) -> BoardFileError:
        return BoardFileError(self.source, message, line=self.line_of(key, table), key=key)

    def line_of(self, key: str, table: int | None) -> int | None:
        """The line where ``key`` is written: top level, or inside the ``table``-th ``[[columns]]``."""
        bare = key.rsplit(".", 1)[-1]
        start, end = 0, len(self.lines)
        headers = [n for n, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*columns\s*\]\]", line)]
        if table is not None and table < len(headers):
            start = headers[table]
            end = headers[table + 1] if table + 1 < len(headers) else len(self.lines)
            if bare == "columns":
                return start + 1
        elif table is None and headers:
            end = headers[0]
        pattern = re.compile(rf"\s*\"?{re.escape(bare)}\"?\s*=")
        for n in range(start, end):
            if pattern.match(self.lines[n]):
                return n + 1
        # A key written as a table header: [sources] or [[sources]].
        header = re.compile(rf"\s*\[\[?\s*\"?{re.escape(bare)}\"?\s*\]")
        for n, line in enumerate(self.lines):
            if header.match(line):
                return n + 1
        return start + 1 if table is not None else None

    def board(self, data: Mapping[str, Any]) -> BoardSpec:
        for key in data:
            if key not in _TOP_KEYS:
                raise self.error(f"unknown key; a board file knows {', '.join(sorted(_TOP_KEYS))}", key)
        raw_columns = data.get("columns")
        if not isinstance(raw_columns, list) or not raw_columns:
            raise self.error("a board needs at least one [[columns]] table", "columns")
        columns = [self.column(raw, n) for n, raw in enumerate(raw_columns)]
        if not any(c.is_uncategorized for c in columns):
            columns.append(Column("Uncategorized", (), description="In scope, no column's labels"))
        elif sum(c.is_uncategorized for c in columns) > 1:
            second = [n for n, c in enumerate(columns) if c.is_uncategorized][1]
            raise self.error(
                "only one column may have no labels (the uncategorized column)", "columns", second
            )
        seen: set[str] = set()
        for n, column in enumerate(columns):
            if column.name.casefold() in seen:
                raise self.error(f"two columns are named {column.name!r}", "columns.name", n)
            seen.add(column.name.casefold())
        repos = self.strings(data, "repos", ())
        for repo in repos:
            if not is_repo_name(repo):
                raise self.error(f"{repo!r} is not a repository; write OWNER/NAME", "repos")
        query = self.optional_str(data, "query")
        if not repos and not query:
            raise self.error("say where issues come from: 'repos = [\"OWNER/NAME\"]' or 'query'", "repos")
        api_url = self.optional_str(data, "api_url") or "https://api.github.com"
        scheme, _, rest = api_url.partition("://")
        host = urlsplit(api_url).hostname or ""
        if scheme not in {"http", "https"} or not rest or not host:
            raise self.error("api_url must be https://api.github.com or https://HOST/api/v3", "api_url")
        if scheme == "http" and not is_loopback(host):
            raise self.error(
                f"refusing plain http:// for {host}: the token would travel unencrypted; use https://",
                "api_url",
            )
        return BoardSpec(
            name=self.optional_str(data, "name") or "custom",
            title=self.optional_str(data, "title") or self.optional_str(data, "name") or "Custom board",
            columns=tuple(columns),
            area_labels=self.strings(data, "area_labels", ()),
            repos=repos,
            query=query,
            api_url=api_url.rstrip("/"),
            mentor_label=self.optional_str(data, "mentor_label") or "E-mentor",
            include_pull_requests=self.boolean(data, "include_pull_requests"),
            include_closed=self.boolean(data, "include_closed"),
        )

    def column(self, raw: object, n: int) -> Column:
        where = f"columns[{n + 1}]"
        if not isinstance(raw, dict):
            raise self.error("each column is a [[columns]] table", where, n)
        for key in raw:
            if key not in _COLUMN_KEYS:
                known = ", ".join(sorted(_COLUMN_KEYS))
                raise self.error(f"unknown column key; a column knows {known}", f"{where}.{key}", n)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.error("every column needs a name", f"{where}.name", n)
        labels = self.strings(raw, "labels", (), prefix=where, table=n)
        soft_min = self.count(raw, "soft_min", where, n)
        soft_max = self.count(raw, "soft_max", where, n)
        if soft_min is not None and soft_max is not None and soft_min > soft_max:
            raise self.error("soft_min is larger than soft_max", f"{where}.soft_min", n)
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise self.error("expected text", f"{where}.description", n)
        require_assignee = raw.get("require_assignee", False)
        if not isinstance(require_assignee, bool):
            raise self.error(
                f"expected true or false, got {require_assignee!r}", f"{where}.require_assignee", n
            )
        stalled = self.count(raw, "stalled_after_days", where, n)
        if stalled == 0:
            raise self.error("expected a whole number of days ≥ 1, got 0", f"{where}.stalled_after_days", n)
        return Column(
            name.strip(),
            labels,
            soft_min,
            soft_max,
            description,
            require_assignee=require_assignee,
            stalled_after_days=stalled,
        )

    def strings(
        self,
        data: Mapping[str, Any],
        key: str,
        default: tuple[str, ...],
        prefix: str = "",
        table: int | None = None,
    ) -> tuple[str, ...]:
        value = data.get(key, default)
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error("expected a list of non-empty strings", full, table)
        return tuple(v.strip() for v in value)

    def optional_str(self, data: Mapping[str, Any], key: str) -> str | None:
        value: str | None = self._typed(data, key, str, "text", lambda v: v.strip() or None)
        return value

    def boolean(self, data: Mapping[str, Any], key: str) -> bool:
        return bool(self._typed(data, key, bool, "true or false", lambda v: v))

    def count(self, data: Mapping[str, Any], key: str, where: str, table: int) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(f"expected a whole number ≥ 0, got {value!r}", f"{where}.{key}", table)
        return value

    def _typed(
        self, data: Mapping[str, Any], key: str, kind: type, noun: str, convert: Callable[[Any], Any]
    ) -> Any:
        if key not in data:
            return None
        value = data[key]
        if not isinstance(value, kind):
            raise self.error(f"expected {noun}, got {value!r}", key)
        return convert(value)
