"""The test side of the sandbox: ``triageboard.sandbox`` plus what only tests use.

* faults (``Fault``, ``inject``, ``set_fault_rate``): errors, resets, stalls, secondary limits, 429s,
  HTML and malformed answers, huge bodies, lost responses;
* the control API under ``/_sandbox/`` for a sandbox in another process (``python -m sandboxkit``);
* the OAuth device flow at ``/login/device/code``, ``/login/oauth/access_token`` and ``/login/device``;
* admin calls: tokens and read-only accounts, rate limits, who can be assigned, and changes made as
  someone else on github.com (labels, assignees, comments, states, locks), the request log and stats.

    from sandboxkit import Fault, Sandbox

    with Sandbox(clock=ScaledClock(0.01)) as sb:   # share the clock with the client under test
        sb.inject(Fault(kind="status", status=502, method="POST", path=r"/labels", count=1))
        ...  # talk to sb.api_url with sb.token (login "ferris", triage role)

Importable in tests (pytest's ``pythonpath`` has ``tests/support``); for a subprocess,
``PYTHONPATH=tests/support python -m sandboxkit --port 0 ...``.
"""

from triageboard.sandbox import (
    ASSIGNABLE_CONTRIBUTORS,
    BOT,
    BOT_DELAY,
    DATASET_NOW,
    DEFAULT_LOGIN,
    DEFAULT_TOKEN,
    READER_LOGIN,
    READER_TOKEN,
    TRIAGERS,
    RequestRecord,
)

from .device import DEVICE_FLOW_CLIENT_ID, DISABLED_DEVICE_FLOW_CLIENT_ID
from .faults import FAULT_KINDS, Fault, FaultKind
from .sandbox import Sandbox

__all__ = [
    "ASSIGNABLE_CONTRIBUTORS",
    "BOT",
    "BOT_DELAY",
    "DATASET_NOW",
    "DEFAULT_LOGIN",
    "DEFAULT_TOKEN",
    "DEVICE_FLOW_CLIENT_ID",
    "DISABLED_DEVICE_FLOW_CLIENT_ID",
    "FAULT_KINDS",
    "READER_LOGIN",
    "READER_TOKEN",
    "TRIAGERS",
    "Fault",
    "FaultKind",
    "RequestRecord",
    "Sandbox",
]
