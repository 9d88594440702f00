"""Minutes from the journal: the whole text of a real meeting, untrusted titles kept inert, other boards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from markdown_it import MarkdownIt
from triage_week import ASYNC, NOW

from triageboard.board import (
    Card,
    Decision,
    Meeting,
    Record,
    agenda,
    markdown_text,
    minutes,
    open_meeting,
    parse_board,
    record_from_dict,
    record_to_dict,
)

EXPECTED = (Path(__file__).parent / "data" / "weekly-minutes.md").read_text(encoding="utf-8")


def held(cards: list[Card], decisions: list[Decision]) -> list[Record]:
    """The journal of a meeting that takes ``decisions``, three minutes apart."""
    opened = open_meeting(ASYNC, agenda(ASYNC, cards, NOW), NOW)
    meeting, at = Meeting(opened), NOW
    journal: list[Record] = [opened]
    for decision in decisions:
        at += timedelta(minutes=3)
        journal.append(meeting.decide(decision, at)[0])
    return journal


WEEKLY = [
    Decision.move("OnDeck"),
    Decision.move("Other"),
    Decision.skip(),
    Decision.assign("dave"),
    Decision.keep(),
    Decision.demote(),
    Decision.keep(),
    Decision.promote(),
    Decision.skip(),
]


def test_minutes_of_the_weekly_meeting(week_cards: list[Card]) -> None:
    assert minutes(held(week_cards, WEEKLY)) == EXPECTED


def test_minutes_come_from_the_journal_alone(week_cards: list[Card]) -> None:
    journal = held(week_cards, WEEKLY)
    reread = [record_from_dict(record_to_dict(r)) for r in journal]
    assert minutes(reread) == EXPECTED


def test_an_undone_decision_leaves_no_trace(week_cards: list[Card]) -> None:
    opened = open_meeting(ASYNC, agenda(ASYNC, week_cards, NOW), NOW)
    meeting = Meeting(opened)
    journal: list[Record] = [opened, meeting.decide(Decision.move("Focus"), NOW)[0], meeting.undo(NOW)[0]]
    text = minutes(journal)
    assert "Uncategorized → Focus" not in text
    assert "0 decisions" in text
    assert "| Uncategorized | 3 | 3 |" in text


def _inline_kinds(markdown: str) -> set[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    kinds = set()
    for token in tokens:
        kinds.add(token.type)
        kinds.update(child.type for child in token.children or [])
    return kinds


def test_an_untrusted_title_builds_no_markdown() -> None:
    title = "@alice see [this](https://evil.example) <b>now</b> *really* _x_ | `code` &amp; $x$ ~~y~~ \\*"
    tokens = MarkdownIt("commonmark").parse(markdown_text(title))
    (inline,) = [t for t in tokens if t.type == "inline"]
    assert [child.type for child in inline.children or []] == ["text"]
    shown = inline.children[0].content  # type: ignore[index]
    # every character shows as written, except the mention, which no longer pings
    assert shown == title.replace("@alice", "@\u200balice")


def test_titles_stay_on_their_line() -> None:
    assert markdown_text("first\n# second\r\n- third\u202e\x00") == "first # second - third"


def test_the_weekly_minutes_hold_only_our_own_links(week_cards: list[Card]) -> None:
    text = minutes(held(week_cards, WEEKLY))
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    links = [
        child.attrs["href"] for token in tokens for child in token.children or [] if child.type == "link_open"
    ]
    assert "https://evil.example" not in links
    assert all(str(href).startswith("https://github.com/rust-lang/") for href in links)
    assert not {"html_inline", "html_block", "em_open", "strong_open", "code_inline"} & _inline_kinds(text)


def test_a_journal_url_that_is_no_web_address_is_not_linked(week_cards: list[Card]) -> None:
    journal = held(week_cards, [Decision.keep()])
    data = record_to_dict(journal[0])
    data["steps"][0]["issues"][0]["url"] = "javascript:alert(1)"
    data["steps"][0]["issues"][1]["url"] = "https://github.com/a/b/issues/1)[x](https://evil.example"
    data["steps"][0]["issues"][2]["url"] = "https://github.com/a/b/issues/2 spaced"
    text = minutes([record_from_dict(data), journal[1]])
    assert "javascript:" not in text
    assert "- rust-lang/rust#80002 @\u200balice" in text
    assert "[rust-lang/wg-async#12](https://github.com/a/b/issues/1%29%5Bx%5D%28https://evil.example)" in text
    assert ", rust-lang/rust#80001" in text  # a URL with a space in it: no link at all


def test_a_board_without_limits_or_assignees_still_has_minutes() -> None:
    spec = parse_board('repos = ["o/r"]\n[[columns]]\nname = "Now"\nlabels = ["now"]\n')
    opened = open_meeting(spec, agenda(spec, [], NOW), NOW)
    text = minutes([opened])
    assert "## 1. Give each Uncategorized issue a triage label\n\nNothing to review." in text
    assert "## Who is on what in Now\n\nNothing is in it." in text
    assert "0 decisions" in text
