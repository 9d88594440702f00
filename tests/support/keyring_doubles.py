"""Doubles for the keyring tests: an in-memory backend, and a backend that blocks until released."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A real ``KeyringBackend`` that keeps entries in a dict (unit tests only)."""

    @properties.classproperty
    def priority(cls) -> float:
        # Not viable for keyring's own detection: a double must never be picked (or chained) by get_keyring.
        raise RuntimeError("a test double, never a detected backend")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring.backend.KeyringBackend is untyped
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


class BlockingKeyring(MemoryKeyring):
    """Hangs every call until ``release`` is set, like a Secret Service waiting for a prompt."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return super().get_password(service, username)


class RaisingKeyring(MemoryKeyring):
    """Raises a chosen exception from every call (InitError, KeyringLocked, jeepney errors, ...)."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc

    def delete_password(self, service: str, username: str) -> None:
        raise self.exc
