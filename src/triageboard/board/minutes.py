"""The meeting's minutes in Markdown, rendered from its journal alone (never from what a window shows)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC
from urllib.parse import quote

from .agenda import ladder
from .meeting import Decided, DecisionKind, Meeting, Record, Topic
from .model import label_key

# Characters that would start Markdown structure inside a line: code, emphasis, links, HTML, tables, maths.
_MARKDOWN = frozenset("\\`*_[]<>&~|$")
# Bidirectional controls can make a title read differently from what it says.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def markdown_text(text: str) -> str:
    """Untrusted text (an issue title) as inline Markdown that shows it as written and builds nothing:
    one line, specials escaped, no @mention that would notify anyone."""
    out = []
    for c in " ".join(text.split()):
        if c in _BIDI or unicodedata.category(c) == "Cc":
            continue
        if c in _MARKDOWN:
            out.append("\\" + c)
        elif c == "@":
            out.append("@\u200b")  # a zero-width space after "@" keeps GitHub from pinging the name
        else:
            out.append(c)
    return "".join(out)


def minutes(records: Iterable[Record]) -> str:
    """The minutes of the meeting the journal ``records`` describe."""
    meeting = Meeting.resume(records)
    opened = meeting.opened
    decisions = meeting.decisions
    start = opened.at.astimezone(UTC)
    end = max((d.at for d in decisions), default=opened.at).astimezone(UTC)
    lines = [
        f"# Triage meeting: {markdown_text(opened.title)}",
        "",
        f"{start:%Y-%m-%d}, {start:%H:%M}–{end:%H:%M} UTC · board {markdown_text(opened.board)}"
        f" · {len(decisions)} decisions",
    ]
    for n, step in enumerate(opened.steps):
        lines += ["", f"## {n + 1}. {markdown_text(step.title)}", "", _step_text(meeting, n, step.topics)]
    lines += ["", "## Columns", "", "| Column | Before | After |", "| --- | ---: | ---: |"]
    after = meeting.counts_now()
    for column in opened.columns:
        lines.append(
            f"| {markdown_text(column.name)} | {opened.counts[column.name]} | {after[column.name]} |"
        )
    lines += _who_is_on_what(meeting)
    return "\n".join(lines) + "\n"


def _step_text(meeting: Meeting, step: int, topics: tuple[Topic, ...]) -> str:
    """A step's paragraphs: one line per issue decided, then the skipped ones, then those left undecided."""
    by_topic: dict[int, list[Decided]] = {}
    for d in meeting.decisions:
        if d.step == step:
            by_topic.setdefault(d.position, []).append(d)
    decided, skipped, undecided = [], [], []
    for position, topic in enumerate(topics):
        taken = by_topic.get(position, [])
        parts = [_words(d) for d in taken if d.kind is not DecisionKind.SKIP]
        if parts:
            decided.append(f"- {_link(topic)} {markdown_text(topic.title)} — {', '.join(parts)}")
        if any(d.kind is DecisionKind.SKIP for d in taken):
            skipped.append(_link(topic))
        elif all(d.kind in (DecisionKind.ASSIGN, DecisionKind.UNASSIGN) for d in taken):
            undecided.append(_link(topic))
    paragraphs = ["\n".join(decided)] if decided else []
    if not topics:
        paragraphs.append("Nothing to review.")
    if skipped:
        paragraphs.append(f"Skipped: {', '.join(skipped)}")
    if undecided:
        paragraphs.append(f"Not decided: {', '.join(undecided)}")
    return "\n\n".join(paragraphs)


def _words(d: Decided) -> str:
    if d.kind is DecisionKind.KEEP:
        return f"kept in {markdown_text(d.from_column)}"
    if d.kind is DecisionKind.ASSIGN:
        return f"assigned to @{markdown_text(d.login or '')}"
    if d.kind is DecisionKind.UNASSIGN:
        return f"@{markdown_text(d.login or '')} unassigned"
    return f"{markdown_text(d.from_column)} → {markdown_text(d.to_column or '')}"


def _who_is_on_what(meeting: Meeting) -> list[str]:
    first = ladder(meeting.spec)[0].name
    if meeting.spec.column(first).is_uncategorized:
        return []
    lines = ["", f"## Who is on what in {markdown_text(first)}", ""]
    topics = [t for s in meeting.steps for t in s.topics if meeting.column_of(t.key) == first]
    for topic in topics:
        assignees = meeting.assignees_of(topic.key)
        if not assignees:
            lines.append(f"- nobody is on {_link(topic)} yet")
        for login in assignees:
            before = topic.column == first and any(label_key(a) == label_key(login) for a in topic.assignees)
            verb = "is continuing" if before else "is on"
            lines.append(f"- @{markdown_text(login)} {verb} {_link(topic)}")
    if not topics:
        lines.append("Nothing is in it.")
    return lines


def _link(topic: Topic) -> str:
    """``[owner/repo#N](url)``; the reference alone when the journal's URL is not a plain web address."""
    text = markdown_text(str(topic.key))
    url = topic.url
    if not url.startswith(("https://", "http://")) or any(c.isspace() or ord(c) < 32 for c in url):
        return text
    return f"[{text}]({quote(url, safe=':/?#=&%~+,;@!$*')})"
