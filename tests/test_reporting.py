"""One reporting path: buffered until a front end connects, retractable by cause, logged once."""

from __future__ import annotations

import logging

import pytest
from reports import Reports

from triageboard.reporting import Doing, Level, Reporter, StoreRecovered

# Every report is logged too (WARNING for warnings, ERROR for errors): these tests make them on purpose.
pytestmark = pytest.mark.logs(logger="triageboard.reporting")


def test_reports_before_anyone_listens_are_delivered_when_the_window_connects() -> None:
    reporter = Reporter()
    notice = StoreRecovered("outbox", "/data/outbox.sqlite3.corrupt-1", 3)
    reporter.warning(notice, doing=Doing.START)
    reports = Reports()
    reporter.connect(reports)
    [report] = reports.shown
    assert report.fact is notice
    assert report.level is Level.WARNING
    assert "3 records could be recovered" in reports.texts[0]
    # delivered once: a second front end does not get the start-up backlog again
    later = Reports()
    reporter.connect(later)
    assert later.shown == []


def test_a_cause_that_went_away_takes_its_message_down() -> None:
    reporter, reports = Reporter(), Reports()
    disconnect = reporter.connect(reports)
    reporter.error("GitHub is down", source="refresh")
    reporter.resolve("refresh")
    assert reports.retracted == ["refresh"]
    disconnect()
    reporter.info("after disconnecting")
    assert len(reports.shown) == 1


def test_a_cause_resolved_before_anyone_listened_is_never_shown() -> None:
    reporter = Reporter()
    reporter.warning("Not signed in", source="auth")
    reporter.warning("kept", source="other")
    reporter.resolve("auth")
    reports = Reports()
    reporter.connect(reports)
    assert [r.fact for r in reports.shown] == ["kept"]


def test_every_report_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="triageboard.reporting"):
        Reporter().error("something broke", doing=Doing.MOVE)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.ERROR, "[move] something broke")
    ]
