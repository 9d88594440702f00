"""GitHub's OAuth device flow: show a code, the user approves it in a browser, poll until a token comes.

Endpoints hang off the web URL derived from the API URL (github.com, an Enterprise host, the sandbox). No
client secret is involved; the OAuth app must have the device flow enabled. Requests go through the app's
one ``httpx.AsyncClient`` with no Authorization header and no redirects followed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .. import __version__
from ..github.urls import normalize_api_url, web_url

log = logging.getLogger(__name__)

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP = 5.0  # seconds GitHub adds on slow_down when it does not say the new interval
DEFAULT_INTERVAL = 5.0
REQUEST_TIMEOUT = 30.0


class DeviceFlowError(Exception):
    """The device flow ended without a token. ``str(err)`` says why and what to do; ``code`` is GitHub's."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class AccessDenied(DeviceFlowError):
    pass


class CodeExpired(DeviceFlowError):
    pass


class DeviceFlowDisabled(DeviceFlowError):
    pass


_MESSAGES: dict[str, tuple[type[DeviceFlowError], str]] = {
    "access_denied": (AccessDenied, "Sign-in was cancelled in the browser. Start again to retry."),
    "expired_token": (CodeExpired, "The code expired before it was approved. Start again for a new code."),
    "token_expired": (CodeExpired, "The code expired before it was approved. Start again for a new code."),
    "device_flow_disabled": (
        DeviceFlowDisabled,
        "The OAuth app does not allow the device flow (enable it in the app's settings), or paste a token.",
    ),
    "incorrect_device_code": (DeviceFlowError, "GitHub did not recognise the device code. Start again."),
    "incorrect_client_credentials": (
        DeviceFlowError,
        "GitHub does not know the configured OAuth client id. Check the setting, or paste a token.",
    ),
    "unsupported_grant_type": (DeviceFlowError, "GitHub refused the sign-in request. Paste a token instead."),
}


class _NoToken(httpx.Auth):
    """Strips any Authorization header (``httpx.Auth()`` itself leaves a client default in place)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.pop("Authorization", None)
        yield request


_NO_TOKEN = _NoToken()


@dataclass(frozen=True, slots=True)
class DeviceCode:
    device_code: str = field(repr=False)  # can be traded for the token: never in a log line
    user_code: str
    verification_uri: str
    expires_in: float
    interval: float


class DeviceFlow:
    """One sign-in attempt. ``time_scale`` shrinks the waits between polls (tests); production keeps 1.0."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        client_id: str,
        *,
        scope: str = "public_repo",
        time_scale: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self.web_url = web_url(normalize_api_url(api_url))
        self.client_id = client_id
        self.scope = scope
        self.time_scale = time_scale
        self._sleep = sleep
        self._clock = clock

    async def start(self) -> DeviceCode:
        """Ask GitHub for a user code to show and a device code to poll with."""
        data = await self._post("/login/device/code", {"client_id": self.client_id, "scope": self.scope})
        self._raise_for_error(data)
        try:
            code = DeviceCode(
                device_code=_text(data, "device_code"),
                user_code=_text(data, "user_code"),
                verification_uri=_text(data, "verification_uri"),
                expires_in=float(data.get("expires_in", 900)),
                interval=float(data.get("interval", DEFAULT_INTERVAL)),
            )
        except (TypeError, ValueError):
            raise DeviceFlowError(
                "GitHub's answer to the sign-in request was incomplete. Try again."
            ) from None
        if not code.verification_uri.startswith(("https://", self.web_url)):
            raise DeviceFlowError("GitHub sent an unexpected sign-in address. Paste a token instead.")
        return code

    async def wait_for_token(self, code: DeviceCode) -> str:
        """Poll at GitHub's interval until the user approves, denies, or the code expires."""
        interval = max(code.interval, 0.0)
        deadline = self._clock() + code.expires_in  # real seconds, as GitHub says: not scaled
        while True:
            await self._sleep(interval * self.time_scale)
            data = await self._post(
                "/login/oauth/access_token",
                {"client_id": self.client_id, "device_code": code.device_code, "grant_type": GRANT_TYPE},
            )
            token = data.get("access_token")
            if isinstance(token, str) and token:
                return token
            error = data.get("error")
            if error == "authorization_pending":
                pass
            elif error == "slow_down":
                new = data.get("interval")
                # RFC 8628: add 5 s for this and every later poll; GitHub also says the new interval.
                given = float(new) if isinstance(new, int | float) and not isinstance(new, bool) else 0.0
                interval = max(given, interval + SLOW_DOWN_STEP)
                log.debug("device flow: slow_down, polling every %.0f s", interval)
            else:
                self._raise_for_error(data)
                raise DeviceFlowError("GitHub's answer while waiting for approval made no sense. Try again.")
            if self._clock() >= deadline:
                raise CodeExpired(_MESSAGES["expired_token"][1], "expired_token")

    async def _post(self, path: str, form: Mapping[str, str]) -> dict[str, Any]:
        url = f"{self.web_url}{path}"
        try:
            response = await self._http.post(
                url,
                data=dict(form),
                headers={"Accept": "application/json", "User-Agent": f"triageboard/{__version__}"},
                auth=_NO_TOKEN,  # never the API token, whatever the client's default headers are
                follow_redirects=False,
                timeout=REQUEST_TIMEOUT,
            )
        except httpx.TransportError as exc:
            raise DeviceFlowError(
                f"Cannot reach {httpx.URL(url).host} ({type(exc).__name__}). "
                "Check your connection and try again."
            ) from None
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            if response.status_code == 404:
                raise DeviceFlowError(
                    f"{httpx.URL(url).host} offers no device flow sign-in (404). Paste a token instead."
                )
            raise DeviceFlowError(
                f"GitHub answered the sign-in request with {response.status_code} and no usable data. "
                "Try again later, or paste a token."
            )
        if response.status_code >= 400 and "error" not in data:
            raise DeviceFlowError(
                f"GitHub refused the sign-in request ({response.status_code}). Check the OAuth client id, "
                "or paste a token."
            )
        return data

    def _raise_for_error(self, data: Mapping[str, Any]) -> None:
        error = data.get("error")
        if not error:
            return
        error = str(error)
        kind, message = _MESSAGES.get(
            error,
            (DeviceFlowError, f"GitHub refused the sign-in ({error[:60]}). Try again, or paste a token."),
        )
        raise kind(message, error)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value
