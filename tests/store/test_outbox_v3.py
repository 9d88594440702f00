"""Outbox version 3: how a row is sent (the account's writes or the triagebot), when asking the bot began and
which comment asked; an outbox of version 2 moved to version 3 keeping its rows."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from triageboard.board import IssueKey, LabelDiff, Via, preset
from triageboard.errors import AwaitingBot
from triageboard.store import AssignOp, Outbox

API = "https://api.github.com"
SPEC = preset("rust-async")
KEY = IssueKey("rust-lang/rust", 7)
ONDECK = SPEC.column("OnDeck")


def test_a_bot_row_keeps_how_it_is_sent_and_its_comment(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        row = outbox.put(
            API, KEY, SPEC, ONDECK, ["A-async-await"], LabelDiff(add=("AsyncAwait-OnDeck",)), via=Via.RUSTBOT
        )
        assert (row.via, row.asked_at, row.comment_id, row.posted_at) == (Via.RUSTBOT, None, None, None)
        assert outbox.asking(row, 1_000.0)
        assert outbox.asked(row, 4242, 1_001.5)
        [again] = outbox.pending(API)
        assert (again.via, again.asked_at, again.comment_id, again.posted_at) == (
            Via.RUSTBOT,
            1_000.0,
            4242,
            1_001.5,
        )
        # Another move of the card waits until the bot has acted on this one (it might act on the two
        # comments in either order): the row stays as it is.
        with pytest.raises(AwaitingBot) as waiting:
            outbox.put(API, KEY, SPEC, SPEC.column("Uncategorized"), None, LabelDiff(), via=Via.GITHUB)
        assert (waiting.value.issue, waiting.value.target, waiting.value.repo) == (
            str(KEY),
            "Uncategorized",
            KEY.repo,
        )
        assert outbox.pending(API) == [again]


def test_a_bot_row_not_asked_yet_is_replaced_and_asks_nothing_for_the_old_target(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        row = outbox.put(API, KEY, SPEC, ONDECK, [], LabelDiff(add=("AsyncAwait-OnDeck",)), via=Via.RUSTBOT)
        newer = outbox.put(API, KEY, SPEC, SPEC.column("Uncategorized"), None, LabelDiff(), via=Via.GITHUB)
        assert (newer.via, newer.asked_at, newer.comment_id, newer.generation) == (Via.GITHUB, None, None, 2)
        assert not outbox.asking(row, 2_000.0)  # the old generation: the sender does not ask for it
        assert not outbox.asked(row, 1, 2_000.0)
        assert outbox.pending(API)[0].asked_at is None


def test_a_claim_through_the_bot_is_an_assignment_row(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        row = outbox.put_assignment(API, KEY, "reader", AssignOp.ADD, via=Via.RUSTBOT)
        assert outbox.asking(row, 5.0)
        assert outbox.asked(row, 7, 6.0)
        [again] = outbox.assignments(API)
        assert (again.via, again.asked_at, again.comment_id, again.posted_at) == (Via.RUSTBOT, 5.0, 7, 6.0)
        # Asked again while the bot has not acted: it waits.
        with pytest.raises(AwaitingBot):
            outbox.put_assignment(API, KEY, "Reader", AssignOp.ADD, via=Via.RUSTBOT)
        # Another login's wish is another row.
        other = outbox.put_assignment(API, KEY, "eholk", AssignOp.ADD)
        assert (other.via, other.generation) == (Via.GITHUB, 1)


def test_asking_is_on_disk_before_the_comment_goes(tmp_path: Path) -> None:
    """The mark that a comment may have gone out survives a process killed right after it."""
    path = tmp_path / "o.sqlite3"
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from triageboard.board import IssueKey, LabelDiff, Via, preset\n"
        "from triageboard.store import Outbox\n"
        "spec = preset('rust-async')\n"
        "o = Outbox(Path(sys.argv[1]))\n"
        "row = o.put(sys.argv[2], IssueKey('rust-lang/rust', 7), spec, spec.column('OnDeck'), [],\n"
        "            LabelDiff(add=('AsyncAwait-OnDeck',)), via=Via.RUSTBOT)\n"
        "o.asking(row, 123.0)\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path), API], check=True, timeout=60)
    with Outbox(path) as outbox:
        [row] = outbox.pending(API)
        assert (row.via, row.asked_at, row.comment_id) == (Via.RUSTBOT, 123.0, None)


def test_an_outbox_of_version_2_is_moved_to_version_3_keeping_its_rows(tmp_path: Path) -> None:
    """Rows queued by the version before were all the account's own writes, and stay so."""
    path = tmp_path / "o.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE moves (
            id INTEGER PRIMARY KEY AUTOINCREMENT, api_url TEXT NOT NULL, repo TEXT NOT NULL,
            number INTEGER NOT NULL, board TEXT NOT NULL, columns TEXT NOT NULL, target TEXT NOT NULL,
            base TEXT, add_labels TEXT NOT NULL, remove_labels TEXT NOT NULL, touched TEXT NOT NULL,
            state TEXT NOT NULL, not_before REAL NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL,
            generation INTEGER NOT NULL DEFAULT 1, batch INTEGER, UNIQUE (api_url, repo, number)
        );
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY AUTOINCREMENT, api_url TEXT NOT NULL, repo TEXT NOT NULL,
            number INTEGER NOT NULL, login TEXT NOT NULL, op TEXT NOT NULL, state TEXT NOT NULL,
            not_before REAL NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
            created_at REAL NOT NULL, updated_at REAL NOT NULL, generation INTEGER NOT NULL DEFAULT 1,
            batch INTEGER, UNIQUE (api_url, repo, number, login COLLATE NOCASE)
        );
        PRAGMA user_version=2;
        """
    )
    columns = json.dumps([{"name": c.name, "labels": list(c.labels)} for c in SPEC.columns])
    conn.execute(
        "INSERT INTO moves (api_url, repo, number, board, columns, target, base, add_labels, remove_labels,"
        " touched, state, created_at, updated_at, batch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (API, "o/r", 5, SPEC.name, columns, "OnDeck", '["x"]', '["AsyncAwait-OnDeck"]', "[]",
         '["AsyncAwait-OnDeck"]', "queued", 1.0, 1.0, 17),
    )  # fmt: skip
    conn.execute(
        "INSERT INTO assignments (api_url, repo, number, login, op, state, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (API, "o/r", 5, "eholk", "add", "queued", 1.0, 1.0),
    )
    conn.commit()
    conn.close()
    with Outbox(path) as outbox:
        [move] = outbox.pending(API)
        assert (move.key, move.target, move.base, move.batch) == (IssueKey("o/r", 5), "OnDeck", ("x",), 17)
        assert (move.via, move.asked_at, move.posted_at, move.comment_id) == (Via.GITHUB, None, None, None)
        [assignment] = outbox.assignments(API)
        assert (assignment.login, assignment.op, assignment.via) == ("eholk", AssignOp.ADD, Via.GITHUB)
        # ...and new rows of either kind can go by the bot.
        outbox.put_assignment(API, KEY, "reader", AssignOp.ADD, via=Via.RUSTBOT)
        assert {a.via for a in outbox.assignments(API)} == {Via.GITHUB, Via.RUSTBOT}
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == 3
    check.close()


@pytest.mark.logs("is damaged")
def test_a_damaged_outbox_gives_back_its_bot_rows_as_bot_rows(tmp_path: Path) -> None:
    """What a comment already asked is not asked again after a damaged file is replaced."""
    path = tmp_path / "o.sqlite3"
    with Outbox(path) as outbox:
        row = outbox.put(API, KEY, SPEC, ONDECK, [], LabelDiff(add=("AsyncAwait-OnDeck",)), via=Via.RUSTBOT)
        outbox.asking(row, 10.0)
        outbox.asked(row, 99, 11.0)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    [root] = conn.execute("SELECT rootpage FROM sqlite_master WHERE type='index' AND tbl_name='moves'")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root[0] - 1) * page_size
    data[start : start + page_size] = b"\xa5" * page_size  # the UNIQUE index's page is garbage
    path.write_bytes(bytes(data))
    with Outbox(path) as outbox:
        assert outbox.notice is not None
        [saved] = outbox.pending(API)
    assert (saved.via, saved.asked_at, saved.comment_id, saved.posted_at) == (Via.RUSTBOT, 10.0, 99, 11.0)
