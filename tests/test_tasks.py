"""The task scope: owns what it starts, stops exactly that, sends the unexpected to the crash handler."""

from __future__ import annotations

import asyncio

import pytest

from triageboard.tasks import TaskScope


def test_close_cancels_what_the_scope_started_and_nothing_else() -> None:
    async def main() -> tuple[bool, bool, int]:
        scope = TaskScope()
        mine = scope.spawn(asyncio.sleep(3600), name="long")
        other = asyncio.ensure_future(asyncio.sleep(3600))
        await asyncio.sleep(0)
        assert scope.running == 1
        await scope.aclose()
        result = (mine.cancelled(), other.cancelled(), scope.running)
        other.cancel()
        return result

    assert asyncio.run(main()) == (True, False, 0)


def test_a_closed_scope_starts_nothing() -> None:
    async def main() -> None:
        scope = TaskScope()
        await scope.aclose()
        work = asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="closed"):
            scope.spawn(work, name="late")

    asyncio.run(main())


def test_unexpected_errors_go_to_the_crash_handler_expected_endings_do_not() -> None:
    crashes: list[BaseException] = []

    async def main() -> None:
        scope = TaskScope(crashes.append)

        async def boom() -> None:
            raise ValueError("boom")

        scope.spawn(boom(), name="boom")
        cancelled = scope.spawn(asyncio.sleep(3600), name="cancelled")
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0.01)
        await scope.aclose()

    asyncio.run(main())
    assert [type(c) for c in crashes] == [ValueError]
