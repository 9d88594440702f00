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
from ..errors import SettingsError

CLIENT_ID_ENV = "TRIAGEBOARD_OAUTH_CLIENT_ID"
SETTINGS_FILE = "oauth.toml"


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
    except UnicodeDecodeError:
        raise SettingsError(str(file), "not UTF-8 text; fix or delete it") from None
    except OSError as exc:
        raise SettingsError(
            str(file), f"cannot read it ({exc.strerror}); fix its permissions or delete it"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(str(file), f"not valid TOML ({exc}); fix or delete it") from None
    table = data.get("client_id", {})
    if not isinstance(table, dict):
        raise SettingsError(str(file), '[client_id] must be a table of "host" = "client id"')
    value = table.get(host)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(str(file), f'client_id."{host}" must be a non-empty string')
    return value.strip()
