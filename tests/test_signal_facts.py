"""The signals' facts: the bot's refusals and silence, a card waiting for the bot, a move through the bot,
a capped timeline read; kept on disk as facts (the outbox) and worded per front end."""

from __future__ import annotations

import json

import pytest

from triageboard.errors import (
    AwaitingBot,
    BotRefused,
    BotSilent,
    CannotComment,
    TriageboardError,
    Unavailable,
    from_record,
    to_record,
)
from triageboard.reporting import Doing, TimelinesCapped, ViaBot
from triageboard.wording import Front, describe

ISSUE = "rust-lang/rust#51751"


@pytest.mark.parametrize(
    "error",
    [
        BotRefused(ISSUE, "OnDeck", repo="rust-lang/rust", said="Unknown labels: A-x"),
        BotRefused(ISSUE, "Focus", repo="rust-lang/rust", labels=["AsyncAwait-Focus"]),
        BotSilent(ISSUE, "assign @reader", repo="rust-lang/rust", seconds=612.5),
        CannotComment(
            ISSUE, "OnDeck", repo="rust-lang/rust", detail="Unable to create comment because issue is locked."
        ),
        AwaitingBot(ISSUE, "Other", repo="rust-lang/rust"),
    ],
)
def test_the_bots_facts_survive_a_trip_to_disk(error: TriageboardError) -> None:
    again = from_record(json.loads(json.dumps(to_record(error))))
    assert type(again) is type(error)
    assert repr(again) == repr(error)
    assert str(again) == str(error)


def test_what_the_bot_said_or_would_not_do_is_said() -> None:
    said = describe(BotRefused(ISSUE, "OnDeck", repo="rust-lang/rust", said="Unknown labels: A-x"))
    assert said == (
        "@rustbot refused the change (OnDeck) on rust-lang/rust#51751, so nothing changed. It answered: "
        "“Unknown labels: A-x”. Ask someone with the triage role in rust-lang/rust."
    )
    members = describe(
        BotRefused(ISSUE, "Focus", repo="rust-lang/rust", labels=["AsyncAwait-Focus", "P-high"])
    )
    assert "lets only members set or remove AsyncAwait-Focus, P-high" in members
    assert "nothing was posted" in members


@pytest.mark.parametrize(("seconds", "shown"), [(45, "45 seconds"), (600, "10 minutes"), (7300, "2 hours")])
def test_a_silent_bot_is_said_with_how_long_it_was_given(seconds: float, shown: str) -> None:
    text = describe(BotSilent(ISSUE, "OnDeck", repo="rust-lang/rust", seconds=seconds))
    assert text.startswith(f"@rustbot had not acted on the request (OnDeck) for {ISSUE} after {shown};")
    assert "may still act on it" in text


def test_a_locked_conversation_and_a_busy_bot_are_said() -> None:
    locked = describe(CannotComment(ISSUE, "OnDeck", repo="rust-lang/rust", detail="issue is locked"))
    assert locked.startswith(f"{ISSUE} was not moved to OnDeck: GitHub refused the comment")
    assert locked.endswith("GitHub said: issue is locked")
    busy = describe(AwaitingBot(ISSUE, "Other", repo="rust-lang/rust"), Front.CLI)
    assert busy.startswith(f"{ISSUE} waits for @rustbot to act on an earlier request for it")


def test_a_move_through_the_bot_is_said_before_it_is_made() -> None:
    fact = ViaBot(ISSUE, "OnDeck", "rust-lang/rust", "@rustbot label +AsyncAwait-OnDeck")
    for front in Front:
        assert describe(fact, front) == (
            "You cannot change labels in rust-lang/rust, so rust-lang/rust#51751 → OnDeck is asked of its "
            "bot with the comment “@rustbot label +AsyncAwait-OnDeck”; it shows once the bot has acted."
        )


def test_a_capped_timeline_read_says_what_is_known_and_what_to_do() -> None:
    fact = TimelinesCapped(known=12, total=195, cap=10)
    cli = describe(fact, Front.CLI)
    assert cli.startswith(
        "Time in a column is known for 12 of 195 cards: reading timelines stopped after 10 requests."
    )
    assert "Run it again" in cli
    assert "as the cards are shown" in describe(fact, Front.WINDOW)


def test_a_failed_timeline_read_says_what_was_being_read() -> None:
    text = describe(Unavailable(status=502), Front.WINDOW, Doing.TIMELINE)
    assert text.startswith(
        "Reading how long cards have been in their columns failed: GitHub is having trouble"
    )
