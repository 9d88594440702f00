"""Where the token comes from (environment, keyring, gh CLI), held in memory, stored only when asked."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import keyring.backends.fail
import pytest
from keyring_doubles import MemoryKeyring

from triageboard.auth import Credentials, KeyringStore, env_token, env_vars_for, gh_cli_token, oauth_client_id
from triageboard.auth.settings import settings_path
from triageboard.errors import GhImportError, KeyringUnavailable, SettingsError

GITHUB = "https://api.github.com"
GHE = "https://ghe.example.com/api/v3"


def test_env_vars_follow_gh() -> None:
    assert env_vars_for("github.com") == ("GH_TOKEN", "GITHUB_TOKEN")
    # A github.com token is never sent to an Enterprise host.
    assert env_vars_for("ghe.example.com") == ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")
    assert env_vars_for("127.0.0.1:8080")[-2:] == ("GH_TOKEN", "GITHUB_TOKEN")
    env = {"GITHUB_TOKEN": "second", "GH_TOKEN": "first", "GH_ENTERPRISE_TOKEN": "ghe"}
    assert env_token("github.com", env) == ("first", "GH_TOKEN")
    assert env_token("github.com", {"GITHUB_TOKEN": "second", "GH_TOKEN": "  "}) == ("second", "GITHUB_TOKEN")
    assert env_token("ghe.example.com", env) == ("ghe", "GH_ENTERPRISE_TOKEN")
    assert env_token("ghe.example.com", {"GH_TOKEN": "x"}) is None


def test_environment_wins_over_the_keyring(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("triageboard:github.com", "token", "from-keyring")
    creds = Credentials(GITHUB, store=KeyringStore(memory_keyring), environ={"GITHUB_TOKEN": "from-env"})
    assert creds.token() is None
    assert asyncio.run(creds.load()) == "from-env"
    assert (creds.token(), creds.origin, creds.env_var) == ("from-env", "GITHUB_TOKEN", "GITHUB_TOKEN")


def test_keyring_entry_per_host(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("triageboard:github.com", "token", "dotcom")
    memory_keyring.set_password("triageboard:ghe.example.com", "token", "enterprise")
    store = KeyringStore(memory_keyring)
    ghe = Credentials(GHE, store=store, environ={})
    assert ghe.host == "ghe.example.com"
    assert asyncio.run(ghe.load()) == "enterprise"
    assert ghe.origin == "keyring"
    nothing = Credentials("https://other.example.com/api/v3", store=store, environ={})
    assert asyncio.run(nothing.load()) is None
    assert nothing.token() is None


def test_store_then_sign_out(memory_keyring: MemoryKeyring) -> None:
    creds = Credentials(GITHUB, store=KeyringStore(memory_keyring), environ={})
    getter = creds.token  # what GitHubClient holds: it must see every swap
    asyncio.run(creds.store_token("first", "pasted token"))
    assert getter() == "first"
    asyncio.run(creds.store_token("second", "device flow"))
    assert getter() == "second"
    assert memory_keyring.entries == {("triageboard:github.com", "token"): "second"}
    assert asyncio.run(creds.sign_out()) is True
    assert getter() is None
    assert memory_keyring.entries == {}
    assert "second" not in repr(creds)


def test_store_without_keyring_keeps_the_current_token() -> None:
    creds = Credentials(GITHUB, store=KeyringStore(keyring.backends.fail.Keyring()), environ={})
    creds.use("current", "GH_TOKEN")
    with pytest.raises(KeyringUnavailable):
        asyncio.run(creds.store_token("new", "pasted token"))
    assert creds.token() == "current"


def test_load_without_keyring_says_how_to_fix() -> None:
    creds = Credentials(GITHUB, store=KeyringStore(keyring.backends.fail.Keyring()), environ={})
    with pytest.raises(KeyringUnavailable, match="GH_TOKEN"):
        asyncio.run(creds.load())


def test_plain_http_only_for_loopback() -> None:
    from triageboard.errors import InsecureURL

    with pytest.raises(InsecureURL):
        Credentials("http://ghe.example.com/api/v3", environ={})
    assert Credentials("http://127.0.0.1:9999/api/v3", environ={}).host == "127.0.0.1:9999"


# --- the gh CLI ------------------------------------------------------------------------------------


def _fake_gh(tmp_path: Path, body: str) -> str:
    script = tmp_path / "gh"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_gh_keyring_entry_first(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    memory_keyring.entries[("gh:github.com", "")] = "gho_from_gh_keyring"  # as gh writes it
    gh = _fake_gh(tmp_path, "exit 1")
    token = asyncio.run(gh_cli_token("github.com", KeyringStore(memory_keyring), gh=gh))
    assert token == "gho_from_gh_keyring"


def test_gh_auth_token_with_hostname(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    args = tmp_path / "args"
    gh = _fake_gh(tmp_path, f'echo "$@" > {args}\necho gho_printed_by_gh')
    token = asyncio.run(gh_cli_token("ghe.example.com", KeyringStore(memory_keyring), gh=gh))
    assert token == "gho_printed_by_gh"
    assert args.read_text().split() == ["auth", "token", "--hostname", "ghe.example.com"]


def test_gh_without_a_token(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    gh = _fake_gh(tmp_path, "echo 'no oauth token found for github.com' >&2\nexit 1")
    with pytest.raises(GhImportError, match=r"gh auth login --hostname github\.com"):
        asyncio.run(gh_cli_token("github.com", KeyringStore(memory_keyring), gh=gh))


def test_gh_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(GhImportError, match="not installed"):
        asyncio.run(gh_cli_token("github.com", KeyringStore(keyring.backends.fail.Keyring())))


def test_gh_that_hangs_times_out(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    gh = _fake_gh(tmp_path, "exec sleep 5")
    with pytest.raises(GhImportError, match="did not answer"):
        asyncio.run(gh_cli_token("github.com", KeyringStore(memory_keyring), gh=gh, timeout=0.2))


# --- the OAuth client id ---------------------------------------------------------------------------


def test_client_id_from_environment_then_file() -> None:
    path = settings_path()
    assert oauth_client_id("github.com", environ={}) is None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[client_id]\n"github.com" = "Ov23-dotcom"\n"ghe.example.com" = "Iv1-ghe"\n')
    assert oauth_client_id("github.com", environ={}) == "Ov23-dotcom"
    assert oauth_client_id("ghe.example.com", environ={}) == "Iv1-ghe"
    assert oauth_client_id("other.example.com", environ={}) is None
    env = {"TRIAGEBOARD_OAUTH_CLIENT_ID": "from-env"}
    assert oauth_client_id("github.com", environ=env) == "from-env"


def test_bad_settings_file_names_itself() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[client_id\n")
    with pytest.raises(SettingsError, match=r"oauth\.toml"):
        oauth_client_id("github.com", environ={})
    path.write_text('[client_id]\n"github.com" = 3\n')
    with pytest.raises(SettingsError, match="non-empty string"):
        oauth_client_id("github.com", environ={})
