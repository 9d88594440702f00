"""The OAuth device flow, as GitHub (Enterprise) serves it at ``/login/device/code`` and
``/login/oauth/access_token``.

``interval`` and ``expires_in`` are GitHub's 5 s and 900 s times the sandbox's ``time_scale``; the JSON
carries them as whole seconds, at least 1 (``max(1, ceil(value))``), and polls are checked against the
scaled, unrounded interval.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

DEFAULT_INTERVAL = 5
DEFAULT_EXPIRES_IN = 900
SLOW_DOWN_STEP = 5
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
ERROR_URI = "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow"
_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"

_DESCRIPTIONS = {
    "authorization_pending": "The authorization request is still pending.",
    "slow_down": "Too many requests have been made in the same timeframe.",
    "expired_token": "The device code has expired.",
    "access_denied": "The authorization request was denied.",
    "incorrect_device_code": "The device_code provided is not valid.",
    "incorrect_client_credentials": "The client_id and/or client_secret passed are incorrect.",
    "unsupported_grant_type": "The grant type is not supported.",
    "device_flow_disabled": "Device flow must be explicitly enabled for this App",
}


@dataclass(slots=True)
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    created: float
    expires_at: float
    interval: int  # GitHub seconds
    last_poll: float | None = None
    pending_polls: int = 0
    status: Literal["pending", "approved", "denied", "redeemed"] = "pending"


def oauth_error(code: str, **extra: object) -> dict[str, object]:
    return {
        "error": code,
        "error_description": _DESCRIPTIONS.get(code, code),
        "error_uri": ERROR_URI,
        **extra,
    }


class DeviceFlow:
    """Not thread-safe on its own: the sandbox's lock guards it."""

    def __init__(
        self,
        *,
        time_scale: float,
        seed: int,
        client_id: str,
        disabled_client_ids: tuple[str, ...],
        mint_token: Callable[[str], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.time_scale = time_scale
        self.client_id = client_id
        self.disabled_client_ids = disabled_client_ids
        self.auto_approve_after_polls: int | None = None
        self._mint_token = mint_token
        self._clock = clock
        self._rng = random.Random(f"device-{seed}")
        self.codes: dict[str, DeviceCode] = {}  # device_code -> DeviceCode

    def wire_seconds(self, seconds: float) -> int:
        return max(1, math.ceil(seconds * self.time_scale))

    def start(self, client_id: str, scope: str, verification_uri: str) -> tuple[int, dict[str, object]]:
        if client_id in self.disabled_client_ids:
            return 400, oauth_error("device_flow_disabled")
        if client_id != self.client_id:
            return 404, {"error": "Not Found"}
        now = self._clock()
        code = DeviceCode(
            device_code="".join(self._rng.choice("0123456789abcdef") for _ in range(40)),
            user_code=self._user_code(),
            client_id=client_id,
            scope=scope,
            created=now,
            expires_at=now + DEFAULT_EXPIRES_IN * self.time_scale,
            interval=DEFAULT_INTERVAL,
        )
        self.codes[code.device_code] = code
        return 200, {
            "device_code": code.device_code,
            "user_code": code.user_code,
            "verification_uri": verification_uri,
            "expires_in": self.wire_seconds(DEFAULT_EXPIRES_IN),
            "interval": self.wire_seconds(DEFAULT_INTERVAL),
        }

    def _user_code(self) -> str:
        while True:
            letters = "".join(self._rng.choice(_CODE_LETTERS) for _ in range(8))
            candidate = f"{letters[:4]}-{letters[4:]}"
            if all(c.user_code != candidate for c in self.codes.values()):
                return candidate

    def poll(self, client_id: str, device_code: str, grant_type: str) -> dict[str, object]:
        if grant_type != GRANT_TYPE:
            return oauth_error("unsupported_grant_type")
        if client_id in self.disabled_client_ids:
            return oauth_error("device_flow_disabled")
        if client_id != self.client_id:
            return oauth_error("incorrect_client_credentials")
        code = self.codes.get(device_code)
        if code is None or code.client_id != client_id or code.status == "redeemed":
            return oauth_error("incorrect_device_code")
        now = self._clock()
        if now >= code.expires_at:
            return oauth_error("expired_token")
        if code.status == "denied":
            return oauth_error("access_denied")
        last, code.last_poll = code.last_poll, now
        if last is not None and now - last < code.interval * self.time_scale:
            code.interval += SLOW_DOWN_STEP
            return oauth_error("slow_down", interval=self.wire_seconds(code.interval))
        auto = self.auto_approve_after_polls
        if code.status == "pending" and auto is not None and code.pending_polls >= auto:
            code.status = "approved"
        if code.status == "approved":
            code.status = "redeemed"
            return {"access_token": self._mint_token(code.scope), "token_type": "bearer", "scope": code.scope}
        code.pending_polls += 1
        return oauth_error("authorization_pending")

    def find(self, user_code: str) -> DeviceCode:
        wanted = user_code.strip().upper()
        if len(wanted) == 8 and "-" not in wanted:
            wanted = f"{wanted[:4]}-{wanted[4:]}"
        for code in self.codes.values():
            if code.user_code == wanted:
                return code
        raise KeyError(f"no device code with user code {user_code!r}")

    def decide(self, user_code: str, *, approve: bool) -> None:
        code = self.find(user_code)
        if code.status == "pending":
            code.status = "approved" if approve else "denied"

    def expire(self, user_code: str) -> None:
        self.find(user_code).expires_at = self._clock()

    def pending(self) -> list[DeviceCode]:
        now = self._clock()
        return [c for c in self.codes.values() if c.status == "pending" and now < c.expires_at]
