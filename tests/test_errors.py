"""The one exception tree: every error is a TriageboardError with facts; facts survive a trip to disk."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pkgutil
from datetime import UTC, datetime

import pytest

from triageboard.errors import (
    AuthError,
    BadResponse,
    BadResponseReason,
    ConfigError,
    GitHubError,
    HalfApplied,
    InsecureURL,
    KeyringReason,
    KeyringUnavailable,
    MissingLabel,
    RateLimited,
    StoreError,
    StoreReason,
    TriageboardError,
    first_error,
    from_record,
    to_record,
)

# Exceptions that are control flow inside one module, never reported: allowed outside the tree.
CONTROL_FLOW = {"triageboard.moves.engine._Superseded", "triageboard.cli.run.CliError"}


def test_every_exception_the_app_defines_is_in_the_one_tree() -> None:
    import triageboard

    strays = []
    for info in pkgutil.walk_packages(triageboard.__path__, "triageboard."):
        if info.name.startswith("triageboard.sandbox"):
            continue  # the sandbox plays GitHub; its errors never reach the app
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
                and not issubclass(value, TriageboardError)
                and f"{info.name}.{name}" not in CONTROL_FLOW
            ):
                strays.append(f"{info.name}.{name}")
    assert strays == []
    # a configuration mistake is not something GitHub said
    assert issubclass(InsecureURL, ConfigError)
    assert not issubclass(InsecureURL, GitHubError)


@pytest.mark.parametrize(
    "error",
    [
        RateLimited(
            resume_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC), secondary=True, retry_after=30.0, status=429
        ),
        AuthError(had_token=True, path="api.github.com/user", detail="Bad credentials"),
        BadResponse(BadResponseReason.LINK_OFFSITE, what="evil.example/x", path="api.github.com/x"),
        KeyringUnavailable(KeyringReason.TIMEOUT, doing="read", seconds=10.0),
        StoreError("outbox", "/tmp/o.sqlite3", StoreReason.BUSY, doing="save", detail="locked"),
        HalfApplied(
            "o/r#1",
            "Focus",
            labels=["AsyncAwait-Focus", "AsyncAwait-Other"],
            columns=["Focus", "Other"],
            cause=MissingLabel("o/r#1", "OnDeck", repo="o/r", label="AsyncAwait-OnDeck"),
        ),
    ],
)
def test_facts_survive_a_trip_to_disk(error: TriageboardError) -> None:
    again = from_record(json.loads(json.dumps(to_record(error))))
    assert type(again) is type(error)
    assert repr(again) == repr(error)
    assert str(again) == str(error)


@pytest.mark.parametrize(
    "record", [None, "text", {"kind": "NoSuchError", "facts": {}}, {"kind": "AuthError"}]
)
def test_an_unknown_or_damaged_record_is_no_error(record: object) -> None:
    assert from_record(record) is None


def test_str_is_a_sentence_and_repr_the_facts() -> None:
    error = MissingLabel("o/r#1", "Focus", repo="o/r", label="AsyncAwait-Focus")
    assert str(error).startswith("The label 'AsyncAwait-Focus' does not exist in o/r")
    assert repr(error) == "MissingLabel(issue='o/r#1', target='Focus', repo='o/r', label='AsyncAwait-Focus')"


def test_first_error_reaches_through_nested_task_groups() -> None:
    """A series' own task group inside the load's nests its failure two groups deep; ``except*`` keeps that
    shape, so re-raising ``exceptions[0]`` raised a group past every ``except GitHubError`` (a traceback)."""

    async def page() -> None:
        raise BadResponse(BadResponseReason.MALFORMED, what="an issue without a title", path="/issues")

    async def series() -> None:
        async with asyncio.TaskGroup() as inner:
            inner.create_task(page())

    shapes: list[bool] = []

    async def load() -> None:
        try:
            async with asyncio.TaskGroup() as outer:
                outer.create_task(series())
        except* GitHubError as errors:
            shapes.append(isinstance(errors.exceptions[0], BaseExceptionGroup))
            raise first_error(errors) from None

    with pytest.raises(BadResponse, match="without a title"):
        asyncio.run(load())
    assert shapes == [True]  # the shape that escaped as a group
