"""``triageboard list|move|sync`` against the live sandbox over loopback HTTP."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandboxkit import Fault, Sandbox

from triageboard import cli, paths
from triageboard.clock import ScaledClock
from triageboard.store import Outbox

TOKEN = "tb-cli-token"
REPO = "rust-lang/rust"
TRIAGE = {"asyncawait-focus", "asyncawait-ondeck", "asyncawait-other"}


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(token=TOKEN, seed=1, clock=ScaledClock(0.01)) as server:
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("TRIAGEBOARD_TIME_SCALE", "0.01")
        yield server


def run(sb: Sandbox, *args: str) -> int:
    return cli.main([*args, "--api-url", sb.api_url])


def uncategorized(sb: Sandbox, n: int = 1) -> list[int]:
    """Open issues with the area label and no triage label."""
    found = []
    for number in sb.issue_numbers(REPO):
        keys = {name.casefold() for name in sb.issue_labels(REPO, number)}
        if "a-async-await" in keys and not keys & TRIAGE:
            found.append(number)
            if len(found) == n:
                break
    return found


def pending(sb: Sandbox) -> int:
    with Outbox(paths.outbox_path()) as outbox:
        return outbox.count(sb.api_url)


@pytest.mark.logs("TimelinesCapped")
def test_list_prints_every_card_once_in_its_column(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 4 for row in rows)
    assert {row[0] for row in rows} == {"Focus", "OnDeck", "Other", "Uncategorized"}
    keys = [row[1] for row in rows]
    assert len(keys) == len(set(keys))
    number = uncategorized(sb)[0]
    assert ["Uncategorized", f"{REPO}#{number}"] in [row[:2] for row in rows]


def test_list_one_column_as_json(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "list", "--column", "focus", "--json") == 0
    cards = json.loads(capsys.readouterr().out)
    assert cards
    assert {card["column"] for card in cards} == {"Focus"}
    for card in cards:
        assert "AsyncAwait-Focus" in card["labels"]
        assert card["issue"] == f"{card['repo']}#{card['number']}"
        assert card["pending"] is False


@pytest.mark.logs("TimelinesCapped")
def test_list_never_prints_terminal_control_sequences(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    number = sb.create_issue(
        REPO, "evil \x1b]0;pwned\x07 \x1b[31mred\u202e title", labels=["AsyncAwait-Other"]
    )
    assert run(sb, "list", "--column", "Other") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    [line] = [line for line in out.splitlines() if f"#{number}\t" in line]
    assert line.endswith("evil \ufffd]0;pwned\ufffd \ufffd[31mred\ufffd title")


def test_move_changes_labels_on_github_and_empties_the_outbox(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    [number] = uncategorized(sb)
    before = sb.issue_labels(REPO, number)
    assert run(sb, "move", f"{REPO}#{number}", "Focus") == 0
    after = sb.issue_labels(REPO, number)
    assert after == [*before, "AsyncAwait-Focus"]
    assert f"{REPO}#{number}\tFocus\tdone" in capsys.readouterr().out
    assert run(sb, "move", f"{REPO}#{number}", "2") == 0  # by position: OnDeck
    assert sb.issue_labels(REPO, number) == [*before, "AsyncAwait-OnDeck"]
    assert run(sb, "move", f"{REPO}#{number}", "Uncategorized") == 0
    assert sb.issue_labels(REPO, number) == before
    assert pending(sb) == 0
    writes = [r for r in sb.request_log if r.method in ("PUT", "PATCH")]
    assert writes == []  # the whole label set is never replaced


def test_temporary_failure_leaves_the_move_queued_and_sync_sends_it(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    [number] = uncategorized(sb)
    sb.inject(Fault(kind="status", status=502, method="POST", count=None))
    assert run(sb, "move", f"{REPO}#{number}", "Other", "--wait", "0") == cli.EXIT_QUEUED
    captured = capsys.readouterr()
    assert "queued" in captured.out
    assert "run 'triageboard sync' later" in captured.err
    assert pending(sb) == 1
    assert "AsyncAwait-Other" not in sb.issue_labels(REPO, number)
    sb.reset_faults()
    assert run(sb, "sync") == 0
    assert "AsyncAwait-Other" in sb.issue_labels(REPO, number)
    assert pending(sb) == 0
    assert run(sb, "sync") == 0
    assert "Nothing to send" in capsys.readouterr().out


def test_rate_limits_and_faults_are_waited_out(sb: Sandbox) -> None:
    numbers = uncategorized(sb, 3)
    sb.inject(Fault(kind="rate429", method="POST", count=1))
    sb.inject(Fault(kind="secondary", method="DELETE", count=1))
    sb.inject(Fault(kind="reset", method="GET", count=2))
    assert run(sb, "move", f"{REPO}#{numbers[0]}", "Focus") == 0
    assert run(sb, "move", f"{REPO}#{numbers[0]}", "Other") == 0
    assert "AsyncAwait-Other" in sb.issue_labels(REPO, numbers[0])
    assert "AsyncAwait-Focus" not in sb.issue_labels(REPO, numbers[0])
    assert sb.pending_faults() == []


def test_batch_moves(sb: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = uncategorized(sb, 2)
    batch = tmp_path / "moves.txt"
    batch.write_text(f"# triage meeting\n{REPO}#{a} Focus\n\n{REPO}#{b}   OnDeck\n{REPO}#{a} Other\n")
    assert run(sb, "move", "--batch", str(batch)) == 0
    assert "AsyncAwait-Other" in sb.issue_labels(REPO, a)
    assert "AsyncAwait-Focus" not in sb.issue_labels(REPO, a)  # the last move of an issue wins
    assert "AsyncAwait-OnDeck" in sb.issue_labels(REPO, b)
    out = capsys.readouterr().out
    assert out.count("\tdone\t") == 2


@pytest.mark.logs("does not exist in")
def test_missing_label_is_refused_without_creating_it(
    sb: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = tmp_path / "typo.toml"
    board.write_text(
        'name = "typo"\nrepos = ["rust-lang/rust"]\narea_labels = ["A-async-await"]\n'
        '[[columns]]\nname = "Focus"\nlabels = ["AsyncAwait-Focsu"]\n'
        '[[columns]]\nname = "Uncategorized"\nlabels = []\n'
    )
    [number] = uncategorized(sb)
    assert run(sb, "move", f"{REPO}#{number}", "Focus", "--board", str(board)) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "The label 'AsyncAwait-Focsu' does not exist in rust-lang/rust" in err
    assert "asyncawait-focsu" not in {n.casefold() for n in sb.label_names(REPO)}
    assert [r for r in sb.request_log if r.method == "POST"] == []
    assert pending(sb) == 0


@pytest.mark.logs("cannot change labels")
def test_read_only_token_is_refused_before_any_write(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sb.add_token("tb-read-only", login="watcher", permission="read")
    monkeypatch.setenv("GH_TOKEN", "tb-read-only")
    [number] = uncategorized(sb)
    assert run(sb, "move", f"{REPO}#{number}", "Focus") == cli.EXIT_FAILED
    assert "cannot change labels in rust-lang/rust" in capsys.readouterr().err
    assert [r for r in sb.request_log if r.method in ("POST", "DELETE")] == []


@pytest.mark.logs("rejected the token")
def test_bad_token_keeps_the_move_queued(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GH_TOKEN", "tb-wrong-token")
    [number] = uncategorized(sb)
    assert run(sb, "move", f"{REPO}#{number}", "Focus") == cli.EXIT_QUEUED
    err = capsys.readouterr().err
    assert "rejected the token" in err
    assert "sign in again" in err
    assert "tb-wrong-token" not in err
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    assert run(sb, "sync") == 0
    assert "AsyncAwait-Focus" in sb.issue_labels(REPO, number)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["move", "rust-lang/rust", "Focus"], "is not an issue reference"),
        (["move", "rust-lang/rust#1", "Nowhere"], "this board has no column 'Nowhere'"),
        (["move", "rust-lang/rust#1"], "say which issue and where"),
        (["list", "--column", "Nope"], "no column 'Nope'"),
        (["list", "--repo", "not-a-repo"], "OWNER/NAME"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    assert cli.main([*args, "--api-url", "http://127.0.0.1:9/api/v3"]) == cli.EXIT_USAGE
    assert message in capsys.readouterr().err


def test_no_token_is_a_clear_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    code = cli.main(["move", "rust-lang/rust#1", "Focus", "--api-url", "http://127.0.0.1:9/api/v3"])
    assert code == cli.EXIT_FAILED
    assert "No GitHub token" in capsys.readouterr().err


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["move", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "3 queued but not sent yet" in text
    assert "GH_TOKEN" in text


def test_token_never_printed_even_verbose(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    [number] = uncategorized(sb)
    sb.inject(Fault(kind="status", status=500, count=2))
    env = {
        "GH_TOKEN": TOKEN,
        "TRIAGEBOARD_TIME_SCALE": "0.01",
        "PATH": "/usr/bin:/bin",
        "XDG_DATA_HOME": str(paths.data_dir().parent),
        "XDG_CACHE_HOME": str(paths.cache_dir().parent),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "triageboard",
            "move",
            f"{REPO}#{number}",
            "Focus",
            "-vv",
            "--api-url",
            sb.api_url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "HTTP Request" in result.stderr  # -vv really logs the requests
    assert TOKEN not in result.stdout + result.stderr
    assert pending(sb) == 0


@pytest.mark.logs("TimelinesCapped")
def test_list_reuses_stored_pages_across_runs(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "list") == 0
    first = capsys.readouterr().out
    before = int(sb.stats()["not_modified"])
    assert run(sb, "list") == 0
    assert capsys.readouterr().out == first
    assert int(sb.stats()["not_modified"]) > before
    assert paths.page_cache_path().exists()


def test_list_shows_a_queued_move_where_it_is_going(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    [number] = uncategorized(sb)
    sb.inject(Fault(kind="status", status=502, method="POST", count=None))
    assert run(sb, "move", f"{REPO}#{number}", "Focus", "--wait", "0") == cli.EXIT_QUEUED
    capsys.readouterr()
    assert run(sb, "list", "--column", "Focus") == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    [row] = [r for r in rows if r[1] == f"{REPO}#{number}"]
    assert row[0] == "Focus"
    assert "pending" in row[2].split(",")


# --- review: the outbox under trouble ------------------------------------------------------------


def test_outbox_failing_mid_send_ends_with_a_message_not_a_traceback(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from triageboard.errors import StoreError, StoreReason

    def disk_full(self: Outbox, move: object) -> bool:
        raise StoreError(
            "outbox", "outbox.sqlite3", StoreReason.DISK, doing="update", detail="database or disk is full"
        )

    [number] = uncategorized(sb)
    real_complete = Outbox.complete
    monkeypatch.setattr(Outbox, "complete", disk_full)
    assert run(sb, "move", f"{REPO}#{number}", "Focus") == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("disk is full") == 1
    assert "triageboard sync" in err
    assert "Traceback" not in err
    monkeypatch.setattr(Outbox, "complete", real_complete)  # the disk has room again
    assert pending(sb) == 1  # GitHub has it; the next sync confirms it and empties the outbox
    assert run(sb, "sync") == 0
    assert pending(sb) == 0


def test_sync_says_when_moves_wait_for_another_github(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    from triageboard.board import IssueKey, LabelDiff, preset

    spec = preset("rust-async")
    with Outbox(paths.outbox_path()) as outbox:
        outbox.put(
            "https://ghe.example.com/api/v3", IssueKey(REPO, 1), spec, spec.column("Focus"), None, LabelDiff()
        )
    assert run(sb, "sync") == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "1 change waiting for https://ghe.example.com/api/v3" in out
    assert "https://ghe.example.com/api/v3" in out


@pytest.mark.logs("TimelinesCapped|written by a newer triageboard")
def test_list_still_prints_the_board_when_the_outbox_cannot_be_read(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    with Outbox(paths.outbox_path()):
        pass
    conn = sqlite3.connect(paths.outbox_path())
    conn.execute("PRAGMA user_version=99")
    conn.commit()
    conn.close()
    assert run(sb, "list") == cli.EXIT_OK
    captured = capsys.readouterr()
    assert "\tFocus\t" in captured.out or captured.out.startswith("Focus\t")
    assert "newer triageboard" in captured.err


@pytest.mark.logs("was not found on GitHub")
def test_a_dropped_move_is_reported_once(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "move", f"{REPO}#999999", "Focus") == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("was not found on GitHub") == 1


@pytest.mark.logs("TimelinesCapped|is damaged")
def test_list_says_a_damaged_outbox_record_was_set_aside_and_sync_reports_it_failed_only_once(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    number = uncategorized(sb)[0]
    sb.inject(Fault(kind="status", status=503, count=None, method="POST"))
    assert run(sb, "move", f"{REPO}#{number}", "Focus", "--wait", "0") == cli.EXIT_QUEUED
    sb.reset_faults()
    with contextlib.closing(sqlite3.connect(paths.outbox_path())) as conn:
        conn.execute("UPDATE moves SET columns = '{not json'")
        conn.commit()
    capsys.readouterr()
    assert run(sb, "list") == 0
    err = capsys.readouterr().err
    assert f"{REPO}#{number}" in err
    assert "damaged" in err
    assert pending(sb) == 0  # set aside: it no longer waits, and is kept in the file
    assert run(sb, "sync") == 0  # said once, by the list that found it


# --- the saved board: only what changed, and offline -------------------------------------------------------


@pytest.mark.logs("TimelinesCapped")
def test_list_brings_the_saved_board_up_to_date_with_only_what_changed(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(sb, "list") == 0
    capsys.readouterr()
    [number] = uncategorized(sb)
    sb.edit_labels_as("other-user", REPO, number, add=["AsyncAwait-Focus"])
    sb.clear_request_log()
    assert run(sb, "list", "--column", "Focus") == 0
    assert f"{REPO}#{number}" in capsys.readouterr().out
    issues = [r for r in sb.request_log if r.path.endswith("/issues")]
    assert len(issues) == 2  # one question per repository
    assert all("since=" in r.query and "state=all" in r.query for r in issues)


@pytest.mark.logs("TimelinesCapped|OfflineSince|ShowingSaved|Cannot reach")
def test_offline_list_prints_the_saved_board_and_says_how_old_it_is(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(sb, "list") == 0
    online = capsys.readouterr().out
    sb.inject(Fault(kind="reset", count=None))
    assert run(sb, "list") == cli.EXIT_OK
    captured = capsys.readouterr()
    assert captured.out == online
    assert "offline since" in captured.err
    assert "this is the board saved at" in captured.err
    assert "ago" in captured.err or "just now" in captured.err


@pytest.mark.logs("TimelinesCapped")
def test_no_cache_refuses_the_saved_board(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "list") == 0
    capsys.readouterr()
    sb.inject(Fault(kind="reset", count=None))
    assert run(sb, "list", "--no-cache") == cli.EXIT_FAILED
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Cannot reach" in captured.err


def test_offline_without_a_saved_board_fails_as_before(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sb.inject(Fault(kind="reset", count=None))
    assert run(sb, "list") == cli.EXIT_FAILED
    assert "Cannot reach" in capsys.readouterr().err
