"""Address facts shared by the domain (board files) and the client.

They are domain rules now and live in ``triageboard.board``; re-exported here until every caller imports
them from there.
"""

from __future__ import annotations

from .board.addresses import is_loopback
from .board.names import REPO_NAME, is_repo_name

__all__ = ["REPO_NAME", "is_loopback", "is_repo_name"]
