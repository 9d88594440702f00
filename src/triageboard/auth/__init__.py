"""Sign-in and credentials: token sources (environment, OS keyring, gh CLI), the device flow, validation,
and masking tokens in text. No Qt here.

Names are imported on first use (PEP 562): masking tokens in logs must not load the keyring or the HTTP
stack, so a window paints its first board without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# Standard library only, and needed by every log handler: imported at once (also so that ``redact`` is the
# function, not the submodule of the same name).
from .redact import TokenRedactingFilter, redact, register_secret

if TYPE_CHECKING:
    from .credentials import KEYRING, Credentials
    from .device_flow import DeviceCode, DeviceFlow
    from .keyring_store import KeyringStore, refusal, service_for
    from .settings import CLIENT_ID_ENV, oauth_client_id, settings_path
    from .sources import env_token, env_vars_for, gh_cli_token
    from .validate import TokenCheck, check_token

_WHERE = {
    "KEYRING": "credentials",
    "Credentials": "credentials",
    "DeviceCode": "device_flow",
    "DeviceFlow": "device_flow",
    "KeyringStore": "keyring_store",
    "refusal": "keyring_store",
    "service_for": "keyring_store",
    "CLIENT_ID_ENV": "settings",
    "oauth_client_id": "settings",
    "settings_path": "settings",
    "env_token": "sources",
    "env_vars_for": "sources",
    "gh_cli_token": "sources",
    "TokenCheck": "validate",
    "check_token": "validate",
}

__all__ = [
    "CLIENT_ID_ENV",
    "KEYRING",
    "Credentials",
    "DeviceCode",
    "DeviceFlow",
    "KeyringStore",
    "TokenCheck",
    "TokenRedactingFilter",
    "check_token",
    "env_token",
    "env_vars_for",
    "gh_cli_token",
    "oauth_client_id",
    "redact",
    "refusal",
    "register_secret",
    "service_for",
    "settings_path",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
