"""The corpus's one-line summary at the end of a run: how many cases, how many pass, how many are known
failures (strict xfails, each waiting for its fix)."""

from __future__ import annotations

import pytest

_CORPUS = "tests/hostile/test_corpus.py::test_case["
_outcomes: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A case's outcome: its call, or a setup/teardown that went wrong."""
    if _CORPUS not in report.nodeid or (report.when != "call" and report.passed):
        return
    if report.failed and str(report.longrepr).startswith("[XPASS(strict)]"):
        outcome = "xpass"
    elif hasattr(report, "wasxfail"):
        outcome = "xfail"
    else:
        outcome = {"passed": "pass", "failed": "FAIL", "skipped": "skipped"}[report.outcome]
    if _outcomes.get(report.nodeid) in (None, "pass", "xfail"):  # a failing teardown still counts
        _outcomes[report.nodeid] = outcome


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's own last line (its summary lists every xfail's reason above it)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not _outcomes or reporter is None:
        return
    counts = {
        kind: sum(1 for o in _outcomes.values() if o == kind) for kind in ("pass", "xfail", "FAIL", "xpass")
    }
    line = f"hostile corpus: {len(_outcomes)} cases, {counts['pass']} pass, {counts['xfail']} xfail (known)"
    if counts["FAIL"]:
        failed = [node.removeprefix(_CORPUS).rstrip("]") for node, o in _outcomes.items() if o == "FAIL"]
        line += f", {counts['FAIL']} FAIL ({', '.join(failed)})"
    if counts["xpass"]:
        line += f", {counts['xpass']} fixed (remove their xfail)"
    skipped = len(_outcomes) - sum(counts.values())
    if skipped:
        line += f", {skipped} skipped"
    reporter.write_line(line)
