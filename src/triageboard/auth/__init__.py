"""Sign-in and credentials: token sources (environment, OS keyring, gh CLI), the device flow, validation,
and masking tokens in text. No Qt here."""

from .credentials import KEYRING, Credentials
from .device_flow import DeviceCode, DeviceFlow
from .keyring_store import KeyringStore, refusal, service_for
from .redact import TokenRedactingFilter, redact, register_secret
from .settings import CLIENT_ID_ENV, oauth_client_id, settings_path
from .sources import env_token, env_vars_for, gh_cli_token
from .validate import TokenCheck, check_token

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
