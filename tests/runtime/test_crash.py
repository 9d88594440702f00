"""The one crash handler: logged with the traceback, told through the reporter, never the token."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest
from reports import Reports

from triageboard.auth import register_secret
from triageboard.reporting import Crash, Reporter
from triageboard.runtime.crash import CrashHandler
from triageboard.tasks import TaskScope
from triageboard.wording import describe


@pytest.mark.logs(r"Crash\(|unexpected error")
def test_logs_the_traceback_and_reports_without_the_token(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    secret = "tb-crash-secret-123456"
    register_secret(secret)
    reporter, reports = Reporter(), Reports()
    reporter.connect(reports)
    handler = CrashHandler(reporter, str(tmp_path / "triageboard.log"))
    try:
        raise RuntimeError(f"request failed with token {secret}")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR):
            handler.excepthook(type(exc), exc, exc.__traceback__)
    [report] = reports.shown
    assert isinstance(report.fact, Crash)
    shown = describe(report)
    assert "RuntimeError" in shown
    assert str(tmp_path / "triageboard.log") in shown
    assert "Your moves are kept in the outbox" in shown
    assert secret not in shown
    assert secret not in caplog.text
    assert "Traceback" in caplog.text


@pytest.mark.logs(r"Crash\(|unexpected error")
def test_an_error_escaping_a_task_reaches_it_and_the_scope_goes_on() -> None:
    reporter, reports = Reporter(), Reports()
    reporter.connect(reports)
    handler = CrashHandler(reporter)

    async def main() -> list[str]:
        scope = TaskScope(handler)

        async def broken() -> None:
            raise KeyError("nobody expected this")

        async def fine() -> str:
            return "still working"

        scope.spawn(broken(), name="broken")
        result = await scope.spawn(fine(), name="fine")
        await asyncio.sleep(0)
        await scope.aclose()
        return [result]

    assert asyncio.run(main()) == ["still working"]
    assert handler.count == 1
    [report] = reports.shown
    assert "KeyError" in describe(report)


def test_install_becomes_the_excepthook_and_the_undo_restores_it() -> None:
    before = sys.excepthook
    handler = CrashHandler(Reporter())
    undo = handler.install()
    try:
        assert sys.excepthook == handler.excepthook
    finally:
        undo()
    assert sys.excepthook is before
