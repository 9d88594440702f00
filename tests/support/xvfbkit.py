"""What the Xvfb window drivers (tests/ui/xvfb_*_driver.py, each a process of its own) share: the session
they drive against the sandbox, a bounded wait, and the run that prints their JSON result. The tests start
them with :func:`driver_env`, which puts this folder on their import path."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from pace import POLICY
from PySide6.QtWidgets import QApplication

from triageboard.app.session import Session
from triageboard.auth import Credentials
from triageboard.board import preset
from triageboard.clock import ScaledClock
from triageboard.runtime.loop import EventLoop

TOKEN_ENV = "TRIAGEBOARD_DRIVER_TOKEN"
SUPPORT = Path(__file__).parent


def driver_env(x_display: str, token: str, **extra: str) -> dict[str, str]:
    """The environment a driver runs in: the Xvfb display, the sandbox's token, this folder importable."""
    env = dict(os.environ, DISPLAY=x_display, QT_QPA_PLATFORM="xcb", **{TOKEN_ENV: token}, **extra)
    env.pop("WAYLAND_DISPLAY", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SUPPORT), env.get("PYTHONPATH", "")) if p)
    return env


def driver_session(http: httpx.AsyncClient, api_url: str, outbox: Path, *, scale: float = 0.01) -> Session:
    """The rust-async board against the sandbox at ``api_url``, signed in with the token the test passed."""
    credentials = Credentials(api_url, environ={})
    credentials.use(os.environ.pop(TOKEN_ENV), "test")
    spec = preset("rust-async").with_sources(api_url=api_url)
    return Session(spec, http, credentials, outbox_path=outbox, policy=POLICY, clock=ScaledClock(scale))


async def wait_for(predicate: Callable[[], object], seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the window did not get there in time")


def drive(
    main: Callable[[], Coroutine[Any, Any, dict[str, object]]],
    *,
    prepare: Callable[[QApplication], None] | None = None,
) -> int:
    """Run ``main`` on the qasync loop of a new application (``prepare`` sets it up first) and print its
    result as the last line of stdout, which the test reads."""
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    if prepare is not None:
        prepare(app)
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        result = loop.run_until_complete(main())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    print(json.dumps(result), flush=True)
    return 0
