"""The @rustbot fallback against rust-lang/rust's real triagebot.toml, triagebot's own cases and the glob
crate's documented behaviour; comments read back with triagebot's tokenizer rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triageboard.board import (
    Assignment,
    Issue,
    IssueKey,
    Label,
    LabelDiff,
    Triagebot,
    TriagebotError,
    assignment_comment,
    diff_allowed,
    label_allowed,
    label_comment,
    parse_triagebot,
    plan_move,
    preset,
)

RUST = parse_triagebot((Path(__file__).parent / "data" / "rust-lang-rust-triagebot.toml").read_text("utf-8"))
ASYNC = preset("rust-async")
KEY = IssueKey("rust-lang/rust", 51751)


def test_rust_lang_rusts_file_lists_its_patterns_and_allows_claims() -> None:
    assert RUST.assign
    assert RUST.relabel is not None
    assert RUST.relabel[:4] == ("A-*", "C-*", "D-*", "E-*")
    assert "AsyncAwait-OnDeck" in RUST.relabel
    assert len(RUST.relabel) == 27


@pytest.mark.parametrize(
    ("label", "allowed"),
    [
        ("A-async-await", True),
        ("E-mentor", True),
        ("E-needs-mentor", True),
        ("AsyncAwait-OnDeck", True),
        ("asyncawait-ondeck", True),  # triagebot matches ignoring ASCII case
        ("AsyncAwait-Focus", False),
        ("AsyncAwait-Other", False),
        ("AsyncAwait-Triaged", False),
        ("P-high", False),
        ("-Zmiri", True),  # "-Z*" is a pattern, not an exclusion
        ("needs-triage", True),
        ("needs-triage-2", False),
        ("A-", True),
        ("XA-async", False),
    ],
)
def test_rust_lang_rust_labels_anyone_may_set(label: str, allowed: bool) -> None:
    assert RUST.relabel is not None
    assert label_allowed(RUST.relabel, label) is allowed


def issue(*labels: str) -> Issue:
    return Issue("rust-lang/rust", 51751, "t", labels=tuple(Label(n) for n in ("A-async-await", *labels)))


@pytest.mark.parametrize(
    ("labels", "target", "allowed"),
    [
        ((), "OnDeck", True),  # +AsyncAwait-OnDeck
        (("AsyncAwait-OnDeck",), "Uncategorized", True),  # -AsyncAwait-OnDeck
        (("AsyncAwait-OnDeck",), "Focus", False),  # +AsyncAwait-Focus is for members
        (("AsyncAwait-Other",), "OnDeck", False),  # -AsyncAwait-Other is too
        ((), "Other", False),
    ],
)
def test_which_board_moves_anyone_can_make_by_comment(
    labels: tuple[str, ...], target: str, allowed: bool
) -> None:
    diff = plan_move(ASYNC, issue(*labels), ASYNC.column(target))
    assert diff_allowed(RUST, diff) is allowed


def test_no_relabel_table_allows_no_label_change() -> None:
    bot = parse_triagebot("[assign]\n")
    assert bot == Triagebot(relabel=None, assign=True)
    assert not diff_allowed(bot, LabelDiff(add=("A-x",)))
    assert parse_triagebot('[relabel]\nallow-unauthenticated = ["A-*"]\n') == Triagebot(
        ("A-*",), assign=False
    )
    assert parse_triagebot("[relabel]\n") == Triagebot((), assign=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[relabel\n", "not valid TOML"),
        ("relabel = 3\n", "must be a table"),
        ('[relabel]\nallow-unauthenticated = "A-*"\n', "list of strings"),
        ("[relabel]\nallow-unauthenticated = [1]\n", "list of strings"),
    ],
)
def test_unreadable_files_say_why(text: str, message: str) -> None:
    with pytest.raises(TriagebotError, match=message):
        parse_triagebot(text)


# --- triagebot's own cases (src/handlers/relabel.rs tests) ---------------------------------------------


@pytest.mark.parametrize(
    ("label", "allowed"),
    [
        ("T-release", True),
        ("I-slow", True),
        ("I-lang-nominated", False),
        ("I-nominated", False),
        ("A-spurious", False),
    ],
)
def test_an_exclusion_overrides_any_allowed_pattern(label: str, allowed: bool) -> None:
    assert label_allowed(["T-*", "I-*", "!I-*nominated"], label) is allowed
    # ...wherever it stands in the list
    assert label_allowed(["!I-*nominated", "T-*", "I-*"], label) is allowed


def test_patterns_ignore_ascii_case() -> None:
    assert label_allowed(["i-*"], "I-nominated")
    assert not label_allowed(["!I-no*"], "I-nominated")
    assert not label_allowed(["I-*"], "T-infra")


# --- the glob crate's behaviour (its documented tests) ------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "label", "matches"),
    [
        ("a*b", "a_b", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "abcd", False),
        ("a*b[xyz]c*d", "abxcdbxcddd", True),
        ("c?t", "cat", True),
        ("c?t", "ct", False),
        ("k[!e]tteh", "kitteh", True),
        ("k[!e]tteh", "ketteh", False),
        ("a[0-9]b", "a7b", True),
        ("a[0-9]b", "a_b", False),
        ("[abc-]", "-", True),
        ("[a-c-]", "d", False),
        ("[2-1]", "1", False),
        ("[!2-1]", "1", True),
        ("[]]", "]", True),
        ("[!]]", "x", True),
        ("[a-z]", "Q", True),  # either case between letters
        ("[!a]", "A", False),
        ("[0-z]", "Q", True),  # not between two letters: the code points decide
        ("[0-Z]", "q", False),
        ("*hello.txt", "some/path/to/hello.txt", True),  # * crosses "/" in labels
        ("some/**/needle.txt", "some/needle.txt", True),
        ("some/**/needle.txt", "some/one/two/needle.txt", True),
        ("some/**/**/needle.txt", "some/other/needle.txt", True),
        ("some/**/needle.txt", "some/other/notthis.txt", False),
        ("**", "anything at all", True),
        ("**/test", "test", True),
        ("**/.*", "abc/.abc", True),
        ("**/.*", "ab.c", False),
        ("a.b", "aXb", False),  # a dot is a dot
        ("(x)+", "(x)+", True),
        ("ÄB", "äb", False),  # case is ignored for ASCII only
        ("ÄB", "Äb", True),
    ],
)
def test_glob_matching(pattern: str, label: str, matches: bool) -> None:
    assert label_allowed([pattern], label) is matches


@pytest.mark.parametrize(
    "pattern", ["a/**b", "a/bc**", "a/*****", "a/b**c**d", "a**b", "abc[def", "abc[]", "abc[!]"]
)
def test_a_pattern_the_glob_crate_refuses_refuses_the_label(pattern: str) -> None:
    # triagebot answers with an error comment: nothing changes, even when an earlier pattern matched
    assert not label_allowed(["A-*", pattern], "A-async-await")
    # ...but an exclusion met before it has already decided
    assert not label_allowed(["!A-*", pattern], "A-async-await")


# --- comments ----------------------------------------------------------------------------------------------


def test_label_comment_adds_then_removes() -> None:
    diff = plan_move(ASYNC, issue("AsyncAwait-OnDeck"), ASYNC.uncategorized)
    assert label_comment(diff) == "@rustbot label -AsyncAwait-OnDeck"
    diff = LabelDiff(add=("AsyncAwait-OnDeck", "E-mentor"), remove=("needs-triage",))
    assert label_comment(diff) == "@rustbot label +AsyncAwait-OnDeck +E-mentor -needs-triage"


def test_labels_with_spaces_or_punctuation_are_quoted() -> None:
    diff = LabelDiff(add=("good first issue", "v1.0"), remove=("needs: triage",))
    assert label_comment(diff) == '@rustbot label "+good first issue" "+v1.0" "-needs: triage"'


@pytest.mark.parametrize("diff", [LabelDiff(), LabelDiff(add=('say "hi"',)), LabelDiff(remove=("a\x07b",))])
def test_a_change_no_comment_can_express_is_refused(diff: LabelDiff) -> None:
    with pytest.raises(ValueError, match="rustbot"):
        label_comment(diff)


def test_assignment_comments() -> None:
    assert assignment_comment(Assignment(KEY, "eholk"), me="eholk") == "@rustbot claim"
    assert assignment_comment(Assignment(KEY, "EHolk"), me="eholk") == "@rustbot claim"
    assert assignment_comment(Assignment(KEY, "tmandry"), me="eholk") == "@rustbot assign @tmandry"
    with pytest.raises(ValueError, match="remove it on GitHub"):
        assignment_comment(Assignment(KEY, "eholk", add=False), me="eholk")


def _triagebot_words(comment: str) -> list[str]:
    """The label deltas triagebot reads from ``comment`` (parser/src/token.rs: words end at whitespace and
    at . , : ! ? ; ( ); a double quote opens a string up to the next one)."""
    assert comment.startswith("@rustbot label ")
    text, words, i = comment.removeprefix("@rustbot label "), [], 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            end = text.index('"', i + 1)
            words.append(text[i + 1 : end])
            i = end + 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in ".,:!?;()":
                assert text[i] != '"', "a quote inside a word is an error for triagebot"
                i += 1
            assert i > start, f"punctuation {text[i]!r} would end the command"
            words.append(text[start:i])
    return words


_LABEL = st.text(
    st.characters(blacklist_characters='"', blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20
)


@settings(max_examples=300, deadline=None)
@given(add=st.lists(_LABEL, max_size=3), remove=st.lists(_LABEL, max_size=3))
def test_triagebot_reads_back_exactly_the_diff(add: list[str], remove: list[str]) -> None:
    diff = LabelDiff(add=tuple(add), remove=tuple(remove))
    if diff.is_empty:
        return
    words = _triagebot_words(label_comment(diff))
    assert words == [f"+{n}" for n in add] + [f"-{n}" for n in remove]
