"""The embedded GitHub-compatible server behind ``triageboard --demo``.

Standard library only, no Qt. In-process it serves on a daemon thread; in another process run
``python -m triageboard.sandbox --port 0 [--token T] [--seed N] [--time-scale X] [--extra-issues N]``,
which prints one line, ``triageboard sandbox: API http://127.0.0.1:PORT/api/v3 token T``, and serves until
SIGINT or SIGTERM (exit status 0).

    with Sandbox(seed=1) as sb:                   # also: sb = Sandbox().start(); ...; sb.stop()
        ...  # talk to sb.api_url with sb.token (login "ferris", triage role)

Tokens: ``sb.token`` (``DEFAULT_TOKEN`` unless given) belongs to ``ferris``, who may triage;
``READER_TOKEN`` (``tb-demo-reader-token``) to ``reader``, who may read everything and triage nothing
(``permissions.triage`` is false; label and assignee writes answer 403).

What it serves, on one port:

* ``/api/v3/...``: the REST API like GitHub Enterprise Server: issues (list, get, ``PATCH``), issue labels
  (GET/POST/PUT/DELETE), repository labels, assignees (who can be assigned; ``POST``/``DELETE`` an
  issue's), comments (list, post), an issue's ``events`` and ``timeline``, ``contents/{path}`` (JSON or
  raw), ``/search/issues``, ``/repos/{o}/{r}`` with the caller's ``permissions``, ``/user``,
  ``/rate_limit``, collaborator permission. Pagination links use GitHub's ``/repositories/{id}/...`` form;
  clients must follow them verbatim. Weak ETags on GETs (not search) and on write answers; a matching
  ``If-None-Match`` gets a 304 (with the same ``Cache-Control`` and ``Link``) that costs an authenticated
  caller nothing.
* GitHub's checks: a request without a ``User-Agent`` gets 403 (plain text); unknown tokens 401; the
  primary rate limits (core 5,000/hour, search 30/minute; 60 and 10 without a token) answer 403 with
  ``x-ratelimit-remaining: 0``; the secondary limits on content creation (every POST, PATCH, PUT and DELETE:
  80 a minute and 500 an hour per user) answer 403 with ``retry-after``. ``X-OAuth-Scopes`` and
  ``X-Accepted-OAuth-Scopes`` for classic tokens.
* A triagebot in repositories with a ``triagebot.toml`` (``rust-lang/rust``): ``@rustbot label +X -Y``,
  ``@rustbot claim``, ``@rustbot assign @user`` in a comment are acted on a moment later, as ``rustbot``
  (see ``_triagebot``).
* ``/{o}/{r}/issues/{n}`` and friends: tiny HTML pages for ``html_url``; ``/avatars/u/{id}``: PNGs;
  ``/{o}/{r}/raw/{branch}/{path}``: files.

Time is the sandbox's ``clock`` (:mod:`triageboard.clock`; the real one by default): rate-limit windows
(core 3600 s, search 60 s, content creation 60 s and 3600 s) and the triagebot's delay (2 s) are GitHub's,
in that clock's seconds. Tests share one clock between the sandbox and the client (a scaled clock makes an
hour pass in 36 s; a fake one when the test says so), and whole test processes agree through
``TRIAGEBOARD_TIME_SCALE``. Headers carry whole seconds as GitHub does: ``retry-after`` is
``max(1, ceil(s))``, ``x-ratelimit-reset`` the clock's reset time rounded up to an epoch second.

Changes stamp ``updated_at`` (and their events) with the wall clock (never earlier than the dataset's fixed
"now", ``DATASET_NOW`` = 2026-11-01, and strictly increasing). Every request is kept in a request log. The
dataset is described in ``_dataset``. Fault injection, the control API, the device flow and admin calls
for tests live in the test suite (``tests/support/sandboxkit``), not here.
"""

from ._dataset import ASSIGNABLE_CONTRIBUTORS, TRIAGERS
from ._model import DATASET_NOW
from ._sandbox import DEFAULT_LOGIN, DEFAULT_TOKEN, READER_LOGIN, READER_TOKEN, Sandbox
from ._triagebot import BOT, BOT_DELAY
from ._world import RequestRecord

__all__ = [
    "ASSIGNABLE_CONTRIBUTORS",
    "BOT",
    "BOT_DELAY",
    "DATASET_NOW",
    "DEFAULT_LOGIN",
    "DEFAULT_TOKEN",
    "READER_LOGIN",
    "READER_TOKEN",
    "TRIAGERS",
    "RequestRecord",
    "Sandbox",
]
