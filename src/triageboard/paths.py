"""Where triageboard keeps its files: the platform's per-user directories (XDG_* on Linux).

Each function creates its directory on first use. Nothing secret is ever stored in them: the token lives in
the OS keyring only.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from . import APP_NAME


def _ensure(path: str) -> Path:
    result = Path(path)
    result.mkdir(parents=True, exist_ok=True)
    return result


def data_dir() -> Path:
    """Durable user data: the outbox of pending moves."""
    return _ensure(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Rebuildable data: the ETag page cache. Safe to delete."""
    return _ensure(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Settings and user board files."""
    return _ensure(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return _ensure(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def outbox_path() -> Path:
    return data_dir() / "outbox.sqlite3"


def journal_path() -> Path:
    """The meeting journal: every triage meeting's decisions (the minutes), per board and account."""
    return data_dir() / "meetings.sqlite3"


def page_cache_path() -> Path:
    return cache_dir() / "pages.sqlite3"


def timeline_cache_path() -> Path:
    return cache_dir() / "timelines.sqlite3"


def snapshots_path() -> Path:
    """The last board of each board and account, painted before any network traffic. Safe to delete."""
    return cache_dir() / "boards.sqlite3"
