"""The hostile-input corpus (issue 10), driven through the real ``triageboard`` processes.

Cases run in parallel threads (real processes against real loopback servers), once per session; each test
then reports its case's problems. See hostile_harness for what every case is checked for and
hostile_cases for the cases. ``HOSTILE_WORKERS`` sets how many cases run at once (default 4).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hostile_cases import corpus
from hostile_harness import KEY_LINE, Case, Issues, Result, Step, run_case, scout

pytestmark = pytest.mark.hostile

CASES = corpus()
WORKERS = int(os.environ.get("HOSTILE_WORKERS", "4"))


def _slowest_first(case: Case) -> float:
    """The longest a case may take (its steps' bounds): the slow ones by design (page caps, stalls,
    drips, windows) start first, so none of them is left to run alone at the end."""
    return sum(step.bound for step in case.steps)


@pytest.fixture(scope="session")
def corpus_results(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Result]:
    """Runs every selected case once, in parallel; the slow ones start first."""
    wanted = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("case") if callspec is not None else None
        if isinstance(param, Case):
            wanted.add(param.name)
    selected = sorted((c for c in CASES if c.name in wanted), key=_slowest_first, reverse=True)
    issues = scout()
    root = tmp_path_factory.mktemp("hostile")
    baseline = _baseline(root / "_baseline", issues)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {c.name: pool.submit(run_case, c, root / c.name, issues, baseline) for c in selected}
        return {name: future.result() for name, future in futures.items()}


def _baseline(root: Path, issues: Issues) -> frozenset[str]:
    """The cards a healthy GitHub shows (through a hostile server that overrides nothing)."""
    healthy = Case("baseline", "GitHub behaves", (Step(("list",)),))
    result = run_case(healthy, root, issues, frozenset())
    if result.problems or not result.runs[0].out.strip():
        raise RuntimeError("the healthy baseline failed:\n" + result.report())
    return frozenset(KEY_LINE.findall(result.runs[0].out))


def test_corpus_is_big_enough() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in CASES
    ],
)
def test_case(case: Case, corpus_results: dict[str, Result]) -> None:
    result = corpus_results[case.name]
    assert not result.problems, result.report()
