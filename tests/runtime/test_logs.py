"""One logging set-up for the window and the CLI: tokens masked, reports left to the front end, undone."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from triageboard.auth import register_secret
from triageboard.reporting import Reporter
from triageboard.runtime import logs


@pytest.mark.logs(logger="triageboard.test")
def test_terminal_gets_warnings_masked_and_the_file_gets_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "tb-log-secret-0987654321"
    register_secret(secret)
    configured = logs.configure(0, log_dir=lambda: tmp_path)
    try:
        logging.getLogger("triageboard.test").info("quiet detail")
        logging.getLogger("triageboard.test").warning("loud %s", secret)
    finally:
        configured.undo()
    err = capsys.readouterr().err
    assert "loud" in err
    assert "quiet detail" not in err
    assert secret not in err
    assert configured.path == tmp_path / "triageboard.log"
    text = configured.path.read_text(encoding="utf-8")
    assert "quiet detail" in text
    assert secret not in text


@pytest.mark.logs("a notice the front end shows", logger="triageboard.reporting")
def test_reports_reach_the_user_through_the_front_end_not_twice_through_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configured = logs.configure(0)
    try:
        Reporter().warning("a notice the front end shows")
    finally:
        configured.undo()
    assert "a notice the front end shows" not in capsys.readouterr().err


def test_undo_leaves_logging_as_it_was() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    httpx_level = logging.getLogger("httpx").level
    configured = logs.configure(0, quiet=("triageboard.moves",))
    assert logging.getLogger("triageboard.moves").level == logging.ERROR
    configured.undo()
    assert root.handlers == handlers
    assert root.level == level
    assert logging.getLogger("httpx").level == httpx_level
    assert logging.getLogger("triageboard.moves").level == logging.NOTSET
