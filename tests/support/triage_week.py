"""A Rust async board the week of a triage meeting: the cards the agenda, meeting and minutes tests share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triageboard.board import Issue, IssueKey, Label, preset

ASYNC = preset("rust-async")
NOW = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)
AREA = "A-async-await"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def rust(number: int) -> IssueKey:
    return IssueKey("rust-lang/rust", number)


# (repo, number, title, column label or None, extra labels, assignees, days since update,
#  days in the column, comments)
WEEK = [
    (
        "rust-lang/rust",
        51751,
        "AFIT: ICE with elided lifetimes",
        "Focus",
        (),
        ("alice",),
        2,
        30,
        4,
    ),
    ("rust-lang/rust", 52924, "Stream trait in std", "Focus", (), ("bob",), 41, 60, 12),
    ("rust-lang/rust", 53000, "Send bound inference on async blocks", "Focus", (), (), 3, 10, 2),
    ("rust-lang/rust", 60001, "Better error for .await outside async", "OnDeck", ("E-mentor",), (), 5, 50, 5),
    ("rust-lang/rust", 60002, "async closures: capture analysis", "OnDeck", (), ("carol",), 6, 20, 2),
    ("rust-lang/rust", 60003, "Document object safety of async fn in traits", "OnDeck", (), (), 30, 90, 1),
    ("rust-lang/rust", 60004, "pin! inside async fn: confusing diagnostic", "OnDeck", (), (), 30, 90, 9),
    ("rust-lang/rust", 60005, "await in const fn", "OnDeck", (), (), 4, 5, 0),
    ("rust-lang/rust", 70001, "async drop", "Other", ("E-mentor",), (), 50, 100, 3),
    ("rust-lang/rust", 70002, "async iterators in for loops", "Other", (), (), 80, 200, 30),
    ("rust-lang/rust", 80001, "ICE: async block in closure", None, ("C-bug",), (), 3, 3, 0),
    (
        "rust-lang/rust",
        80002,
        "@alice see [this](https://evil.example) <b>now</b> *really* | `code` & $x$ \u202eevil",
        None,
        (),
        (),
        40,
        40,
        1,
    ),
    ("rust-lang/wg-async", 12, "Stream trait design", None, (), (), 10, 10, 7),
]


def week_issues() -> list[Issue]:
    issues = []
    for repo, number, title, column, extra, assignees, updated, _, comments in WEEK:
        labels = [AREA, *extra]
        if column is not None:
            labels += ASYNC.column(column).labels
        issues.append(
            Issue(
                repo,
                number,
                title,
                labels=tuple(Label(n) for n in labels),
                assignees=assignees,
                comments=comments,
                created_at=ago(400),
                updated_at=ago(updated),
                html_url=f"https://github.com/{repo}/issues/{number}",
            )
        )
    return issues


def week_since() -> dict[IssueKey, datetime]:
    return {IssueKey(repo, number): ago(days) for repo, number, *_, days, _ in WEEK}
