"""An embedded GitHub-compatible server for ``triageboard --demo`` and for tests.

Standard library only, no Qt. In-process it serves on a daemon thread; in another process run
``python -m triageboard.sandbox --port 0 [--token T] [--seed N] [--time-scale X] [--auto-approve N]``,
which prints one line, ``triageboard sandbox: API http://127.0.0.1:PORT/api/v3 token T``, and serves until
SIGINT or SIGTERM (exit status 0).

    with Sandbox(time_scale=0.01) as sb:          # also: sb = Sandbox().start(); ...; sb.stop()
        sb.inject(Fault(kind="status", status=502, method="POST", path=r"/labels", count=1))
        ...  # talk to sb.api_url with sb.token (login "ferris", triage permission)

What it serves, on one port:

* ``/api/v3/...``: the REST API like GitHub Enterprise Server: issues (list, get, PATCH), issue labels
  (GET/POST/PUT/DELETE), repository labels, ``/search/issues``, ``/repos/{o}/{r}`` with the caller's
  ``permissions``, ``/user``, ``/rate_limit``, collaborator permission. Pagination links use GitHub's
  ``/repositories/{id}/...`` form; clients must follow them verbatim. Weak ETags on GETs (not search);
  a matching ``If-None-Match`` gets a 304 that costs an authenticated caller nothing.
* ``/login/device/code``, ``/login/oauth/access_token``, ``/login/device``: the OAuth device flow; client id
  ``DEVICE_FLOW_CLIENT_ID``, ``DISABLED_DEVICE_FLOW_CLIENT_ID`` answers ``device_flow_disabled``.
* ``/{o}/{r}/issues/{n}`` and friends: tiny HTML pages for ``html_url``; ``/avatars/u/{id}``: PNGs.
* ``/_sandbox/...``: the control API (faults, fault-rate, reset-faults, edit-labels, issues/{o}/{r}/{n},
  stats, requests, tokens, rate-limit, labels, device/...), unauthenticated, never faulted or logged.

``time_scale`` multiplies every wait: rate-limit windows (core 3600 s, search 60 s) and ``reset_in``, fault
``seconds``, the device flow's interval (5 s) and expiry (900 s). Headers and JSON still carry whole
seconds: ``retry-after`` and the device flow's ``interval``/``expires_in`` are ``max(1, ceil(s * scale))``,
``x-ratelimit-reset`` the real (scaled) reset time rounded up to an epoch second.

Changes stamp ``updated_at`` with the wall clock (never earlier than the dataset's fixed "now",
``DATASET_NOW`` = 2026-11-01, and strictly increasing). The dataset is described in ``_dataset``.
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
