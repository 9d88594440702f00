"""Fixtures for the auth tests; the doubles themselves live in keyring_doubles.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keyring_doubles import BlockingKeyring, MemoryKeyring


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def blocking_keyring() -> Iterator[BlockingKeyring]:
    backend = BlockingKeyring()
    yield backend
    backend.release.set()
