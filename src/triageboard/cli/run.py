"""One run of a scripting command: its board, clock, reporter, token, HTTP client and (when needed) the
outbox, the move engine and the meeting journal — the CLI's one wiring point, closed in order at the end."""

from __future__ import annotations

import argparse
from types import TracebackType

import httpx

from .. import paths
from ..auth import Credentials
from ..board import BoardSpec
from ..clock import Clock, clock_from_environ
from ..errors import KeyringUnavailable, MalformedToken, StoreError, StoreReason, UsageError
from ..github import GitHubClient, PageCache, Policy, host_of
from ..github.transport import http_client
from ..moves import MoveEngine, MoveEvents
from ..reporting import NotSignedIn, Reporter
from ..store import Journal, Outbox, SnapshotStore, SQLitePageCache
from ..wording import Front, describe
from .parser import resolve_board
from .printer import Printer

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_QUEUED = 3


class CliError(Exception):
    """Ends a command with exit ``code``; ``fact`` (an error or a notice) is said on stderr, unless None
    (already reported)."""

    def __init__(self, fact: object, code: int = EXIT_FAILED) -> None:
        super().__init__(fact, code)
        self.fact = fact
        self.code = code

    def text(self) -> str:
        return describe(self.fact, Front.CLI)


class Run:
    def __init__(self, args: argparse.Namespace, printer: Printer) -> None:
        self.args = args
        self.printer = printer
        self.reporter = Reporter()
        self.reporter.connect(printer)
        self.spec: BoardSpec = resolve_board(args)
        try:
            self.clock: Clock = clock_from_environ()
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        self.policy = Policy()
        self.token = ""
        self._http: httpx.AsyncClient | None = None
        self._client: GitHubClient | None = None
        self._outbox: Outbox | None = None
        self._journal: Journal | None = None

    async def __aenter__(self) -> Run:
        self.token = await self._resolve_token()
        self._http = http_client(self.spec.api_url)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._outbox is not None:
            self._outbox.close()
        if self._journal is not None:
            self._journal.close()
        if self._http is not None:
            await self._http.aclose()

    async def _resolve_token(self) -> str:
        """The token for the board's host: the environment, then the keyring (the window's sources)."""
        credentials = Credentials(self.spec.api_url)
        names = credentials.env_vars()
        var = "GH_TOKEN" if "GH_TOKEN" in names else names[0]
        try:
            token = await credentials.load()
        except KeyringUnavailable as exc:
            raise CliError(NotSignedIn(host_of(self.spec.api_url), var, exc)) from None
        except MalformedToken as exc:
            raise CliError(exc) from None
        if not token:
            raise CliError(NotSignedIn(host_of(self.spec.api_url), var))
        return token

    def client(self, cache: PageCache | None = None) -> GitHubClient:
        if self._client is None:
            assert self._http is not None, "use the run as an async context manager"
            token = self.token
            self._client = GitHubClient(
                self._http,
                self.spec.api_url,
                lambda: token,
                cache=cache,
                policy=self.policy,
                clock=self.clock,
            )
        return self._client

    def client_with(self, cache: PageCache | None) -> GitHubClient:
        """Another client on the run's HTTP client, token, policy and clock, with a page cache of its own
        (the timeline store's, for the account)."""
        assert self._http is not None, "use the run as an async context manager"
        token = self.token
        return GitHubClient(
            self._http, self.spec.api_url, lambda: token, cache=cache, policy=self.policy, clock=self.clock
        )

    def outbox(self) -> Outbox:
        """The shared outbox; a damaged one was set aside (said on stderr). Raises CliError when unusable."""
        if self._outbox is None:
            try:
                self._outbox = Outbox(paths.outbox_path(), clock=self.clock)
            except (StoreError, OSError) as exc:
                raise CliError(_store_error(exc, "outbox", str(paths.outbox_path()))) from None
            if self._outbox.notice is not None:
                self.reporter.warning(self._outbox.notice)
        return self._outbox

    def journal(self) -> Journal:
        """The meeting journal the window keeps; a damaged one was set aside (said on stderr)."""
        if self._journal is None:
            try:
                self._journal = Journal(paths.journal_path(), clock=self.clock)
            except (StoreError, OSError) as exc:
                raise CliError(_store_error(exc, "meeting journal", str(paths.journal_path()))) from None
            if self._journal.notice is not None:
                self.reporter.warning(self._journal.notice)
        return self._journal

    def engine(self, events: MoveEvents) -> MoveEngine:
        return MoveEngine(self.client(), self.outbox(), events)

    def snapshots(self) -> SnapshotStore | None:
        """The saved boards the window also uses; without them, listing asks GitHub for everything."""
        try:
            store = SnapshotStore(paths.snapshots_path())
        except (StoreError, OSError) as exc:
            self.reporter.warning(_store_error(exc, "board snapshots", str(paths.snapshots_path())))
            return None
        if store.notice is not None:
            self.reporter.warning(store.notice)
        return store

    def page_cache(self) -> SQLitePageCache | None:
        """The ETag cache the window also uses; without it, listing still works (at full rate-limit cost)."""
        try:
            cache = SQLitePageCache(paths.page_cache_path())
        except (StoreError, OSError) as exc:
            self.reporter.warning(_store_error(exc, "page cache", str(paths.page_cache_path())))
            return None
        if cache.notice is not None:
            self.reporter.warning(cache.notice)
        return cache


def _store_error(exc: Exception, what: str, path: str) -> StoreError:
    if isinstance(exc, StoreError):
        return exc
    return StoreError(what, path, StoreReason.DISK, detail=str(exc))
