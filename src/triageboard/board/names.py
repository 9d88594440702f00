"""How GitHub names things, as the board accepts them: repositories, issue references, logins."""

from __future__ import annotations

import re

# GitHub owner and repository names: letters, digits, '-', '_' and '.'.
REPO_NAME = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", re.ASCII)
# GitHub caps user and organisation names at 39 characters and repository names at 100.
MAX_OWNER = 39
MAX_NAME = 100
# Issue numbers are 32-bit on GitHub; ten digits is already past every real one.
ISSUE_NUMBER = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
MAX_ISSUE_NUMBER = 2**31 - 1


def is_repo_name(text: str) -> bool:
    """Whether ``text`` is ``OWNER/NAME`` as GitHub spells it (never ``.`` or ``..``, which climb paths)."""
    if REPO_NAME.fullmatch(text) is None:
        return False
    owner, name = text.split("/")
    if {owner, name} & {".", ".."}:
        return False
    return len(owner) <= MAX_OWNER and len(name) <= MAX_NAME


def parse_issue_number(text: str) -> int | None:
    """``text`` as a positive issue number written plainly (no sign, no leading zero), or None."""
    if ISSUE_NUMBER.fullmatch(text) is None:
        return None
    number = int(text)
    return number if number <= MAX_ISSUE_NUMBER else None


# A login: letters, digits and hyphens, starting with a letter or digit; at most 39 characters.
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}", re.ASCII)


def is_login(text: str) -> bool:
    """Whether ``text`` can be a GitHub login (older accounts may have hyphens where new ones may not)."""
    return LOGIN.fullmatch(text) is not None
