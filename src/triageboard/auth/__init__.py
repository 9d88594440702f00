"""Sign-in and credentials: token sources (environment, OS keyring, gh CLI), the device flow, validation,
and masking tokens in text. No Qt here."""

from .credentials import KEYRING, Credentials
from .device_flow import (
    AccessDenied,
    CodeExpired,
    DeviceCode,
    DeviceFlow,
    DeviceFlowDisabled,
    DeviceFlowError,
)
from .keyring_store import FIX, KeyringStore, KeyringUnavailable, refusal, service_for
from .redact import TokenRedactingFilter, redact, register_secret
from .settings import CLIENT_ID_ENV, SettingsError, oauth_client_id, settings_path
from .sources import GhImportError, env_token, env_vars_for, gh_cli_token
from .validate import TokenCheck, check_token

__all__ = [
    "CLIENT_ID_ENV",
    "FIX",
    "KEYRING",
    "AccessDenied",
    "CodeExpired",
    "Credentials",
    "DeviceCode",
    "DeviceFlow",
    "DeviceFlowDisabled",
    "DeviceFlowError",
    "GhImportError",
    "KeyringStore",
    "KeyringUnavailable",
    "SettingsError",
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
