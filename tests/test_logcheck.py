"""The suite's own rule: a warning or an error in the log fails the test unless the test expected it."""

from __future__ import annotations

import pytest

SOURCE = """
import logging
import pytest

log = logging.getLogger("triageboard.moves.engine")


def test_quiet():
    log.info("an ordinary day")


def test_unexpected():
    log.warning("move of o/r#1 to Focus dropped: gone")


@pytest.mark.logs("dropped", logger="triageboard.moves")
def test_expected():
    log.warning("move of o/r#1 to Focus dropped: gone")


@pytest.mark.logs("dropped", logger="triageboard.github")
def test_another_logger():
    log.warning("move of o/r#1 to Focus dropped: gone")


@pytest.mark.logs("dropped", level="WARNING")
def test_worse_than_allowed():
    log.error("move of o/r#1 to Focus dropped: gone")


@pytest.mark.logs("refused")
def test_other_text():
    log.warning("move of o/r#1 to Focus dropped: gone")
"""


# The sample's warnings pass through this test's own check too (it runs in this process).
@pytest.mark.logs(logger="triageboard.moves.engine")
def test_unexpected_warnings_fail_and_expected_ones_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SOURCE)
    result = pytester.runpytest_inprocess("-p", "logcheck", "-p", "no:randomly", "-q")
    outcomes = result.parseoutcomes()
    assert (outcomes.get("passed"), outcomes.get("errors")) == (6, 4)
    errored = {
        line.split("::")[1].split()[0] for line in result.outlines if line.startswith("ERROR test_sample")
    }
    assert errored == {"test_unexpected", "test_another_logger", "test_worse_than_allowed", "test_other_text"}
    result.stdout.fnmatch_lines(
        ["*logged 1 unexpected warning(s) or error(s):*", "*WARNING triageboard.moves.engine: move*"]
    )
