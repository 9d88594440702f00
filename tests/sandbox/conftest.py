"""Fixtures for the sandbox's own tests: a fast-clock sandbox and a plain HTTP client for it.

The suite-wide ``sandbox`` fixture (tests/conftest.py) runs at real time; these tests want waits scaled
down (``time_scale=0.01``: a 60 s window lasts 0.6 s).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sandboxkit import Sandbox
from sbclient import DATA, Api

from triageboard.clock import ScaledClock


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=1, clock=ScaledClock(0.01)) as server:
        yield server


@pytest.fixture
def api(sb: Sandbox) -> Api:
    return Api(sb)


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(
        (DATA / "github-issues-labels-subset.openapi.json").read_text(encoding="utf-8")
    )
    return answer
