"""Where a token can come from besides the app's own keyring entry: the environment and the gh CLI."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Mapping

from ..errors import GhImportError, GhReason, KeyringUnavailable
from ..github.urls import is_loopback
from .keyring_store import KeyringStore, Sealed

GITHUB_COM = "github.com"
# As gh does: a github.com token is never sent to an Enterprise host, and Enterprise has its own variables.
GITHUB_COM_VARS = ("GH_TOKEN", "GITHUB_TOKEN")
ENTERPRISE_VARS = ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")
GH_TIMEOUT = 10.0


def env_vars_for(host: str) -> tuple[str, ...]:
    """The environment variables consulted for ``host``, in order.

    github.com: ``GH_TOKEN``, ``GITHUB_TOKEN``. An Enterprise host: ``GH_ENTERPRISE_TOKEN``,
    ``GITHUB_ENTERPRISE_TOKEN``. A loopback host (the sandbox, a local proxy) accepts both sets, like gh's
    ``github.localhost``.
    """
    if host == GITHUB_COM:
        return GITHUB_COM_VARS
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if is_loopback(hostname.strip("[]")):
        return ENTERPRISE_VARS + GITHUB_COM_VARS
    return ENTERPRISE_VARS


def env_token(host: str, environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(token, variable name)`` from the environment, or None."""
    env = os.environ if environ is None else environ
    for var in env_vars_for(host):
        value = env.get(var, "").strip()
        if value:
            return value, var
    return None


async def gh_cli_token(
    host: str,
    store: KeyringStore,
    *,
    gh: str | None = None,
    timeout: float = GH_TIMEOUT,
) -> str:
    """The gh CLI's token for ``host``: its keyring entry ``gh:<host>``, else ``gh auth token``.

    Only on the user's explicit request. ``gh`` is the executable to run (default: ``gh`` on PATH).
    """
    keyring_problem: KeyringUnavailable | None = None
    try:
        token = await store.get_entry(f"gh:{host}", "")
    except KeyringUnavailable as exc:
        token, keyring_problem = None, exc
    if token:
        return token.strip()
    executable = gh or shutil.which("gh")
    if executable is None:
        raise GhImportError(GhReason.NOT_INSTALLED, host=host, keyring=keyring_problem)
    return await _run_gh(executable, host, timeout)


async def _run_gh(executable: str, host: str, timeout: float) -> str:
    env = dict(os.environ)
    env["GH_PROMPT_DISABLED"] = "1"
    env["NO_COLOR"] = "1"

    def run() -> Sealed[subprocess.CompletedProcess[bytes]]:
        return Sealed(
            subprocess.run(
                [executable, "auth", "token", "--hostname", host],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=env,
                timeout=timeout,
                check=False,
            )
        )

    try:
        # A thread, not asyncio's subprocess support: that works the same under qasync and plain asyncio.
        result = (await asyncio.to_thread(run)).value
    except subprocess.TimeoutExpired:
        raise GhImportError(GhReason.TIMEOUT, host=host) from None
    except OSError:
        raise GhImportError(GhReason.CANNOT_RUN, host=host) from None
    token = result.stdout.decode("utf-8", "replace").strip()
    if result.returncode != 0 or not token or any(ch.isspace() for ch in token):
        # gh's stderr is not shown: its meaning is always this, and it is no place to echo anything from.
        raise GhImportError(GhReason.NO_TOKEN, host=host)
    return token
