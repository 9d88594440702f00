"""The real window on a real X server (Xvfb, xcb platform): a card dragged with real mouse events, and a
triage meeting held with real key events."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandboxkit import Sandbox
from xvfbkit import driver_env

from triageboard.board import IssueKey, label_key
from triageboard.clock import ScaledClock

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("xvfb_driver.py")
CARDS_DRIVER = Path(__file__).with_name("xvfb_cards_driver.py")
MEETING_DRIVER = Path(__file__).with_name("xvfb_meeting_driver.py")
BULK_DRIVER = Path(__file__).with_name("xvfb_bulk_driver.py")
TRIAGE = {label_key(n) for n in ("AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other")}


@pytest.fixture
def x_display() -> Iterator[str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; .ci/run installs it)")
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    else:
        pytest.fail("no free X display number between :90 and :139")
    proc = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "3400x1800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Xvfb :{number} did not start")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.xvfb
def test_drag_a_card_in_the_real_window(
    x_display: str, sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shot = ROOT / "artifacts" / "screenshots" / "board-after-drag.png"
    args = [sys.executable, str(DRIVER), sandbox.api_url, str(tmp_path / "outbox.sqlite3"), str(shot)]
    if os.environ.get("TRIAGEBOARD_UPDATE_DOCS_SCREENSHOT"):
        args.append(str(ROOT / "docs" / "screenshot.png"))
    env = driver_env(x_display, sandbox.token)
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    with capsys.disabled():  # CI's output names the screenshot
        print(f"\nreal window under Xvfb: screenshot {result['screenshot']}")
    assert result["platform"] == "xcb"
    assert result["column"] == "Other"
    repo, _, number = result["key"].rpartition("#")
    labels = {label_key(n) for n in sandbox.issue_labels(repo, int(number))}
    assert label_key("AsyncAwait-Other") in labels
    assert Path(result["screenshot"]).stat().st_size > 10_000
    for name, (shown, total, on_board) in result["counts"].items():
        assert shown == total == on_board, name
        assert result["header"][name].split()[0] == f"{total:,}", name


@pytest.mark.xvfb
def test_a_triage_meeting_with_real_keys(
    x_display: str, sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shot = ROOT / "artifacts" / "screenshots" / "meeting.png"
    args = [sys.executable, str(MEETING_DRIVER), sandbox.api_url, str(tmp_path / "outbox.sqlite3"), str(shot)]
    if os.environ.get("TRIAGEBOARD_UPDATE_DOCS_SCREENSHOT"):
        args.append(str(ROOT / "docs" / "meeting.png"))
    env = driver_env(x_display, sandbox.token)
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print(f"\nmeeting under Xvfb: screenshot {result['screenshot']}")
    seen = result["seen"]
    assert result["platform"] == "xcb"
    assert seen["opened"] == "Step 1 of 4 · 1 of 60"
    assert seen["after_backspace"] == ["Step 1 of 4 · 3 of 60", result["third"]]
    assert seen["step1"] == "Step 1 of 4 · 4 of 60"
    progress, title, keys = seen["step2"]
    assert progress == "Step 2 of 4 · 1 of 6"
    assert title == "2. Review Focus: is each issue progressing and assigned?"
    assert keys.startswith("K keep · A assign · D demote to OnDeck")
    assert seen["picker_first"] == result["me"] == "ferris"
    progress, title, need, why = seen["step3"]
    assert progress == "Step 3 of 4 · 1 of 30"
    assert title == "3. Promote OnDeck → Focus"
    assert need.startswith("Focus has 5 (3–5)")
    assert why.startswith("Why it is suggested: ")
    assert seen["after_promote"][0] == "Step 3 of 4 · 2 of 30"
    assert "Focus 6 · OnDeck 30 → 31" in seen["after_promote"][1]  # one demoted, one promoted
    assert seen["left"] is True
    assert seen["resumed"] == "Step 3 of 4 · 2 of 30"

    def column(ref: str) -> set[str]:
        repo, _, number = ref.rpartition("#")
        return {label_key(n) for n in sandbox.issue_labels(repo, int(number))} & TRIAGE

    assert column(result["first"]) == {label_key("AsyncAwait-OnDeck")}
    assert column(result["skipped"]) == set()
    assert column(result["third"]) == {label_key("AsyncAwait-Other")}
    assert column(result["demoted"]) == {label_key("AsyncAwait-OnDeck")}
    assert column(result["promoted"]) == {label_key("AsyncAwait-Focus")}
    repo, _, number = result["assigned"].rpartition("#")
    people = sandbox.issue(repo, int(number))["assignees"]
    assert [p["login"] for p in people] == ["ferris"]
    assert Path(result["screenshot"]).stat().st_size > 20_000


@pytest.mark.xvfb
@pytest.mark.parametrize(
    ("name", "width", "scale", "look"),
    [
        ("cards-1360", 1360, "1", "light"),
        ("cards-1600", 1600, "1", "light"),
        ("cards-1360-scale2", 1360, "2", "light"),
        ("cards-1360-dark", 1360, "1", "dark"),
    ],
)
def test_two_line_cards_on_screen(
    x_display: str,
    sandbox: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    width: int,
    scale: str,
    look: str,
) -> None:
    """Screenshots of the board's cards (saved for CI) at two widths, at scale 2 and in a dark palette; what
    they show is checked from the window itself: wrapped titles, no repeated labels, the palette's fill."""
    shot = ROOT / "artifacts" / "screenshots" / f"{name}.png"
    args = [sys.executable, str(CARDS_DRIVER), sandbox.api_url, str(tmp_path / "o.sqlite3"), str(shot)]
    env = driver_env(x_display, sandbox.token, QT_SCALE_FACTOR=scale)
    done = subprocess.run([*args, str(width), look], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print(f"\ncards under Xvfb ({name}): screenshot {result['screenshot']}")
    assert result["platform"] == "xcb"
    assert result["window"][0] == width
    assert result["ratio"] == float(scale)
    assert result["size"][0] == width * int(scale)  # painted at the scale's resolution, not stretched
    assert Path(result["screenshot"]).stat().st_size > 20_000
    cards = result["cards"]
    assert cards
    wrapped = [c for c in cards if len(c["lines"]) == 2]
    assert wrapped, "no title on screen needed a second line"
    for card in cards:
        title = " ".join(card["title"].split())
        first = card["lines"][0]
        assert title.startswith(first), card
        if len(card["lines"]) == 2:
            assert len(title) > len(first)
            assert title[len(first) :].strip().startswith(card["lines"][1].removesuffix("…")), card
        shown = {label_key(n) for n in card["chips"]}
        assert label_key("A-async-await") not in shown
        column_label = {
            "Focus": "AsyncAwait-Focus",
            "OnDeck": "AsyncAwait-OnDeck",
            "Other": "AsyncAwait-Other",
        }
        if card["column"] in column_label:
            assert label_key(column_label[card["column"]]) not in shown, card
    # Every column the same width at least MIN_COLUMN_WIDTH: no header text widens its column.
    widths = {c["column_width"] for c in cards}
    assert max(widths) - min(widths) <= 2, widths
    if look == "dark":
        assert result["base"] == "#26282c"
        assert all(c["fill"] == "#26282c" for c in cards), [c["fill"] for c in cards]
    else:
        assert all(lightness(c["fill"]) > 0.8 for c in cards), [c["fill"] for c in cards]
    assert result["headers"]["Focus"].split(" · ")[0].isdigit()


def lightness(name: str) -> float:
    """The lightness (0..1) of "#rrggbb", as HSL has it."""
    r, g, b = (int(name[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (max(r, g, b) + min(r, g, b)) / 2


def test_drag_a_selection_across_columns_in_the_real_window(
    x_display: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real Ctrl-clicks in two columns, a real drag of the selection: one bulk move, paced as GitHub asks
    in the sandbox's request log; one Ctrl+Z takes every card back."""
    scale = 0.1  # the sandbox and the driver share this clock: the log's times are the client's pace
    shot = ROOT / "artifacts" / "screenshots" / "bulk-after-drag.png"
    with Sandbox(token="tb-xvfb-bulk", seed=1, clock=ScaledClock(scale)) as sandbox:
        args = [
            sys.executable,
            str(BULK_DRIVER),
            sandbox.api_url,
            str(tmp_path / "outbox.sqlite3"),
            str(shot),
            str(scale),
        ]
        env = driver_env(x_display, sandbox.token)
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        log = sandbox.request_log
        cards = [IssueKey.parse(ref) for ref in result["cards"]]
        labels = {
            key: {label_key(n) for n in sandbox.issue_labels(key.repo, key.number)} & TRIAGE for key in cards
        }
    with capsys.disabled():
        print(f"\nbulk drag under Xvfb: screenshot {result['screenshot']}")
    seen = result["seen"]
    assert result["platform"] == "xcb"
    assert seen["title"] == "Rust async-await triage — triageboard"
    if seen["x_titles"] is not None:  # what the X server holds (xwininfo, from x11-utils, when installed)
        assert [t for t in seen["x_titles"] if "async-await" in t] == [
            "Rust async-await triage — triageboard"
        ]
    assert seen["columns_selected"] == ["OnDeck", "Uncategorized"]
    assert sorted(seen["selected"]) == sorted(result["cards"])
    assert seen["progress"].startswith("Moving ")
    assert seen["progress"].endswith(" of 4 to Other…")
    assert seen["after_drop"] == ["Other"] * 4
    assert seen["done"] == "Moved 4 cards to Other."
    assert seen["after_undo"] == ["Uncategorized"] * 3 + ["OnDeck"]
    assert seen["undo_enabled"] is False  # one step held the whole bulk move
    # After the undo, GitHub has what it had before.
    assert [labels[k] for k in cards] == [set()] * 3 + [{label_key("AsyncAwait-OnDeck")}]
    writes = [r for r in log if r.method in {"POST", "DELETE"} and "/labels" in r.path]
    # The drag: four adds and the OnDeck card's removal; the undo: four removals and its add back.
    assert len(writes) == 10
    assert all(r.status in (200, 204) for r in writes)
    times = sorted(r.at for r in writes)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.999, gaps  # >= 1 s apart (a millisecond for the rounding of two clocks)
    assert Path(result["screenshot"]).stat().st_size > 10_000
    assert shot.with_name("bulk-moving.png").stat().st_size > 10_000
