"""Session fixtures for these tests (defined once, in tests/support/qtsession.py)."""

from qtsession import http, new_session, run_async, session

__all__ = ["http", "new_session", "run_async", "session"]
