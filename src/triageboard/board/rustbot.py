"""The @rustbot fallback: what anyone may do by commenting, per a repository's ``triagebot.toml``.

rust-lang repositories run triagebot: a comment ``@rustbot label +X -Y`` changes labels for anyone when
every label matches the ``[relabel] allow-unauthenticated`` patterns, and ``@rustbot claim`` assigns the
commenter. A board without the triage role can still move cards that way.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import DomainError
from .actions import Assignment
from .rules import LabelDiff

BOT = "@rustbot"
# triagebot's tokenizer ends a bare word at whitespace and at these; such labels must be quoted.
_PUNCTUATION = frozenset(".,:!?;()")


class TriagebotError(DomainError):
    """A ``triagebot.toml`` that cannot be read; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Triagebot:
    """What a repository's ``triagebot.toml`` lets anyone do.

    ``relabel``: the ``allow-unauthenticated`` patterns, or None when the file has no ``[relabel]`` table
    (the bot then ignores label commands). ``assign``: whether ``[assign]`` is there (claiming works).
    """

    relabel: tuple[str, ...] | None
    assign: bool


def parse_triagebot(text: str) -> Triagebot:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TriagebotError(f"triagebot.toml is not valid TOML: {exc}") from exc
    relabel = data.get("relabel")
    if relabel is None:
        return Triagebot(None, "assign" in data)
    if not isinstance(relabel, dict):
        raise TriagebotError("triagebot.toml: [relabel] must be a table")
    patterns = relabel.get("allow-unauthenticated", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise TriagebotError("triagebot.toml: [relabel] allow-unauthenticated must be a list of strings")
    return Triagebot(tuple(patterns), "assign" in data)


def label_allowed(patterns: Sequence[str], label: str) -> bool:
    """Whether anyone may set or remove ``label``: as triagebot decides it.

    Some pattern matches and no ``!pattern`` that is reached does; a pattern triagebot cannot compile
    makes it answer with an error instead, so the label is not allowed either. Matching ignores ASCII case.
    """
    allowed = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = _compile(pattern[1:] if negated else pattern)
        if glob is None:
            return False
        if glob.fullmatch(label):
            if negated:
                return False
            allowed = True
    return allowed


def diff_allowed(bot: Triagebot, diff: LabelDiff) -> bool:
    """Whether ``@rustbot label`` makes this whole change for anyone (it refuses the comment otherwise)."""
    if bot.relabel is None:
        return False
    return all(label_allowed(bot.relabel, name) for name in (*diff.add, *diff.remove))


def label_comment(diff: LabelDiff) -> str:
    """The comment that makes ``diff``: ``@rustbot label +X -Y`` (labels with spaces or punctuation quoted).

    Raises ValueError for an empty diff or a label no comment can name (one with a double quote).
    """
    if diff.is_empty:
        raise ValueError("there is no label change to ask @rustbot for")
    words = [_word(f"+{name}") for name in diff.add] + [_word(f"-{name}") for name in diff.remove]
    return f"{BOT} label {' '.join(words)}"


def assignment_comment(assignment: Assignment, me: str) -> str:
    """The comment that makes ``assignment`` when the signed-in user ``me`` writes it.

    ``@rustbot claim`` assigns the commenter (rustbot may assign itself and name the claimant in the issue
    when the commenter cannot be assigned); ``@rustbot assign @login`` works for team members only. Raises
    ValueError for a removal: ``@rustbot release-assignment`` drops every assignee at once, which would
    clobber the others.
    """
    if not assignment.add:
        raise ValueError("@rustbot cannot remove one assignee alone; remove it on GitHub")
    if assignment.login.casefold() == me.casefold():
        return f"{BOT} claim"
    return f"{BOT} assign @{assignment.login}"


def _word(delta: str) -> str:
    if '"' in delta or any(ord(c) < 32 for c in delta):
        raise ValueError(f"no @rustbot comment can name the label {delta[1:]!r}")
    if any(c.isspace() or c in _PUNCTUATION for c in delta):
        return f'"{delta}"'
    return delta


# --- triagebot's globs (the Rust glob crate, case-insensitive for ASCII) ------------------------------


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` as a regular expression, or None where the glob crate reports a syntax error."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "?":
            out.append(".")
            i += 1
        elif c == "*":
            start = i
            while i < n and pattern[i] == "*":
                i += 1
            if i - start == 1:
                out.append(".*")
            elif i - start > 2 or (start > 0 and pattern[start - 1] != "/"):
                return None
            elif i == n:
                out.append(".*")
            elif pattern[i] == "/":
                i += 1
                out.append("(?:.*/)?")  # `**/`: any run of whole path components, or none
            else:
                return None
        elif c == "[":
            negated = pattern[i + 1 : i + 2] == "!"
            # A `]` right after `[` or `[!` belongs to the set; the set needs one character at least.
            first = i + (3 if negated else 2)
            close = pattern.find("]", first)
            if close < 0:
                return None
            out.append(_char_set(pattern[first - 1 : close], negated))
            i = close + 1
        else:
            out.append(_char(c))
            i += 1
    return re.compile("".join(out), re.DOTALL)


def _char(c: str) -> str:
    if c.isascii() and c.isalpha():
        return f"[{c.lower()}{c.upper()}]"
    return re.escape(c)


def _char_set(body: str, negated: bool) -> str:
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            i += 3
        else:
            low = high = body[i]
            i += 1
        ranges.append((low, high))
        # Between two ASCII letters, either case matches, as triagebot asks the glob crate to.
        if low.isascii() and high.isascii() and low.isalpha() and high.isalpha():
            ranges += [(low.lower(), high.lower()), (low.upper(), high.upper())]
    parts = "".join(f"{re.escape(lo)}-{re.escape(hi)}" for lo, hi in ranges if lo <= hi)
    if not parts:
        return "." if negated else "(?!)"
    return f"[{'^' if negated else ''}{parts}]"
