"""Sentences, made once from facts, in each front end's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triageboard.errors import (
    AuthError,
    HalfApplied,
    MalformedToken,
    NotAssignable,
    Offline,
    RateLimited,
    TokenProblem,
    Unavailable,
    from_record,
    to_record,
)
from triageboard.github.client import token_problem
from triageboard.reporting import Doing, NotSignedIn, OfflineSince, ShowingSaved, Waiting
from triageboard.wording import Front, describe, when_text

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_a_time_today_reads_as_a_time_and_another_day_carries_its_date() -> None:
    local_now = NOW.astimezone()
    assert when_text(NOW + timedelta(minutes=30), NOW) == (local_now + timedelta(minutes=30)).strftime(
        "%H:%M"
    )
    assert when_text(NOW + timedelta(seconds=30), NOW).count(":") == 2  # seconds when it is that close
    far = NOW + timedelta(days=36500)
    text = when_text(far, NOW)
    assert " on " in text
    assert str(far.astimezone().year) in text


def test_sign_in_advice_follows_the_front_end() -> None:
    error = AuthError(had_token=False)
    assert "Account ▸ Sign in" in describe(error, Front.WINDOW)
    assert "set GH_TOKEN" in describe(error, Front.CLI)
    fact = NotSignedIn("github.com", "GH_TOKEN")
    assert describe(fact, Front.WINDOW).startswith("Not signed in to github.com")
    assert describe(fact, Front.CLI).startswith("No GitHub token for github.com")


def test_what_a_rate_limit_means_depends_on_what_was_being_done() -> None:
    limit = RateLimited(resume_at=NOW + timedelta(hours=1), secondary=False)
    assert "Press F5 after" in describe(limit, Front.WINDOW, Doing.REFRESH, now=NOW)
    assert "stays queued" in describe(limit, Front.WINDOW, Doing.MOVE, now=NOW)
    assert "triageboard sync" in describe(limit, Front.CLI, Doing.MOVE, now=NOW)
    capped = RateLimited(resume_at=NOW + timedelta(hours=1), secondary=False, capped=True)
    assert "longer wait than any of its limits" in describe(capped, now=NOW)


def test_a_malformed_token_is_named_by_where_it_came_from_never_shown() -> None:
    text = describe(MalformedToken("GH_TOKEN"), Front.CLI)
    assert "The token from GH_TOKEN is malformed" in text
    assert "set GH_TOKEN" in text


def test_a_malformed_token_says_what_is_wrong_with_it() -> None:
    """A 100 KB token has no bad character: the sentence says it is too long, not that it has spaces."""
    problem = token_problem("x" * 100_000)
    assert problem is not None
    assert problem.problem is TokenProblem.TOO_LONG
    text = describe(MalformedToken("GH_TOKEN", problem.problem, length=problem.length), Front.CLI)
    assert "100,000 characters long" in text
    assert "spaces" not in text
    bad = token_problem("ab\ncd")
    assert bad is not None
    assert bad.problem is TokenProblem.CHARACTERS
    assert "line breaks" in describe(MalformedToken("GH_TOKEN", bad.problem), Front.CLI)
    assert token_problem("ghp_" + "a" * 36) is None


def test_half_applied_says_where_the_issue_is_now() -> None:
    error = HalfApplied(
        "o/r#1",
        "OnDeck",
        labels=["A-async-await", "AsyncAwait-Focus", "AsyncAwait-Other"],
        columns=["Focus", "Other"],
    )
    text = describe(error)
    assert "was only half done" in text
    assert "in both Focus and Other at once" in text
    assert "move it once more" in text


def test_a_half_done_move_that_waits_says_where_the_issue_is_and_that_the_rest_follows() -> None:
    error = HalfApplied(
        "o/r#1",
        "OnDeck",
        labels=["A-async-await", "AsyncAwait-Focus", "AsyncAwait-OnDeck"],
        columns=["Focus", "OnDeck"],
        cause=Unavailable(status=503),
        final=False,
    )
    text = describe(error, Front.CLI, Doing.SEND)
    assert "is half done so far" in text
    assert "in both Focus and OnDeck at once" in text
    assert "The rest is sent again: GitHub is having trouble (503)" in text
    assert "for good" not in text
    assert "move it once more" not in text  # nothing for the user to do: it settles by itself
    # a record written before 'final' existed reads as final
    record = to_record(error)
    del record["facts"]["final"]  # type: ignore[attr-defined]
    old = from_record(record)
    assert old is not None
    assert "was only half done" in describe(old)


def test_a_silently_dropped_assignee_is_said() -> None:
    text = describe(NotAssignable("o/r#1", "assign @mallory", login="mallory", assignees=["alice"]))
    assert "mallory" in text
    assert "alice" in text


def test_waiting_for_a_sign_in() -> None:
    assert (
        describe(Waiting(2, needs_sign_in=True), Front.WINDOW)
        == "2 moves waiting: sign in to GitHub again to send them."
    )


def test_the_saved_board_says_how_old_it_is_in_each_front_end() -> None:
    now = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    fact = ShowingSaved(now - timedelta(hours=2, minutes=5), now)
    window = describe(fact, Front.WINDOW, now=now)
    assert "2 hours ago" in window
    assert "checking GitHub for changes" in window
    cli = describe(ShowingSaved(fact.saved_at, now, checking=False), Front.CLI, now=now)
    assert cli.startswith("this is the board saved at")
    assert "2 hours ago" in cli


def test_offline_says_since_when_what_is_shown_and_that_it_tries_again() -> None:
    now = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    fact = OfflineSince(
        "api.github.com",
        now - timedelta(minutes=3),
        Offline(host="api.github.com", cause="ConnectError"),
        saved_at=now - timedelta(days=1),
        retry_at=now + timedelta(seconds=40),
    )
    window = describe(fact, Front.WINDOW, now=now)
    assert window.startswith("Offline since")
    assert "api.github.com (ConnectError)" in window
    assert "1 day ago" in window
    assert "moves are kept" in window
    assert "Trying again by itself" in window
    cli = describe(fact, Front.CLI, now=now)
    assert cli.startswith("offline since")
    assert "F5" not in cli
    nothing = describe(OfflineSince("api.github.com", now), Front.WINDOW, now=now)
    assert "Nothing could be loaded yet" in nothing
