"""Address facts shared by the domain (board files) and the client. Standard library only."""

from __future__ import annotations

import ipaddress
import re

# GitHub owner and repository names: letters, digits, '-', '_' and '.'.
REPO_NAME = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: the only place plain http may carry a token."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_repo_name(text: str) -> bool:
    return REPO_NAME.fullmatch(text) is not None and not any(p in {".", ".."} for p in text.split("/"))
