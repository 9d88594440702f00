"""The OAuth device flow, as GitHub (Enterprise) serves it at ``/login/device/code`` and
``/login/oauth/access_token``, with its activation page at ``/login/device``.

``interval`` and ``expires_in`` are GitHub's 5 s and 900 s on the sandbox's clock; polls are checked
against the interval on that clock.
"""

from __future__ import annotations

import html
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode

from triageboard.sandbox._http import Request, Response
from triageboard.sandbox._web import page
from triageboard.sandbox._world import TokenInfo, World

DEVICE_FLOW_CLIENT_ID = "sandbox-client-id"
DISABLED_DEVICE_FLOW_CLIENT_ID = "sandbox-disabled-client-id"

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
        seed: int,
        client_id: str,
        disabled_client_ids: tuple[str, ...],
        mint_token: Callable[[str], str],
        clock: Callable[[], float],
    ) -> None:
        self.client_id = client_id
        self.disabled_client_ids = disabled_client_ids
        self.auto_approve_after_polls: int | None = None
        # Seconds GitHub wants between polls at least, whatever it announced (as when it is under load): a
        # client polling at the announced interval meets a slow_down, then keeps up.
        self.min_interval = 0.0
        self._mint_token = mint_token
        self._clock = clock
        self._rng = random.Random(f"device-{seed}")
        self.codes: dict[str, DeviceCode] = {}  # device_code -> DeviceCode

    def wire_seconds(self, seconds: float) -> int:
        return max(1, math.ceil(seconds))

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
            expires_at=now + DEFAULT_EXPIRES_IN,
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
        if last is not None and now - last < max(code.interval, self.min_interval):
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


def mint_token(world: World, seed: int, scope: str) -> str:
    """A new token for ``ferris`` with the triage role and the approved scopes (the lock is held)."""
    world.counters["device_tokens_issued"] += 1
    token = f"gho_sandbox{seed:04d}{world.counters['device_tokens_issued']:06d}devicefl0w"
    scopes = tuple(s for s in scope.replace(",", " ").split() if s)
    world.tokens[token] = TokenInfo(login="ferris", scopes=scopes, permission="triage")
    world.data.ensure_user("ferris")
    return token


def handle(world: World, flow: DeviceFlow, request: Request, segments: list[str]) -> Response | None:
    """The device flow's endpoints and page, or None for any other path (the lock is held)."""
    match segments:
        case ["login", "device", "code"] if request.method == "POST":
            form = _form(request)
            scope = ",".join(form.get("scope", "").replace(",", " ").split())
            status, data = flow.start(form.get("client_id", ""), scope, f"{world.urls.web}/login/device")
            return _oauth_answer(request, status, data)
        case ["login", "oauth", "access_token"] if request.method == "POST":
            form = _form(request)
            if "device_code" not in form:
                return _oauth_answer(request, 200, oauth_error("incorrect_device_code"))
            answer = flow.poll(form.get("client_id", ""), form["device_code"], form.get("grant_type", ""))
            return _oauth_answer(request, 200, answer)
        case ["login", "device"]:
            return _device_page(flow, request) if request.method != "POST" else _device_decide(flow, request)
    return None


def _form(request: Request) -> dict[str, str]:
    """Parameters from the query string and the body (form-encoded or JSON)."""
    values = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = (request.header("Content-Type") or "").lower()
    if "json" in content_type:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            data = {}
        if isinstance(data, dict):
            values.update({str(k): str(v) for k, v in data.items() if v is not None})
    else:
        values.update(dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)))
    return values


def _oauth_answer(request: Request, status: int, data: dict[str, object]) -> Response:
    """JSON when the client accepts it, else form-encoded like github.com's default."""
    if "application/json" in (request.header("Accept") or "").lower():
        body = json.dumps(data).encode()
        content_type = "application/json; charset=utf-8"
    else:
        body = urlencode({k: str(v) for k, v in data.items()}).encode()
        content_type = "application/x-www-form-urlencoded; charset=utf-8"
    return Response(status, [("Content-Type", content_type), ("Cache-Control", "no-store")], body)


def _device_page(flow: DeviceFlow, request: Request) -> Response:
    params = request.params()
    note = ""
    if params.get("result"):
        note = f"<p><strong>{html.escape(params['result'])}</strong></p>"
    rows = "".join(
        "<li><form method='post' action='/login/device'>"
        f"<code>{html.escape(code.user_code)}</code> (scope: {html.escape(code.scope or 'none')}) "
        f"<input type='hidden' name='user_code' value='{html.escape(code.user_code)}'>"
        "<button name='action' value='approve'>Authorize</button> "
        "<button name='action' value='deny'>Cancel</button></form></li>"
        for code in flow.pending()
    )
    body = (
        "<h1>Device activation</h1>" + note + "<form method='post' action='/login/device'>"
        "<label>Enter the code displayed on your device: <input name='user_code' autofocus></label> "
        "<button name='action' value='approve'>Continue</button></form>"
        f"<h2>Waiting devices</h2><ul>{rows or '<li>none</li>'}</ul>"
    )
    return page("Device activation · Sandbox", body)


def _device_decide(flow: DeviceFlow, request: Request) -> Response:
    form = _form(request)
    approve = form.get("action", "approve") != "deny"
    try:
        flow.decide(form.get("user_code", ""), approve=approve)
    except KeyError:
        result = "That code is not valid."
    else:
        result = (
            "Device authorized: you can return to your device." if approve else "Authorization cancelled."
        )
    return Response(
        303, [("Location", "/login/device?" + urlencode({"result": result})), ("Content-Length", "0")]
    )


class DeviceControls:
    """The test sandbox's device-flow calls (a mixin of ``sandboxkit.Sandbox``)."""

    _world: World
    _devices: DeviceFlow

    @property
    def device_flow_client_id(self) -> str:
        """The OAuth client id the device flow accepts."""
        return DEVICE_FLOW_CLIENT_ID

    @property
    def disabled_device_flow_client_id(self) -> str:
        """A client id whose device flow is disabled: answered ``device_flow_disabled``."""
        return DISABLED_DEVICE_FLOW_CLIENT_ID

    @property
    def auto_approve_after_polls(self) -> int | None:
        """None: a person approves (``approve_device`` or ``/login/device``); N: after N pending polls."""
        with self._world.lock:
            return self._devices.auto_approve_after_polls

    @auto_approve_after_polls.setter
    def auto_approve_after_polls(self, value: int | None) -> None:
        with self._world.lock:
            self._devices.auto_approve_after_polls = value

    def demand_slower_polls(self, seconds: float) -> None:
        """Enforce at least ``seconds`` between polls, whatever a code announces (GitHub under load)."""
        with self._world.lock:
            self._devices.min_interval = seconds

    def approve_device(self, user_code: str) -> None:
        with self._world.lock:
            self._devices.decide(user_code, approve=True)

    def deny_device(self, user_code: str) -> None:
        with self._world.lock:
            self._devices.decide(user_code, approve=False)

    def expire_device(self, user_code: str) -> None:
        with self._world.lock:
            self._devices.expire(user_code)

    def pending_device_codes(self) -> list[str]:
        with self._world.lock:
            return [code.user_code for code in self._devices.pending()]
