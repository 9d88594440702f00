"""Against a real Secret Service (gnome-keyring on a private D-Bus session): CI runs these under
``dbus-run-session`` with an unlocked keyring (see .ci/test); elsewhere they skip, saying why."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Iterator

import pytest

from triageboard.auth import Credentials, KeyringStore, gh_cli_token

pytestmark = pytest.mark.keyring

HOST_API = "https://ghe.keyring-test.example/api/v3"


def _secret_service_problem() -> str | None:
    """None when the session bus has a Secret Service with an unlocked default collection."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no D-Bus session bus (run under dbus-run-session with gnome-keyring-daemon --unlock)"
    try:
        import secretstorage
    except ImportError:
        return "SecretStorage is not installed"

    def probe() -> str | None:
        try:
            with secretstorage.dbus_init() as connection:
                if not secretstorage.check_service_availability(connection):
                    return "no Secret Service on the session bus (start gnome-keyring-daemon)"
                if secretstorage.get_default_collection(connection).is_locked():
                    return "the Secret Service's default collection is locked"
        except Exception as exc:
            return f"the Secret Service cannot be used ({type(exc).__name__}: {exc})"
        return None

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            return pool.submit(probe).result(timeout=5)
        except concurrent.futures.TimeoutError:
            return "the Secret Service did not answer within 5 s"


@pytest.fixture
def secret_service() -> Iterator[KeyringStore]:
    problem = _secret_service_problem()
    if problem:
        pytest.skip(f"needs an unlocked Secret Service: {problem}")
    from keyring.backends.SecretService import Keyring

    store = KeyringStore(Keyring())
    yield store
    for host in ("ghe.keyring-test.example",):
        asyncio.run(store.delete(host))


def test_token_round_trip_in_the_secret_service(secret_service: KeyringStore) -> None:
    creds = Credentials(HOST_API, store=secret_service, environ={})

    async def scenario() -> None:
        await creds.store_token("gho_real_keyring_token", "pasted token")
        fresh = Credentials(HOST_API, store=secret_service, environ={})
        assert await fresh.load() == "gho_real_keyring_token"
        assert fresh.origin == "keyring"
        assert await fresh.sign_out() is True
        assert await Credentials(HOST_API, store=secret_service, environ={}).load() is None

    asyncio.run(scenario())


def test_entry_is_visible_to_other_tools_under_the_host_service(secret_service: KeyringStore) -> None:
    """What secret-tool (libsecret) sees: service triageboard:<host>, username token."""
    import secretstorage

    asyncio.run(secret_service.set("ghe.keyring-test.example", "gho_visible"))
    with secretstorage.dbus_init() as connection:
        items = list(
            secretstorage.search_items(
                connection, {"service": "triageboard:ghe.keyring-test.example", "username": "token"}
            )
        )
        assert [item.get_secret() for item in items] == [b"gho_visible"]


def test_import_of_the_gh_cli_keyring_entry(secret_service: KeyringStore) -> None:
    from keyring.backends.SecretService import Keyring

    backend = Keyring()
    import secretstorage

    # gh writes its active token with an empty user name; keyring deprecates writing one, so use D-Bus.
    with secretstorage.dbus_init() as connection:
        collection = secretstorage.get_default_collection(connection)
        item = collection.create_item(
            "gh test",
            {"service": "gh:ghe.keyring-test.example", "username": ""},
            b"gho_from_gh",
            replace=True,
        )
        try:
            token = asyncio.run(
                gh_cli_token("ghe.keyring-test.example", KeyringStore(backend), gh="/nonexistent")
            )
        finally:
            item.delete()
    assert token == "gho_from_gh"


def test_the_default_backend_is_the_secret_service(secret_service: KeyringStore) -> None:
    """Without a backend passed in, keyring's own detection (in the worker thread) finds it."""
    assert "SecretService" in asyncio.run(KeyringStore().backend_name())
