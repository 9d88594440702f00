"""A start that does little: the window paints the last board before any request, says when a board is on
screen (``TRIAGEBOARD_EXIT_WHEN_PAINTED``), and loads only what the first paint needs. Real processes
against the sandbox over loopback HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sandboxkit import Sandbox

TOKEN = "tb-start-token"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(token=TOKEN, seed=1) as server:
        yield server


def window(api_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GH_TOKEN=TOKEN, TRIAGEBOARD_EXIT_WHEN_PAINTED="1")
    return subprocess.run(
        [sys.executable, "-m", "triageboard", "--api-url", api_url, "--refresh-minutes", "0", "-v", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PAINTED = re.compile(r"board painted: (\d+) cards \((snapshot|network)\) in [0-9.]+ s")


def test_the_first_start_paints_after_its_load_the_next_one_before_any_request(sb: Sandbox) -> None:
    first = window(sb.api_url)
    assert first.returncode == 0, first.stderr[-3000:]
    [(cards, source)] = PAINTED.findall(first.stderr)
    assert source == "network"
    assert int(cards) > 100

    sb.clear_request_log()
    second = window(sb.api_url)
    assert second.returncode == 0, second.stderr[-3000:]
    assert PAINTED.findall(second.stderr) == [(cards, "snapshot")]
    assert sb.request_log == []  # the board was on screen before anything was asked


def test_offline_the_saved_board_is_still_painted(sb: Sandbox) -> None:
    api_url = sb.api_url
    assert window(api_url).returncode == 0
    sb.stop()
    done = window(api_url)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [source for _, source in PAINTED.findall(done.stderr)] == ["snapshot"]


def test_a_first_load_that_fails_exits_3_and_says_why() -> None:
    done = window("http://127.0.0.1:9/api/v3")
    assert done.returncode == 3, done.stderr[-3000:]
    assert "the board did not load" in done.stderr
    assert "Cannot reach" in done.stderr
    assert PAINTED.findall(done.stderr) == []


def test_what_the_first_paint_needs_is_all_a_start_imports_before_it() -> None:
    """The modules a start loads before the saved board is on screen leave out the network, the keyring,
    the event loop, the demo sandbox and the dialogs."""
    script = (
        "import sys\n"
        "import triageboard.__main__, triageboard.app, triageboard.cli.parser, triageboard.paths\n"
        "import triageboard.board, triageboard.ui.window, triageboard.ui.painted\n"
        "import triageboard.store.snapshots\n"
        "import triageboard.store.pages, triageboard.runtime.logs, triageboard.runtime.crash\n"
        "from triageboard.board import Board, BoardSpec, Filter, Issue, IssueKey, preset\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    for absent in (
        "httpx",
        "keyring",
        "asyncio",
        "qasync",
        "ssl",
        "importlib.metadata",
        "triageboard.sandbox",
        "triageboard.github.client",
        "triageboard.ui.signin",
        "triageboard.ui.about",
        "triageboard.board.meeting",
        "triageboard.services",
    ):
        assert absent not in loaded, absent
