"""The dataset's past: who labelled, assigned and discussed each issue, and when.

Consistent with each issue's present: replaying its events gives its labels and assignees; every event
and comment lies between ``created_at`` and ``updated_at``; the last ``labeled`` event of a board column's
label is when the issue entered that column (an issue idle for months entered it months ago). Some issues
came from another column (an ``unlabeled``/``labeled`` pair). The last comment, if any, is the update.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from ._model import Comment, Event, EventKind, Issue, Label, Repo

DAY = 86_400
COLUMN_LABELS = ("AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other")
# Where an issue of a column often came from before it was promoted (or demoted).
_CAME_FROM = {
    "AsyncAwait-Focus": "AsyncAwait-OnDeck",
    "AsyncAwait-OnDeck": "AsyncAwait-Other",
    "AsyncAwait-Other": "AsyncAwait-OnDeck",
}
BOT = "rustbot"

_REMARKS = (
    "I can reproduce this on the latest nightly.",
    "Still happens with `rustc 1.{minor}.0-nightly`.",
    "This looks related to #{other}.",
    "Minimized a bit further:\n\n```rust\nasync fn f(x: &mut Vec<u8>) {{\n    g(x).await;\n}}\n```",
    "Bisected: it regressed somewhere between nightly-2026-0{month}-01 and nightly-2026-0{month}-15.",
    "We looked at this in the async WG triage meeting; it is a real bug in {topic}.",
    "Is anyone working on this? I would like to give it a try.",
    "I think the fix belongs in `rustc_hir_typeck`, near where {topic} is lowered.",
    "The error points at the `.await`, but the cause is the `MutexGuard` held across it.",
    "Thanks for the report! A smaller example would help.",
    "Nominating for discussion: this blocks stabilising {topic}.",
    "Happy to mentor this. Instructions: start from the test in `tests/ui/async-await/`.",
    "Confirmed on aarch64-apple-darwin as well.",
    "Same here 👍 🦀",
    "<img src=x onerror=alert(1)> this still breaks for me",  # untrusted markup: shown as text
    "<script>alert('comment')</script> — copied from the issue template",
    "هذا الخطأ لا يزال موجودًا في أحدث إصدار ليلي (nightly).",
    "גם אצלי זה קורה עם `async fn` בתוך trait.",
    "Right-to-left override in a name: \u202egnp.exe\u202c and a zero\u200bwidth space.",
    "**Workaround:** box the future: `Box::pin(fut).await`.",
    "Closing this would need a test in `tests/ui`; marking as `E-needs-test` might help.",
)
_TOPICS = (
    "async closures",
    "`Send` bounds",
    "return type notation",
    "async fn in traits",
    "`Pin` projections",
)


def write_past(
    repo: Repo,
    issue: Issue,
    rng: random.Random,
    comment_count: int,
    *,
    triagers: Sequence[str],
    reporters: Sequence[str],
    next_ids: list[int],
) -> None:
    """Fill ``issue.events`` and ``issue.comments``; ``next_ids`` is ``[next event id, next comment id]``."""
    created, updated = issue.created_at, issue.updated_at
    span = max(0, updated - created)

    random = rng.random  # the hot path: a few thousand comments

    def between(lo: float, hi: float) -> int:
        return int(created + span * (lo + (hi - lo) * random()))

    events: list[tuple[int, EventKind, str, Label | None, str | None]] = []
    labellers = (*triagers, BOT)

    def anyone(people: Sequence[str]) -> str:
        return people[int(random() * len(people))]

    for label in issue.labels:
        if label.name in COLUMN_LABELS:
            continue
        actor = anyone(labellers) if random() < 0.8 else issue.author
        events.append((created + min(span, 60 + int(random() * 2 * DAY)), "labeled", actor, label, None))
    for label in issue.labels:
        if label.name not in COLUMN_LABELS:
            continue
        entered = between(0.35, 0.95)
        previous = repo.label(_CAME_FROM[label.name])
        if previous is not None and not issue.has_label(previous.name) and random() < 0.4:
            earlier = between(0.05, 0.3)
            events.append((earlier, "labeled", anyone(triagers), previous, None))
            events.append((entered, "unlabeled", anyone(triagers), previous, None))
        events.append((entered, "labeled", anyone(labellers), label, None))
    for login in issue.assignees:
        actor = login if random() < 0.6 else anyone(triagers)
        events.append((between(0.2, 0.9), "assigned", actor, None, login))
    if issue.state == "closed" and issue.closed_at is not None:
        events.append((issue.closed_at, "closed", anyone(triagers), None, None))
    events.sort(key=lambda e: e[0])
    for at, kind, actor, what, assignee in events:
        next_ids[0] += 1
        issue.events.append(
            Event(
                id=next_ids[0],
                kind=kind,
                actor=actor,
                created_at=min(at, updated),
                label=None if what is None else (what.name, what.color),
                assignee=assignee,
            )
        )

    times = sorted(between(0.02, 1.0) for _ in range(comment_count))
    if times:
        times[-1] = updated  # the latest comment is the latest update
    for at in times:
        author = anyone(triagers if random() < 0.35 else reporters)
        text = _REMARKS[int(random() * len(_REMARKS))]
        if "{" in text:
            text = text.format(
                minor=84 + int(random() * 10),
                other=60_000 + int(random() * 70_000),
                month=1 + int(random() * 9),
                topic=_TOPICS[int(random() * len(_TOPICS))],
            )
        next_ids[1] += 1
        association = "MEMBER" if author in triagers else "NONE"
        issue.comments.append(Comment(next_ids[1], author, text, at, at, association))
