"""Objects that hold a token (or a device code, which can be traded for one) never show it in repr()/str():
a debug log line or a traceback with locals prints them."""

from __future__ import annotations

from triageboard.auth import Credentials, DeviceCode, KeyringStore, TokenCheck
from triageboard.services.auth_service import _Candidate

TOKEN = "tbrepr0123456789abcdef0123456789"
DEVICE = "dc0123456789abcdef0123456789devicecode"


def test_a_checked_token_waiting_for_confirmation() -> None:
    candidate = _Candidate(TOKEN, TokenCheck("ferris", ("repo",)), "pasted token")
    assert TOKEN not in repr(candidate)
    assert TOKEN not in str(candidate)
    assert "ferris" in repr(candidate)


def test_a_device_code() -> None:
    code = DeviceCode(DEVICE, "WDJB-MJHT", "https://github.com/login/device", 900.0, 5.0)
    assert DEVICE not in repr(code)
    assert "WDJB-MJHT" in repr(code)  # the user code is shown on screen anyway


def test_credentials() -> None:
    credentials = Credentials("https://api.github.com", store=KeyringStore(), environ={})
    credentials.use(TOKEN, "pasted token")
    assert TOKEN not in repr(credentials)
    assert TOKEN not in str(credentials)
