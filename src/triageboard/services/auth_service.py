"""Signing in and out: the async work behind the sign-in dialog and the Account menu, reported by signals.

The token itself lives in :class:`~triageboard.auth.Credentials` (memory) and the OS keyring; the
``GitHubClient`` reads ``credentials.token`` on each request, so a new sign-in takes effect on the next
request with nothing rebuilt. Signals carry only logins, scopes and sentences, never a token.
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
    DeviceFlowError,
    GhImportError,
    KeyringUnavailable,
    SettingsError,
    TokenCheck,
    check_token,
    gh_cli_token,
    oauth_client_id,
    redact,
    settings_path,
)
from ..auth.settings import CLIENT_ID_ENV
from ..github import AuthError, GitHubError, Policy

log = logging.getLogger(__name__)

SCOPE_PUBLIC = "public_repo"
SCOPE_PRIVATE = "repo"
DEVICE_FLOW = "device flow"
PASTED = "pasted token"
GH_CLI = "gh CLI"


@dataclass(frozen=True, slots=True)
class _Candidate:
    token: str = field(repr=False)  # never in a log line or a traceback's locals
    check: TokenCheck
    origin: str


class AuthService(QObject):
    """Resolves the token at start (environment, then keyring), signs in and out, switches accounts.

    Signals for the window: ``user_changed(str)`` (login, or "" when signed out), ``error(str)``,
    ``notice(str)``, ``busy_changed(bool)``. For the sign-in dialog: ``device_code_ready(user_code, url)``,
    ``device_flow_failed(str)``, ``token_checked(login, scopes, warning)``, ``token_check_failed(str)``,
    ``signed_in(str)``. ``sign_in_needed(str)``: ``start()`` found no usable token (none, rejected, or no
    keyring); the text says so and how to sign in, and the window should offer the sign-in dialog.
    """

    user_changed = Signal(str)
    error = Signal(str)
    notice = Signal(str)
    busy_changed = Signal(bool)
    device_code_ready = Signal(str, str)
    device_flow_failed = Signal(str)
    token_checked = Signal(str, str, str)
    token_check_failed = Signal(str)
    signed_in = Signal(str)
    sign_in_needed = Signal(str)

    def __init__(
        self,
        credentials: Credentials,
        http: httpx.AsyncClient,
        *,
        repos: Sequence[str] = (),
        client_id: str | None = None,
        policy: Policy | None = None,
        gh: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.credentials = credentials
        self.repos = tuple(repos)
        self._http = http
        self._policy = policy or Policy()
        self._gh = gh
        self._login = ""
        self._busy = 0
        self._tasks: set[asyncio.Task[None]] = set()
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

    def _resolve_client_id(self, given: str | None) -> tuple[str | None, str]:
        if given:
            return given, ""
        try:
            found = oauth_client_id(self.credentials.host)
        except SettingsError as exc:
            return None, f"{exc} Meanwhile, paste a token instead."
        if found:
            return found, ""
        return None, (
            f"Signing in through the browser needs an OAuth app client id for {self.credentials.host}, and "
            f"none is configured. Set {CLIENT_ID_ENV}, or add it under [client_id] in {settings_path()}. "
            "You can paste a personal access token instead."
        )

    def _set_login(self, login: str) -> None:
        if login != self._login:
            self._login = login
            self.user_changed.emit(login)

    # --- the window's calls -----------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Find a token (environment, then keyring) and learn whose it is."""
        return self._spawn(self._start())

    def sign_out(self) -> asyncio.Task[None]:
        return self._spawn(self._sign_out())

    # --- the dialog's calls -----------------------------------------------------------------------

    def start_device_flow(self, scope: str = SCOPE_PUBLIC) -> asyncio.Task[None] | None:
        self.cancel_device_flow()
        if self.client_id is None:
            self.device_flow_failed.emit(self.client_id_problem)
            return None
        flow = DeviceFlow(
            self._http,
            self.credentials.api_url,
            self.client_id,
            scope=scope,
            time_scale=self._policy.time_scale,
        )
        self._device_task = self._spawn(self._device_flow(flow))
        return self._device_task

    def cancel_device_flow(self) -> None:
        task, self._device_task = self._device_task, None
        if task is not None and not task.done():
            task.cancel()

    def check_token(self, text: str) -> asyncio.Task[None]:
        """Validate a pasted token; ``token_checked`` or ``token_check_failed`` answers."""
        return self._spawn(self._check(text.strip(), PASTED))

    def import_from_gh(self) -> asyncio.Task[None]:
        """Fetch the gh CLI's token for this host and validate it like a pasted one."""
        return self._spawn(self._import_gh())

    def use_checked_token(self) -> asyncio.Task[None]:
        """Keep the token the last successful check was about: keyring, then in use."""
        return self._spawn(self._use_candidate())

    def discard_checked_token(self) -> None:
        self._candidate = None

    # --- the work -------------------------------------------------------------------------------------

    async def _start(self) -> None:
        try:
            token = await self.credentials.load()
        except KeyringUnavailable as exc:
            self._set_login("")
            self._need_sign_in(f"Not signed in: {exc}")
            return
        if token is None:
            self._set_login("")
            names = self.credentials.env_vars()
            var = "GH_TOKEN" if "GH_TOKEN" in names else names[0]
            self._need_sign_in(
                f"Not signed in to {self.host}. Choose Account ▸ Sign in… to sign in through the browser or "
                f"with a token, or set {var} and restart.",
                problem=False,
            )
            return
        try:
            check = await check_token(self._http, self.credentials.api_url, token, policy=self._policy)
        except AuthError:
            source = self.credentials.origin
            self.credentials.forget()
            self._set_login("")
            where = f"the {source} environment variable" if source != KEYRING else "the keyring"
            self._need_sign_in(
                f"GitHub rejected the token from {where} (expired or revoked). Sign in again (Account ▸ "
                "Sign in…)" + (f", or set a valid {source}." if source != KEYRING else ".")
            )
            return
        except GitHubError as exc:
            # Offline or GitHub trouble: keep the token, the board will retry; the login stays unknown.
            self.notice.emit(f"Could not check who is signed in: {exc}")
            return
        self._set_login(check.login)

    def _need_sign_in(self, message: str, *, problem: bool = True) -> None:
        """Say why no token is in use (``error``, or ``notice`` on a first start), and ask the window to offer
        the dialog (``sign_in_needed``)."""
        (self.error if problem else self.notice).emit(message)
        self.sign_in_needed.emit(message)

    async def _sign_out(self) -> None:
        self.cancel_device_flow()
        self._candidate = None
        env_var = self.credentials.env_var
        try:
            removed = await self.credentials.sign_out()
        except KeyringUnavailable as exc:
            self._set_login("")
            self.error.emit(f"Signed out for this session, but the stored token could not be removed: {exc}")
            return
        self._set_login("")
        again = "Choose Account ▸ Sign in… to sign in again."
        if env_var:
            self.notice.emit(
                f"Signed out. {env_var} is still set in the environment and will be used at the next start; "
                "unset it to stay signed out."
            )
        elif removed:
            self.notice.emit(f"Signed out; the token was removed from the keyring. {again}")
        else:
            self.notice.emit(f"Signed out (no token was stored in the keyring). {again}")

    async def _device_flow(self, flow: DeviceFlow) -> None:
        try:
            code = await flow.start()
            self.device_code_ready.emit(code.user_code, code.verification_uri)
            token = await flow.wait_for_token(code)
            check = await check_token(
                self._http, self.credentials.api_url, token, self.repos, policy=self._policy
            )
        except DeviceFlowError as exc:
            self.device_flow_failed.emit(str(exc))
            return
        except GitHubError as exc:
            self.device_flow_failed.emit(f"Signed in, but the new token could not be checked: {exc}")
            return
        await self._adopt(_Candidate(token, check, DEVICE_FLOW))

    async def _check(self, token: str, origin: str) -> None:
        self._candidate = None
        if not token:
            self.token_check_failed.emit("Paste a token first (it starts with ghp_ or github_pat_).")
            return
        if any(ch.isspace() for ch in token) or not token.isascii():
            self.token_check_failed.emit(
                "That does not look like a token: it contains spaces or odd letters."
            )
            return
        try:
            check = await check_token(
                self._http, self.credentials.api_url, token, self.repos, policy=self._policy
            )
        except AuthError:
            self.token_check_failed.emit(
                "GitHub rejected this token (401): it is wrong, expired or revoked. Create a new one."
            )
            return
        except GitHubError as exc:
            self.token_check_failed.emit(f"Could not check the token: {exc}")
            return
        self._candidate = _Candidate(token, check, origin)
        self.token_checked.emit(check.login, check.scopes_text, check.warning or "")

    async def _import_gh(self) -> None:
        try:
            token = await gh_cli_token(self.credentials.host, self.credentials.store, gh=self._gh)
        except GhImportError as exc:
            self.token_check_failed.emit(str(exc))
            return
        await self._check(token, GH_CLI)

    async def _use_candidate(self) -> None:
        candidate = self._candidate
        if candidate is None:
            self.token_check_failed.emit("Check a token first.")
            return
        self._candidate = None
        await self._adopt(candidate)

    async def _adopt(self, candidate: _Candidate) -> None:
        """Store a validated token and switch to it; without a keyring, use it for this session only."""
        try:
            await self.credentials.store_token(candidate.token, candidate.origin)
        except KeyringUnavailable as exc:
            self.credentials.use(candidate.token, candidate.origin)
            self.error.emit(
                f"Signed in as {candidate.check.login} for this session only; the token was not saved. {exc}"
            )
        login = candidate.check.login
        self._login = ""  # a sign-in always announces itself, even as the same account
        self._set_login(login)
        self.signed_in.emit(login)
        if candidate.check.warning:
            self.notice.emit(candidate.check.warning)

    # --- plumbing ---------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._guard(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, work: Coroutine[Any, Any, None]) -> None:
        self._busy += 1
        if self._busy == 1:
            self.busy_changed.emit(True)
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # unexpected: report without the token, then let the crash log have it
            log.exception("sign-in failed unexpectedly")
            self.error.emit(redact(f"Sign-in failed unexpectedly ({type(exc).__name__}). Try again."))
        finally:
            self._busy -= 1
            if self._busy == 0:
                self.busy_changed.emit(False)

    async def aclose(self) -> None:
        """Cancel whatever is running (the app calls this before closing the HTTP client)."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
