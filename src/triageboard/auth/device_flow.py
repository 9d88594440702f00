"""GitHub's OAuth device flow: show a code, the user approves it in a browser, poll until a token comes.

Endpoints hang off the web URL derived from the API URL (github.com, an Enterprise host, the sandbox). No
client secret is involved; the OAuth app must have the device flow enabled. Requests go through the app's
one ``httpx.AsyncClient`` with no Authorization header and no redirects followed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .. import __version__
from ..clock import Clock, SystemClock
from ..errors import AccessDenied, CodeExpired, DeviceFlowDisabled, DeviceFlowError
from ..github.urls import normalize_api_url, web_url

log = logging.getLogger(__name__)

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP = 5.0  # seconds GitHub adds on slow_down when it does not say the new interval
DEFAULT_INTERVAL = 5.0
REQUEST_TIMEOUT = 30.0


_KINDS: dict[str, type[DeviceFlowError]] = {
    "access_denied": AccessDenied,
    "expired_token": CodeExpired,
    "token_expired": CodeExpired,
    "device_flow_disabled": DeviceFlowDisabled,
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
    """One sign-in attempt; polls at GitHub's interval on ``clock``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        client_id: str,
        *,
        scope: str = "public_repo",
        clock: Clock | None = None,
    ) -> None:
        self._http = http
        self.web_url = web_url(normalize_api_url(api_url))
        self.client_id = client_id
        self.scope = scope
        self.clock: Clock = clock or SystemClock()

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
            raise DeviceFlowError("incomplete") from None
        if not code.verification_uri.startswith(("https://", self.web_url)):
            raise DeviceFlowError("bad-address")
        return code

    async def wait_for_token(self, code: DeviceCode) -> str:
        """Poll at GitHub's interval until the user approves, denies, or the code expires."""
        interval = max(code.interval, 0.0)
        deadline = self.clock.monotonic() + code.expires_in
        while True:
            await self.clock.sleep(interval)
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
                raise DeviceFlowError("nonsense")
            if self.clock.monotonic() >= deadline:
                raise CodeExpired("expired_token")

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
        except httpx.TransportError:
            raise DeviceFlowError("unreachable", host=httpx.URL(url).host) from None
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            if response.status_code == 404:
                raise DeviceFlowError("no-device-flow", status=404, host=httpx.URL(url).host)
            raise DeviceFlowError("bad-answer", status=response.status_code)
        if response.status_code >= 400 and "error" not in data:
            raise DeviceFlowError("refused", status=response.status_code)
        return data

    def _raise_for_error(self, data: Mapping[str, Any]) -> None:
        error = data.get("error")
        if not error:
            return
        code = str(error)[:60]
        raise _KINDS.get(code, DeviceFlowError)(code)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value
