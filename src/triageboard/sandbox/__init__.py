"""An embedded GitHub-compatible server for ``triageboard --demo`` and for tests.

Standard library only, no Qt: it runs in-process on a daemon thread or as
``python -m triageboard.sandbox``. It serves the REST API under ``/api/v3`` (like GitHub Enterprise
Server), the OAuth device flow and tiny HTML pages at the root, and a control API under ``/_sandbox/``.

    with Sandbox(time_scale=0.01) as sb:
        sb.inject(Fault(kind="status", status=502, method="POST", count=1))
        ...  # talk to sb.api_url with sb.token
"""

from ._dataset import TRIAGERS
from ._faults import FAULT_KINDS, Fault, FaultKind
from ._model import DATASET_NOW
from ._sandbox import (
    DEFAULT_LOGIN,
    DEFAULT_TOKEN,
    DEVICE_FLOW_CLIENT_ID,
    DISABLED_DEVICE_FLOW_CLIENT_ID,
    Sandbox,
)
from ._world import RequestRecord

__all__ = [
    "DATASET_NOW",
    "DEFAULT_LOGIN",
    "DEFAULT_TOKEN",
    "DEVICE_FLOW_CLIENT_ID",
    "DISABLED_DEVICE_FLOW_CLIENT_ID",
    "FAULT_KINDS",
    "TRIAGERS",
    "Fault",
    "FaultKind",
    "RequestRecord",
    "Sandbox",
]
