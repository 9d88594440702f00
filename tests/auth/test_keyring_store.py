"""The keyring wrapper: off the loop, with a timeout, failures as messages naming the fix, never plaintext."""

from __future__ import annotations

import asyncio

import jeepney
import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.core
import keyring.errors
import pytest
from jeepney.wrappers import DBusErrorResponse
from keyring_doubles import BlockingKeyring, MemoryKeyring, RaisingKeyring

from triageboard.auth import KeyringStore, refusal, service_for
from triageboard.errors import KeyringUnavailable

SECRET = "ghp_" + "k" * 36


def _dbus_no_reply() -> DBusErrorResponse:
    """What jeepney raises when the Secret Service never answers (e.g. a missing $HOME)."""
    call = jeepney.new_method_call(
        jeepney.DBusAddress("/org/freedesktop/secrets", bus_name="org.freedesktop.secrets"), "OpenSession"
    )
    reply = jeepney.new_error(call, "org.freedesktop.DBus.Error.NoReply", "s", ("Did not receive a reply",))
    return DBusErrorResponse(reply)


def test_round_trip_one_entry_per_host(memory_keyring: MemoryKeyring) -> None:
    store = KeyringStore(memory_keyring)

    async def scenario() -> None:
        assert await store.get("github.com") is None
        await store.set("github.com", SECRET)
        await store.set("ghe.example.com", "other")
        assert await store.get("github.com") == SECRET
        assert await store.get("ghe.example.com") == "other"
        assert await store.delete("github.com") is True
        assert await store.delete("github.com") is False
        assert await store.get("github.com") is None

    asyncio.run(scenario())
    assert memory_keyring.entries == {("triageboard:ghe.example.com", "token"): "other"}
    assert service_for("127.0.0.1:8123") == "triageboard:127.0.0.1:8123"


def test_calls_run_off_the_event_loop_thread() -> None:
    import threading

    seen: list[int] = []

    class Recording(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            seen.append(threading.get_ident())
            return None

    asyncio.run(KeyringStore(Recording()).get("github.com"))
    assert len(seen) == 1
    assert seen[0] != threading.get_ident()


def _message(backend: object, *, timeout: float = 10.0) -> str:
    store = KeyringStore(backend, timeout=timeout)  # type: ignore[arg-type]
    with pytest.raises(KeyringUnavailable) as caught:
        asyncio.run(store.set("github.com", SECRET))
    text = str(caught.value)
    assert SECRET not in text
    return text


def test_fail_backend_names_the_fix() -> None:
    text = _message(keyring.backends.fail.Keyring())
    assert "Secret Service" in text
    assert "GH_TOKEN" in text


def test_null_backend_is_no_keyring() -> None:
    assert "no keyring backend" in _message(keyring.backends.null.Keyring())


def test_fail_backend_chosen_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default path: keyring detects its backend (here from PYTHON_KEYRING_BACKEND) in the worker."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    store = KeyringStore()
    with pytest.raises(KeyringUnavailable, match="gnome-keyring"):
        asyncio.run(store.get("github.com"))


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (keyring.errors.NoKeyringError("No recommended backend"), "NoKeyringError"),
        (keyring.errors.InitError("Failed to unlock the collection: Prompt dismissed"), "Prompt dismissed"),
        (keyring.errors.KeyringLocked("Failed to unlock the item!"), "locked"),
        (_dbus_no_reply(), "NoReply"),
        (OSError("bus gone"), "bus gone"),
    ],
)
def test_backend_failures_become_messages(exc: BaseException, expected: str) -> None:
    text = _message(RaisingKeyring(exc))
    assert expected in text
    assert "GH_TOKEN" in text


def test_a_hanging_keyring_times_out(blocking_keyring: BlockingKeyring) -> None:
    store = KeyringStore(blocking_keyring, timeout=0.05)

    async def scenario() -> str:
        try:
            with pytest.raises(KeyringUnavailable) as caught:
                await store.get("github.com")
            return str(caught.value)
        finally:
            blocking_keyring.release.set()  # let the worker thread finish before the loop closes

    text = asyncio.run(scenario())
    assert "did not answer within 0.05 s" in text
    assert "Secret Service" in text


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed: it must never be)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


def test_plaintext_backends_are_refused() -> None:
    backend = PlaintextKeyring()
    assert refusal(backend) is not None
    text = _message(backend)
    assert "keyrings.alt" in text
    assert backend.entries == {}, "nothing may be written to a plaintext keyring"


def test_a_chain_with_a_plaintext_member_is_refused() -> None:
    class Chain(MemoryKeyring):
        def __init__(self) -> None:
            super().__init__()
            self.backends = [MemoryKeyring(), PlaintextKeyring()]

    assert refusal(Chain()) is not None
    assert refusal(MemoryKeyring()) is None
