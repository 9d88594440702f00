"""The triagebot: ``@rustbot`` commands in comments, acted on a moment later as ``rustbot``, allowed
patterns only for people without the triage role, refusals as bot comments that change nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sandboxkit import BOT, BOT_DELAY, READER_TOKEN, Sandbox
from sbclient import Api

from triageboard.sandbox._triagebot import Command, allowed, parse_commands

REPO = "rust-lang/rust"


@pytest.fixture
def number(sb: Sandbox) -> int:
    return sb.issue_numbers(REPO, labels=["AsyncAwait-Other", "A-async-await"], assigned=False)[0]


def eventually(check: Callable[[], bool], sb: Sandbox, seconds: float = 5.0) -> None:
    """Wait (bounded) for the bot: its delay is BOT_DELAY times the sandbox's time_scale."""
    deadline = time.monotonic() + seconds
    time.sleep(sb.wall(BOT_DELAY))
    while not check():
        assert time.monotonic() < deadline, "the bot did not act in time"
        time.sleep(0.01)


def comment(api: Api, number: int, body: str, token: str | None = READER_TOKEN) -> dict[str, Any]:
    reply = api.post(f"repos/{REPO}/issues/{number}/comments", {"body": body}, token=token)
    assert reply.status == 201, reply.body
    answer: dict[str, Any] = reply.json()
    return answer


def bot_comments(api: Api, number: int) -> list[str]:
    items, _ = api.follow(f"repos/{REPO}/issues/{number}/comments?per_page=100")
    return [c["body"] for c in items if c["user"]["login"] == BOT]


def test_anyone_may_set_allowed_labels(api: Api, sb: Sandbox, number: int) -> None:
    before = sb.issue(REPO, number)["updated_at"]
    comment(api, number, "Looks important.\n\n@rustbot label +AsyncAwait-OnDeck -AsyncAwait-Other E-easy")
    eventually(lambda: "AsyncAwait-OnDeck" in sb.issue_labels(REPO, number), sb)
    labels = sb.issue_labels(REPO, number)
    assert "AsyncAwait-Other" not in labels
    assert "E-easy" in labels
    history, _ = api.follow(f"repos/{REPO}/issues/{number}/events?per_page=100")
    mine = [(e["event"], e["label"]["name"]) for e in history if e["actor"]["login"] == BOT][-3:]
    assert sorted(mine) == [
        ("labeled", "AsyncAwait-OnDeck"),
        ("labeled", "E-easy"),
        ("unlabeled", "AsyncAwait-Other"),
    ]
    assert sb.issue(REPO, number)["updated_at"] > before
    assert bot_comments(api, number) == []


def test_a_refused_label_gets_a_comment_and_changes_nothing(api: Api, sb: Sandbox, number: int) -> None:
    labels = sb.issue_labels(REPO, number)
    comment(api, number, "@rustbot label +AsyncAwait-Focus -AsyncAwait-Other")
    eventually(lambda: bool(bot_comments(api, number)), sb)
    (said,) = bot_comments(api, number)
    assert "AsyncAwait-Focus can only be set by Rust team members" in said
    assert sb.issue_labels(REPO, number) == labels


def test_the_triage_role_may_set_any_label(api: Api, sb: Sandbox, number: int) -> None:
    comment(api, number, "@rustbot label +AsyncAwait-Focus -AsyncAwait-Other", token=sb.token)
    eventually(lambda: "AsyncAwait-Focus" in sb.issue_labels(REPO, number), sb)
    assert "AsyncAwait-Other" not in sb.issue_labels(REPO, number)


def test_unknown_labels_are_refused(api: Api, sb: Sandbox, number: int) -> None:
    comment(api, number, "@rustbot label +A-made-up-area")
    eventually(lambda: bool(bot_comments(api, number)), sb)
    assert "Unknown labels: A-made-up-area" in bot_comments(api, number)[0]
    assert "A-made-up-area" not in sb.label_names(REPO)


def test_nothing_happens_before_the_delay(number: int) -> None:
    with Sandbox(seed=1) as sb:  # a 2 s delay
        api = Api(sb)
        labels = sb.issue_labels(REPO, number)
        comment(api, number, "@rustbot label +E-easy")
        assert sb.issue_labels(REPO, number) == labels


def test_commands_in_code_and_quotes_and_other_repositories_are_ignored(
    api: Api, sb: Sandbox, number: int
) -> None:
    labels = sb.issue_labels(REPO, number)
    comment(
        api,
        number,
        "> @rustbot label +E-easy\n\n```\n@rustbot label +E-hard\n```\nSee `@rustbot label +E-medium`.",
    )
    wg = sb.issue_numbers("rust-lang/wg-async")[0]
    wg_labels = sb.issue_labels("rust-lang/wg-async", wg)
    sb.comment_as("crab-lover", "rust-lang/wg-async", wg, "@rustbot label +E-easy")
    sb.comment_as("crab-lover", REPO, number, "@rustbot label +E-needs-test")  # a control: it is acted on
    eventually(lambda: "E-needs-test" in sb.issue_labels(REPO, number), sb)
    assert sb.issue_labels(REPO, number) == [*labels, "E-needs-test"]
    assert sb.issue_labels("rust-lang/wg-async", wg) == wg_labels


def test_claim(api: Api, sb: Sandbox, number: int) -> None:
    sb.comment_as("async-andy", REPO, number, "I'd like to work on this.\n@rustbot claim")
    eventually(lambda: bool(sb.issue(REPO, number)["assignees"]), sb)
    assert [a["login"] for a in sb.issue(REPO, number)["assignees"]] == ["async-andy"]


def test_claim_by_someone_github_cannot_assign(api: Api, sb: Sandbox, number: int) -> None:
    comment(api, number, "@rustbot claim")  # "reader" cannot be assigned
    eventually(lambda: bool(sb.issue(REPO, number)["assignees"]), sb)
    issue = sb.issue(REPO, number)
    assert [a["login"] for a in issue["assignees"]] == [BOT]
    body = str(issue["body"])
    assert "TRIAGEBOT_ASSIGN_START" in body
    assert '$${"user": "reader"}$$' in body
    assert "assigned to @reader" in body


def test_assigning_someone_else_needs_the_triage_role(api: Api, sb: Sandbox, number: int) -> None:
    comment(api, number, "@rustbot assign @tmandry")
    eventually(lambda: bool(bot_comments(api, number)), sb)
    assert "Only Rust team members can assign other users" in bot_comments(api, number)[0]
    assert sb.issue(REPO, number)["assignees"] == []
    comment(api, number, "@rustbot assign @tmandry", token=sb.token)
    eventually(lambda: bool(sb.issue(REPO, number)["assignees"]), sb)
    assert [a["login"] for a in sb.issue(REPO, number)["assignees"]] == ["tmandry"]


def test_claiming_an_assigned_issue_is_refused_then_released(api: Api, sb: Sandbox, number: int) -> None:
    sb.assign_as("tmandry", REPO, number, "eholk")
    sb.comment_as("async-andy", REPO, number, "@rustbot claim")
    eventually(lambda: bool(bot_comments(api, number)), sb)
    assert "already assigned to @eholk" in bot_comments(api, number)[0]
    sb.comment_as("eholk", REPO, number, "@rustbot release-assignment")
    eventually(lambda: not sb.issue(REPO, number)["assignees"], sb)


def test_the_bot_ignores_itself(sb: Sandbox, number: int) -> None:
    labels = sb.issue_labels(REPO, number)
    sb.comment_as(BOT, REPO, number, "@rustbot label +E-easy")
    time.sleep(sb.wall(3 * BOT_DELAY))
    assert sb.issue_labels(REPO, number) == labels


def test_parsing_commands() -> None:
    assert parse_commands("@rustbot label +A-x -B-y C-z, D") == [
        Command("label", add=("A-x", "C-z", "D"), remove=("B-y",))
    ]
    assert parse_commands("@RustBot label: +E-easy.") == [Command("label", add=("E-easy",))]
    assert parse_commands("hi\n@rustbot claim\n@rustbot assign @someone") == [
        Command("claim"),
        Command("assign", user="someone"),
    ]
    assert parse_commands("@rustbot assign someone") == []
    assert parse_commands("@rustbot dance") == []
    assert parse_commands("email@rustbot.org label +x") == []


def test_allowed_patterns() -> None:
    patterns = ("A-*", "E-*", "AsyncAwait-OnDeck", "!E-mentor")
    assert allowed(patterns, "A-async-await")
    assert allowed(patterns, "AsyncAwait-OnDeck")
    assert not allowed(patterns, "AsyncAwait-Focus")
    assert not allowed(patterns, "E-mentor")
    assert allowed(patterns, "E-easy")
