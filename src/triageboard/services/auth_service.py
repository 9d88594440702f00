"""Signing in and out: the async work behind the sign-in dialog and the Account menu, reported by signals.

The token itself lives in :class:`~triageboard.auth.Credentials` (memory) and the OS keyring; the
``GitHubClient`` reads ``credentials.token`` on each request, so a new sign-in takes effect on the next
request with nothing rebuilt. Signals carry logins, scopes and facts, never a token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from PySide6.QtCore import QObject, Signal

from ..auth import (
    KEYRING,
    Credentials,
    DeviceFlow,
    TokenCheck,
    check_token,
    gh_cli_token,
    oauth_client_id,
    settings_path,
)
from ..auth.settings import CLIENT_ID_ENV
from ..clock import Clock, SystemClock
from ..errors import (
    AuthError,
    DeviceFlowError,
    GhImportError,
    GitHubError,
    KeyringUnavailable,
    MalformedToken,
    SettingsError,
)
from ..github import Policy, check_token_sendable
from ..reporting import (
    Doing,
    NoClientId,
    NotSignedIn,
    Reporter,
    SessionOnly,
    SignedOut,
    Source,
    TokenRejected,
    UserUnknown,
)
from ..tasks import TaskScope

log = logging.getLogger(__name__)

SCOPE_PUBLIC = "public_repo"
SCOPE_PRIVATE = "repo"
DEVICE_FLOW = "device flow"
PASTED = "pasted token"
GH_CLI = "gh CLI"
AUTH = Source.AUTH  # the cause "not signed in" messages belong to; a sign-in takes them down


@dataclass(frozen=True, slots=True)
class _Candidate:
    token: str = field(repr=False)  # never in a log line or a traceback's locals
    check: TokenCheck
    origin: str


class AuthService(QObject):
    """Resolves the token at start (environment, then keyring), signs in and out, switches accounts.

    Signals for the window: ``user_changed(str)`` (login, or "" when signed out), ``busy_changed(bool)``,
    ``signed_in(str)``, ``sign_in_needed()`` (``start()`` found no usable token: offer the dialog). For the
    sign-in dialog (facts, worded by the dialog): ``device_code_ready(user_code, url)``,
    ``device_flow_failed(fact)``, ``token_checked(login, scopes, limits-or-None)``,
    ``token_check_failed(fact)``. ``token_found()``: ``start()`` found a token and is checking it (the
    board may load alongside the check).
    Everything else goes to the reporter.
    """

    user_changed = Signal(str)
    busy_changed = Signal(bool)
    device_code_ready = Signal(str, str)
    device_flow_failed = Signal(object)
    token_checked = Signal(str, str, object)
    token_check_failed = Signal(object)
    signed_in = Signal(str)
    sign_in_needed = Signal()
    token_found = Signal()

    def __init__(
        self,
        credentials: Credentials,
        http: httpx.AsyncClient,
        reporter: Reporter,
        scope: TaskScope,
        *,
        repos: Sequence[str] = (),
        client_id: str | None = None,
        policy: Policy | None = None,
        clock: Clock | None = None,
        gh: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.credentials = credentials
        self.reporter = reporter
        self.scope = scope
        self.repos = tuple(repos)
        self._http = http
        self._policy = policy or Policy()
        self.clock: Clock = clock or SystemClock()
        self._gh = gh
        self._login = ""
        self._busy = 0
        self._device_task: asyncio.Task[None] | None = None
        self._candidate: _Candidate | None = None
        self.client_id, self.client_id_problem = self._resolve_client_id(client_id)

    # --- state ---------------------------------------------------------------------------------

    @property
    def login(self) -> str:
        return self._login

    @property
    def host(self) -> str:
        return self.credentials.host

    @property
    def device_flow_available(self) -> bool:
        return self.client_id is not None

    def _resolve_client_id(self, given: str | None) -> tuple[str | None, NoClientId | None]:
        if given:
            return given, None
        setting = str(settings_path())
        try:
            found = oauth_client_id(self.credentials.host)
        except SettingsError as exc:
            return None, NoClientId(self.credentials.host, CLIENT_ID_ENV, setting, exc)
        if found:
            return found, None
        return None, NoClientId(self.credentials.host, CLIENT_ID_ENV, setting)

    def _set_login(self, login: str) -> None:
        if login != self._login:
            self._login = login
            self.user_changed.emit(login)
        if login:
            self.reporter.resolve(AUTH)

    # --- the window's calls -----------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Find a token (environment, then keyring) and learn whose it is."""
        return self._spawn(self._start(), "start")

    def sign_out(self) -> asyncio.Task[None]:
        return self._spawn(self._sign_out(), "sign-out")

    # --- the dialog's calls -----------------------------------------------------------------------

    def start_device_flow(self, scope: str = SCOPE_PUBLIC) -> asyncio.Task[None] | None:
        self.cancel_device_flow()
        if self.client_id is None:
            self.device_flow_failed.emit(self.client_id_problem)
            return None
        flow = DeviceFlow(self._http, self.credentials.api_url, self.client_id, scope=scope, clock=self.clock)
        self._device_task = self._spawn(self._device_flow(flow), "device-flow")
        return self._device_task

    def cancel_device_flow(self) -> None:
        task, self._device_task = self._device_task, None
        if task is not None and not task.done():
            task.cancel()

    def check_token(self, text: str) -> asyncio.Task[None]:
        """Validate a pasted token; ``token_checked`` or ``token_check_failed`` answers."""
        return self._spawn(self._check(text.strip(), PASTED), "check-token")

    def import_from_gh(self) -> asyncio.Task[None]:
        """Fetch the gh CLI's token for this host and validate it like a pasted one."""
        return self._spawn(self._import_gh(), "gh-import")

    def use_checked_token(self) -> asyncio.Task[None]:
        """Keep the token the last successful check was about: keyring, then in use."""
        return self._spawn(self._use_candidate(), "use-token")

    def discard_checked_token(self) -> None:
        self._candidate = None

    # --- the work -------------------------------------------------------------------------------------

    async def _start(self) -> None:
        try:
            token = await self.credentials.load()
        except (KeyringUnavailable, MalformedToken) as exc:
            self._set_login("")
            self.reporter.error(exc, doing=Doing.START, source=AUTH)
            self.sign_in_needed.emit()
            return
        if token is None:
            self._set_login("")
            names = self.credentials.env_vars()
            var = "GH_TOKEN" if "GH_TOKEN" in names else names[0]
            self.reporter.warning(NotSignedIn(self.host, var), doing=Doing.START, source=AUTH)
            self.sign_in_needed.emit()
            return
        self.token_found.emit()
        try:
            check = await check_token(
                self._http, self.credentials.api_url, token, policy=self._policy, clock=self.clock
            )
        except AuthError:
            source = self.credentials.origin
            self.credentials.forget()
            self._set_login("")
            self.reporter.error(
                TokenRejected(source if source != KEYRING else "keyring"), doing=Doing.START, source=AUTH
            )
            self.sign_in_needed.emit()
            return
        except GitHubError as exc:
            # Offline or GitHub trouble: keep the token, the board will retry; the login stays unknown.
            self.reporter.warning(UserUnknown(exc), doing=Doing.START, source=AUTH)
            return
        self._set_login(check.login)

    async def _sign_out(self) -> None:
        self.cancel_device_flow()
        self._candidate = None
        env_var = self.credentials.env_var
        try:
            removed = await self.credentials.sign_out()
        except KeyringUnavailable as exc:
            self._set_login("")
            self.reporter.error(exc, doing=Doing.SIGN_OUT)
            return
        self._set_login("")
        self.reporter.info(SignedOut(env_var, removed), doing=Doing.SIGN_OUT)

    async def _device_flow(self, flow: DeviceFlow) -> None:
        try:
            code = await flow.start()
            self.device_code_ready.emit(code.user_code, code.verification_uri)
            token = await flow.wait_for_token(code)
            check = await check_token(
                self._http, self.credentials.api_url, token, self.repos, policy=self._policy, clock=self.clock
            )
        except (DeviceFlowError, GitHubError) as exc:
            self.device_flow_failed.emit(exc)
            return
        await self._adopt(_Candidate(token, check, DEVICE_FLOW))

    async def _check(self, token: str, origin: str) -> None:
        self._candidate = None
        try:
            check_token_sendable(token, origin)
        except MalformedToken as exc:
            self.token_check_failed.emit(exc)
            return
        try:
            check = await check_token(
                self._http, self.credentials.api_url, token, self.repos, policy=self._policy, clock=self.clock
            )
        except GitHubError as exc:
            self.token_check_failed.emit(exc)
            return
        self._candidate = _Candidate(token, check, origin)
        self.token_checked.emit(check.login, check.scopes_text, check.warning)

    async def _import_gh(self) -> None:
        try:
            token = await gh_cli_token(self.credentials.host, self.credentials.store, gh=self._gh)
        except GhImportError as exc:
            self.token_check_failed.emit(exc)
            return
        await self._check(token, GH_CLI)

    async def _use_candidate(self) -> None:
        candidate = self._candidate
        if candidate is None:
            return  # the dialog enables "use" only after a check; a stale click does nothing
        self._candidate = None
        await self._adopt(candidate)

    async def _adopt(self, candidate: _Candidate) -> None:
        """Store a validated token and switch to it; without a keyring, use it for this session only."""
        try:
            await self.credentials.store_token(candidate.token, candidate.origin)
        except KeyringUnavailable as exc:
            self.credentials.use(candidate.token, candidate.origin)
            self.reporter.error(SessionOnly(candidate.check.login, exc), doing=Doing.SIGN_IN)
        login = candidate.check.login
        self._login = ""  # a sign-in always announces itself, even as the same account
        self._set_login(login)
        self.signed_in.emit(login)
        if candidate.check.warning is not None:
            self.reporter.warning(candidate.check.warning, doing=Doing.SIGN_IN)

    # --- plumbing ---------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return self.scope.spawn(self._busy_while(work), name=name)

    async def _busy_while(self, work: Coroutine[Any, Any, None]) -> None:
        self._busy += 1
        if self._busy == 1:
            self.busy_changed.emit(True)
        try:
            await work  # an unexpected error goes on to the scope, hence to the crash handler
        finally:
            self._busy -= 1
            if self._busy == 0:
                self.busy_changed.emit(False)
