"""The OAuth app client id the device flow signs in with: an environment variable or a per-host setting.

``TRIAGEBOARD_OAUTH_CLIENT_ID`` wins; else ``oauth.toml`` in the config directory::

    [client_id]
    "github.com" = "Ov23li..."
    "ghe.example.com" = "..."

A client id is public (it identifies the OAuth app, it is no secret), so a plain file is fine for it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from .. import APP_NAME

CLIENT_ID_ENV = "TRIAGEBOARD_OAUTH_CLIENT_ID"
SETTINGS_FILE = "oauth.toml"


class SettingsError(Exception):
    """The settings file cannot be read; the message names the file and the problem."""


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / SETTINGS_FILE


def oauth_client_id(
    host: str, *, environ: Mapping[str, str] | None = None, path: Path | None = None
) -> str | None:
    env = os.environ if environ is None else environ
    from_env = env.get(CLIENT_ID_ENV, "").strip()
    if from_env:
        return from_env
    file = path or settings_path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SettingsError(f"Cannot read {file}: {exc.strerror}.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{file} is not valid TOML ({exc}). Fix or delete it.") from None
    table = data.get("client_id", {})
    if not isinstance(table, dict):
        raise SettingsError(f'{file}: [client_id] must be a table of "host" = "client id".')
    value = table.get(host)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f'{file}: client_id."{host}" must be a non-empty string.')
    return value.strip()
