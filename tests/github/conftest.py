"""Fixtures for the client tests."""

from __future__ import annotations

import pytest
from ghtest import Harness


@pytest.fixture
def harness() -> Harness:
    return Harness()
