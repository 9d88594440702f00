"""The OS keyring, reached off the event loop with a timeout, and never a plaintext file.

Keyring calls block (D-Bus to a Secret Service, the macOS keychain, Windows Credential Manager) and can hang
for minutes (a missing ``$HOME`` makes jeepney wait 120 s), so each runs in a worker thread under
:func:`asyncio.wait_for`. Every way of failing becomes :class:`~triageboard.errors.KeyringUnavailable` with
its reason; :mod:`triageboard.wording` names the fix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from ..errors import KeyringReason, KeyringUnavailable
from .redact import redact

if TYPE_CHECKING:
    # keyring itself is imported where it is used, in the worker thread: a start that finds its token in
    # the environment never loads it.
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

T = TypeVar("T")

SERVICE_PREFIX = "triageboard"
# One entry per host; the account name is fixed so the token can be found before the login is known.
ACCOUNT = "token"
DEFAULT_TIMEOUT = 10.0


class Sealed(Generic[T]):
    """A worker thread's result, opaque to logging: qasync's executor logs every result at DEBUG
    ("Setting Future result: ..."), before the token could be registered for redaction."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<sealed>"

    __str__ = __repr__


def service_for(host: str) -> str:
    """The keyring service a host's token is stored under, e.g. ``triageboard:github.com``."""
    return f"{SERVICE_PREFIX}:{host}"


def _backends(backend: KeyringBackend) -> list[KeyringBackend]:
    from keyring.backend import KeyringBackend

    chained = getattr(backend, "backends", None)
    if isinstance(chained, list | tuple):
        return [b for b in chained if isinstance(b, KeyringBackend)]
    return [backend]


def describe(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def refusal(backend: KeyringBackend, doing: str = "use") -> KeyringUnavailable | None:
    """Why this backend must not hold a token, or None when it is a real OS keyring."""
    for one in _backends(backend):
        cls = type(one)
        module = cls.__module__
        if module.startswith("keyrings.alt") or "plaintext" in cls.__name__.lower():
            return KeyringUnavailable(KeyringReason.PLAINTEXT, doing=doing, detail=describe(one))
    if all(
        type(one).__module__ in {"keyring.backends.fail", "keyring.backends.null"}
        for one in _backends(backend)
    ):
        return KeyringUnavailable(KeyringReason.NO_BACKEND, doing=doing, detail=describe(backend))
    return None


class KeyringStore:
    """Async get/set/delete of tokens in the OS keyring, one entry per host.

    ``backend`` is for tests (an in-memory backend or keyring's fail backend); by default keyring picks the
    platform's backend, detected in the worker thread because detection itself talks to D-Bus.
    """

    def __init__(self, backend: KeyringBackend | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._backend = backend
        self.timeout = timeout

    async def get(self, host: str) -> str | None:
        return await self.get_entry(service_for(host), ACCOUNT)

    async def set(self, host: str, token: str) -> None:
        await self._run("store", lambda kr: kr.set_password(service_for(host), ACCOUNT, token))

    async def delete(self, host: str) -> bool:
        """Remove the host's entry. False when there was none."""

        def delete(kr: KeyringBackend) -> bool:
            import keyring.errors

            try:
                kr.delete_password(service_for(host), ACCOUNT)
            except keyring.errors.PasswordDeleteError:
                return False
            return True

        return await self._run("remove", delete)

    async def get_entry(self, service: str, account: str) -> str | None:
        """Any entry, e.g. the gh CLI's ``gh:<host>``."""
        result: str | None = await self._run("read", lambda kr: kr.get_password(service, account))
        return result

    async def backend_name(self) -> str:
        return await self._run("inspect", describe)

    async def _run(self, doing: str, action: Callable[[KeyringBackend], T]) -> T:
        def work() -> Sealed[T]:
            import keyring

            backend = self._backend if self._backend is not None else keyring.get_keyring()
            reason = refusal(backend, doing)
            if reason is not None:
                raise reason
            return Sealed(action(backend))

        try:
            return (await asyncio.wait_for(asyncio.to_thread(work), self.timeout)).value
        except KeyringUnavailable:
            raise
        except TimeoutError:
            raise KeyringUnavailable(KeyringReason.TIMEOUT, doing=doing, seconds=self.timeout) from None
        except Exception as exc:  # keyring errors, jeepney's DBusErrorResponse, OSError, ...
            import keyring.errors

            if isinstance(exc, keyring.errors.KeyringLocked):
                raise KeyringUnavailable(KeyringReason.LOCKED, doing=doing) from None
            detail = _detail(exc)
            log.info("keyring failed to %s: %s", doing, detail)
            raise KeyringUnavailable(KeyringReason.FAILED, doing=doing, detail=detail) from None


def _detail(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except Exception:  # some library errors cannot even print themselves
        text = ""
    name = type(exc).__name__
    return redact(f"{name}: {text}"[:300] if text else name)
