"""A reporter sink for tests: keeps every report, and its sentence in the window's words."""

from __future__ import annotations

from triageboard.reporting import Level, Report
from triageboard.wording import describe


class Reports:
    def __init__(self) -> None:
        self.shown: list[Report] = []
        self.retracted: list[str] = []

    def show(self, report: Report) -> None:
        self.shown.append(report)

    def retract(self, source: str) -> None:
        self.retracted.append(source)

    @property
    def texts(self) -> list[str]:
        return [describe(r) for r in self.shown]

    @property
    def errors(self) -> list[str]:
        return [describe(r) for r in self.shown if r.level is Level.ERROR]

    @property
    def notices(self) -> list[str]:
        return [describe(r) for r in self.shown if r.level is not Level.ERROR]
