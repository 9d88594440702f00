"""How a request is sent: directly, as a @rustbot comment, or not at all (and why); reading the bot's
answers. Against rust-lang/rust's real triagebot.toml (tests/board/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from triageboard.board import (
    Assignment,
    BoardSpec,
    Column,
    Issue,
    IssueKey,
    Label,
    LabelDiff,
    Via,
    bot_error,
    claimed_by,
    parse_triagebot,
    preset,
    refusal_concerns,
    route_assignment,
    route_move,
)
from triageboard.errors import BotRefused, CannotLabel, MissingLabel
from triageboard.wording import describe

RUST = parse_triagebot((Path(__file__).parent / "data" / "rust-lang-rust-triagebot.toml").read_text("utf-8"))
ASYNC = preset("rust-async")
REPO = "rust-lang/rust"
KEY = IssueKey(REPO, 51751)
CANNOT = CannotLabel("", "", repo=REPO)


def issue(*labels: str) -> Issue:
    return Issue(REPO, 51751, "t", labels=tuple(Label(n) for n in ("A-async-await", *labels)))


def test_a_move_the_account_may_make_goes_to_github_even_where_a_bot_runs() -> None:
    route = route_move(ASYNC, issue(), ASYNC.column("Focus"), refusal=None, bot=RUST)
    assert route.via is Via.GITHUB
    assert route.diff == LabelDiff(add=("AsyncAwait-Focus",))
    assert route.comment == ""
    assert not route.refused


def test_a_move_anyone_may_make_goes_through_the_bot_with_its_comment() -> None:
    route = route_move(
        ASYNC, issue("AsyncAwait-OnDeck"), ASYNC.column("Uncategorized"), refusal=CANNOT, bot=RUST
    )
    assert route.via is Via.RUSTBOT
    assert route.by_bot
    assert route.comment == "@rustbot label -AsyncAwait-OnDeck"
    route = route_move(ASYNC, issue(), ASYNC.column("OnDeck"), refusal=CANNOT, bot=RUST)
    assert route.comment == "@rustbot label +AsyncAwait-OnDeck"


def test_a_move_with_a_label_only_members_may_set_is_refused_naming_it() -> None:
    route = route_move(ASYNC, issue("AsyncAwait-OnDeck"), ASYNC.column("Focus"), refusal=CANNOT, bot=RUST)
    assert route.refused
    assert isinstance(route.refusal, BotRefused)
    assert route.refusal.labels == ("AsyncAwait-Focus",)
    assert route.refusal.said == ""
    text = describe(route.refusal)
    assert "rust-lang/rust#51751 cannot go to Focus" in text
    assert "lets only members set or remove AsyncAwait-Focus" in text
    assert "nothing was posted" in text


@pytest.mark.parametrize(
    ("refusal", "bot"),
    [
        (CANNOT, None),  # no triagebot.toml
        (CANNOT, parse_triagebot("[assign]\n")),  # a bot without [relabel] ignores label commands
        (CannotLabel("", "", repo=REPO, missing=True), RUST),  # the repository cannot even be seen
        (MissingLabel("", "OnDeck", repo=REPO, label="AsyncAwait-OnDeck"), RUST),  # the bot would refuse too
    ],
)
def test_without_a_usable_bot_the_refusal_stands(refusal: CannotLabel | MissingLabel, bot: object) -> None:
    route = route_move(ASYNC, issue(), ASYNC.column("OnDeck"), refusal=refusal, bot=bot)  # type: ignore[arg-type]
    assert route.refused
    assert route.refusal is refusal


def test_a_label_no_comment_can_name_is_refused() -> None:
    spec = BoardSpec(name="odd", columns=(Column("Quoted", ('A-"x"',)), ASYNC.uncategorized))
    route = route_move(spec, issue(), spec.column("Quoted"), refusal=CANNOT, bot=RUST)
    assert route.refused
    assert route.refusal is CANNOT


def test_assigning_oneself_is_a_claim_and_nothing_else_goes_through_the_bot() -> None:
    me = "reader"
    claim = route_assignment(Assignment(KEY, "Reader"), me, refusal=CANNOT, bot=RUST)
    assert (claim.via, claim.comment) == (Via.RUSTBOT, "@rustbot claim")
    assert route_assignment(Assignment(KEY, "reader"), me, refusal=None, bot=RUST).via is Via.GITHUB
    for refused in (
        route_assignment(Assignment(KEY, "someone"), me, refusal=CANNOT, bot=RUST),  # members only
        route_assignment(Assignment(KEY, me, add=False), me, refusal=CANNOT, bot=RUST),  # drops everyone
        route_assignment(Assignment(KEY, me), me, refusal=CANNOT, bot=parse_triagebot("[relabel]\n")),
        route_assignment(Assignment(KEY, me), "", refusal=CANNOT, bot=RUST),  # who is signed in is unknown
    ):
        assert refused.refused
        assert refused.refusal is CANNOT


def test_the_bots_error_answers_are_read_and_matched_to_the_request() -> None:
    help_text = "Please file an issue on GitHub at [triagebot](https://github.com/rust-lang/triagebot)."
    said = bot_error(
        f":warning: **Error**: Label AsyncAwait-Focus can only be set by Rust team members\n\n{help_text}"
    )
    assert said == "Label AsyncAwait-Focus can only be set by Rust team members"
    assert bot_error("Thanks, @rustbot label +A-x looks right") is None
    assert bot_error(help_text) is None
    diff = LabelDiff(add=("AsyncAwait-Focus",), remove=("AsyncAwait-OnDeck",))
    assert refusal_concerns(said, diff)
    assert refusal_concerns("Unknown labels: asyncawait-ondeck", diff)  # any case
    assert not refusal_concerns("Label AsyncAwait-Focused can only be set by Rust team members", diff)
    assert not refusal_concerns("Label A-AsyncAwait-Focus can only be set by Rust team members", diff)
    # A claim has no labels: any error answer after it is about it.
    assert refusal_concerns("This issue is already assigned to @someone.", LabelDiff())


def test_a_claim_the_bot_holds_names_the_claimant() -> None:
    body = (
        "The bug.\n\n<!-- TRIAGEBOT_ASSIGN_START -->\n*This issue has been assigned to @reader via [this "
        'comment](x).*\n<!-- TRIAGEBOT_ASSIGN_DATA_START$${"user": "reader"}$$TRIAGEBOT_ASSIGN_DATA_END -->\n'
        "<!-- TRIAGEBOT_ASSIGN_END -->"
    )
    assert claimed_by(body) == "reader"
    assert claimed_by("no claim") is None
    assert claimed_by("TRIAGEBOT_ASSIGN_DATA_START$$not json$$TRIAGEBOT_ASSIGN_DATA_END") is None
    assert claimed_by('TRIAGEBOT_ASSIGN_DATA_START$${"user": 3}$$TRIAGEBOT_ASSIGN_DATA_END') is None
