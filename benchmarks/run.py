"""triageboard's performance table: every measure as a figure, its baseline measured in the same run, and
the ratio. Figures only: nothing here passes or fails on speed.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/run.py [--rounds 5] [--markdown FILE]

Everything runs against ``benchmarks/standin.py``, an independent GitHub stand-in (2,000 issues, 100 ms per
request unless said otherwise) in its own process. Process measures are medians of ``--rounds``
alternating pairs (figure, baseline, figure, baseline, ...); in-process measures run in their own process
(``benchmarks/interactive.py``). Windows are offscreen (``QT_QPA_PLATFORM=offscreen``) unless the caller
set a platform.

Windows are measured from their start until they say they have painted (the bare window says
``painted``; triageboard logs ``board painted: ...`` with ``-v``), not until their process is torn down;
scripts (PyGithub, ``list``) until they exit. The measures:

* start -> painted board: ``triageboard`` with a saved board (``TRIAGEBOARD_EXIT_WHEN_PAINTED=1``, which
  exits once a complete board is painted) against a bare PySide6 window (``bare_window.py``), with 100 ms
  and with 0 ms per request.
* first full load (no saved board, no stored pages), window and ``list --no-cache``: against a careful
  PyGithub script loading the same series (``pygithub_load.py``), and against the floor: process start
  (the bare window; for ``list`` a Python process importing httpx) plus the pages of the longest series
  times the latency, which a client walking the ``Link`` headers cannot beat.
* ``list`` with the saved board (it asks only for what changed) against its floor: process start plus one
  round trip. ``list`` runs with ``--max-timelines 0``: reading issue timelines for the time in a column is
  not part of loading the board.
* requests of one first load against the minimum (every page once, one token check).
* a refresh (the app's sync, in process): requests and charged requests when nothing changed and after k
  changed issues, against the goal of ceil(k/100) plus one per repository.
* drop -> repainted columns at about 2,000 cards with 500 ms per request, against repainting the same two
  columns with every card drawn.
* filter keystroke -> repainted columns at 10,374 cards, against a plain filter pass over every card plus
  one repaint of the columns.
* peak memory of a first load of 10,000 cards against the bare window.
* the bundle (``dist/triageboard``, from ``bash packaging/build.sh``), when there is one: its size, and its
  start -> painted board against the venv's.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
TOKEN = "standin-token"  # noqa: S105 - the stand-in's published token
BUNDLE = ROOT / "dist" / "triageboard" / "triageboard"
SERIES = [
    (repo, label)
    for repo in ("rust-lang/rust", "rust-lang/wg-async")
    for label in ("A-async-await", "AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other")
]


@dataclass
class Row:
    measure: str
    figure: str
    baseline: str
    ratio: str
    goal: str

    def cells(self) -> list[str]:
        return [self.measure, self.figure, self.baseline, self.ratio, self.goal]


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def ratio(figure: float, baseline: float) -> str:
    return f"{figure / baseline:.2f}" if baseline > 0 else "n/a"


# --- processes ---------------------------------------------------------------------------------------


class StandIn:
    """``standin.py`` in its own process."""

    def __init__(self, issues: int = 2000, latency: float = 0.1) -> None:
        self.process = subprocess.Popen(
            [PYTHON, str(HERE / "standin.py"), "--issues", str(issues), "--latency", str(latency)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("standin: API "):
            raise RuntimeError(f"the stand-in did not start: {line!r}")
        self.api = line.split()[2]
        self.control = self.api.rsplit("/api/v3", 1)[0] + "/_standin"

    def call(self, what: str, method: str = "GET") -> dict[str, object]:
        request = urllib.request.Request(f"{self.control}/{what}", method=method)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            data: dict[str, object] = json.load(answer)
        return data

    def stats(self) -> dict[str, int]:
        data = self.call("stats")
        return {k: int(v) for k, v in data.items() if isinstance(v, int)}

    def reset(self) -> None:
        self.call("reset", "POST")

    def latency(self, value: float) -> None:
        self.call(f"latency?seconds={value}", "POST")

    def change(self, k: int) -> None:
        self.call(f"change?k={k}", "POST")

    def pages(self, repo: str, label: str) -> int:
        """How many pages of 100 a series has (read from the stand-in's Link header)."""
        url = f"{self.api}/repos/{repo}/issues?state=open&per_page=100&labels={label}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            link = answer.headers.get("Link") or ""
        for part in link.split(","):
            if 'rel="last"' in part:
                return int(part.split("page=")[-1].split(">")[0].split("&")[0])
        return 1

    def close(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)


@contextlib.contextmanager
def standin(issues: int = 2000, latency: float = 0.1) -> Iterator[StandIn]:
    server = StandIn(issues, latency)
    try:
        yield server
    finally:
        server.close()


class Home:
    """Private XDG folders: a fresh user (no saved board, no stored pages) until something is saved."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="triageboard-bench-"))

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
        env.update(
            XDG_CONFIG_HOME=str(self.path / "config"),
            XDG_CACHE_HOME=str(self.path / "cache"),
            XDG_DATA_HOME=str(self.path / "data"),
            XDG_STATE_HOME=str(self.path / "state"),
            GH_TOKEN=TOKEN,
        )
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env.update(extra)
        return env

    def forget(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def timed(command: Sequence[str], env: dict[str, str], *, timeout: float = 300) -> float:
    """Wall-clock seconds of a process, start to exit (which must be 0)."""
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {done.returncode}: {done.stderr[-2000:]}")
    return took


def until_said(command: Sequence[str], env: dict[str, str], said: str, *, timeout: float = 300) -> float:
    """Wall-clock seconds from a process's start until it says ``said`` on stderr (its exit, which must be
    0, is waited for but not counted: tearing a process down is not part of what it shows)."""
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    took = None
    lines = []
    deadline = began + timeout
    for line in process.stderr:
        lines.append(line)
        if took is None and said in line:
            took = time.perf_counter() - began
        if time.perf_counter() > deadline:
            process.kill()
            break
    code = process.wait(timeout=max(1.0, deadline - time.perf_counter()))
    if code != 0 or took is None:
        raise RuntimeError(
            f"{' '.join(command[:4])} exited {code} without saying {said!r}: {''.join(lines)[-2000:]}"
        )
    return took


def peak_rss(command: Sequence[str], env: dict[str, str]) -> int:
    """Peak resident memory (bytes) of a process run to its end."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {process.returncode}")
    return int(usage.ru_maxrss) * 1024


def pairs(rounds: int, figure: Callable[[], float], baseline: Callable[[], float]) -> tuple[float, float]:
    """Medians of ``rounds`` alternating runs of the figure and its baseline."""
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(figure())
        theirs.append(baseline())
    return statistics.median(mine), statistics.median(theirs)


def window(api: str) -> list[str]:
    return [PYTHON, "-m", "triageboard", "--api-url", api, "--refresh-minutes", "0", "-v"]


PAINTED_LINE = "board painted:"  # what the window logs with -v once a complete board is painted


def bare() -> list[str]:
    return [PYTHON, str(HERE / "bare_window.py")]


PAINTED = {"TRIAGEBOARD_EXIT_WHEN_PAINTED": "1"}
# The board's loading path: time in a column (issue timelines, up to 100 more requests one after another on
# a cold cache) is another measure.
LIST = [PYTHON, "-m", "triageboard", "list", "--max-timelines", "0"]
GROUPS = ("start", "load", "refresh", "bundle", "drop", "keystroke", "memory")


# --- the measures -----------------------------------------------------------------------------------------


def start_rows(server: StandIn, home: Home, rounds: int) -> list[Row]:
    rows = []
    home.forget()
    timed(window(server.api), home.env(**PAINTED))  # the first load saves the board
    for latency in (0.1, 0.0):
        server.latency(latency)
        figure, baseline = pairs(
            rounds,
            lambda: until_said(window(server.api), home.env(**PAINTED), PAINTED_LINE),
            lambda: until_said(bare(), home.env(), "painted"),
        )
        rows.append(
            Row(
                f"start -> painted board, 380 cards from the saved board, {latency * 1000:.0f} ms network",
                seconds(figure),
                f"bare PySide6 window {seconds(baseline)}",
                ratio(figure, baseline),
                "<= 1.3",
            )
        )
    server.latency(0.1)
    return rows


def first_load_rows(server: StandIn, home: Home, rounds: int) -> list[Row]:
    longest = max(server.pages(repo, label) for repo, label in SERIES)
    total_pages = sum(server.pages(repo, label) for repo, label in SERIES)
    latency = 0.1

    def load() -> float:
        home.forget()
        return until_said(window(server.api), home.env(**PAINTED), PAINTED_LINE)

    def pygithub() -> float:
        return timed([PYTHON, str(HERE / "pygithub_load.py"), server.api, TOKEN], home.env())

    figure, careful = pairs(rounds, load, pygithub)
    _, start = pairs(rounds, lambda: 0.0, lambda: until_said(bare(), home.env(), "painted"))
    floor = start + longest * latency
    server.reset()
    home.forget()
    timed(window(server.api), home.env(**PAINTED))
    stats = server.stats()
    by_path: dict[str, int] = server.call("stats")["by_path"]  # type: ignore[assignment]
    load_requests = sum(n for path, n in by_path.items() if path.endswith(("/issues", "/user")))
    minimum = total_pages + 1

    def cold_list() -> float:
        home.forget()
        return timed([*LIST, "--no-cache", "--api-url", server.api], home.env())

    listed, cli_start = pairs(rounds, cold_list, lambda: timed([PYTHON, "-c", "import httpx"], home.env()))
    list_floor = cli_start + longest * latency
    home.forget()
    timed([*LIST, "--api-url", server.api], home.env())  # saves the board

    def saved_list() -> float:
        return timed([*LIST, "--api-url", server.api], home.env())

    warm, warm_start = pairs(rounds, saved_list, lambda: timed([PYTHON, "-c", "import httpx"], home.env()))
    return [
        Row(
            "window's first full load (no saved board, no stored pages), 100 ms network",
            seconds(figure),
            f"careful PyGithub script {seconds(careful)}",
            f"{careful / figure:.1f}x faster",
            ">= 4x faster",
        ),
        Row(
            f"window's first full load vs its floor (process start + {longest} pages x 100 ms)",
            seconds(figure),
            f"floor {seconds(floor)} (bare window {seconds(start)})",
            ratio(figure, floor),
            "<= 1.3",
        ),
        Row(
            "`list --no-cache` (first full load; no timelines) vs its floor",
            seconds(listed),
            f"floor {seconds(list_floor)} (python + httpx {seconds(cli_start)})",
            ratio(listed, list_floor),
            "<= 1.3",
        ),
        Row(
            "`list` with the saved board (asks only for changes; no timelines) vs its floor (1 round trip)",
            seconds(warm),
            f"floor {seconds(warm_start + latency)} (python + httpx {seconds(warm_start)})",
            ratio(warm, warm_start + latency),
            "<= 1.3",
        ),
        Row(
            "requests of one first load (pages + token check)",
            f"{load_requests} ({stats['charged']} charged in all, incl. permissions)",
            f"minimum {minimum} ({total_pages} pages + 1 GET /user)",
            ratio(load_requests, minimum),
            "the minimum",
        ),
    ]


def refresh_rows(server: StandIn) -> list[Row]:
    """The app's sync (github/sync.py) in this process, with a page cache kept across refreshes."""
    import asyncio

    import httpx

    from triageboard.board import preset
    from triageboard.github import GitHubClient, MemoryPageCache
    from triageboard.github.sync import sync_board

    spec = preset("rust-async").with_sources(api_url=server.api)
    repos = len(spec.repos)
    cache = MemoryPageCache()
    state: dict[str, object] = {"known": None, "marks": {}, "full_at": None}

    async def refresh() -> None:
        async with httpx.AsyncClient() as http:
            client = GitHubClient(http, server.api, lambda: TOKEN, cache=cache)
            synced = await sync_board(
                client,
                spec,
                state["known"],
                state["marks"],
                state["full_at"],  # type: ignore[arg-type]
            )
        state.update(known=synced.issues, marks=synced.marks, full_at=synced.full_at)

    def cost(k: int) -> tuple[int, int]:
        if k:
            server.change(k)
        before = server.stats()
        asyncio.run(refresh())
        after = server.stats()
        return after["requests"] - before["requests"], after["charged"] - before["charged"]

    cost(0)  # the first full load
    first = cost(0)  # the first refresh after it: one new question per repository
    unchanged = cost(0)
    rows = [
        Row(
            "refresh, nothing changed (requests / charged)",
            f"{unchanged[0]} / {unchanged[1]}",
            f"first refresh after a full load {first[0]} / {first[1]}",
            "—",
            "0 charged",
        )
    ]
    for k in (10, 150):
        changed = cost(k)
        goal = math.ceil(k / 100) + repos
        rows.append(
            Row(
                f"refresh after {k} changed issues (requests / charged)",
                f"{changed[0]} / {changed[1]}",
                f"ceil(k/100) + one per repository = {goal}",
                ratio(changed[0], goal),
                f"<= {goal}",
            )
        )
    return rows


def interactive(*args: str, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [PYTHON, str(HERE / "interactive.py"), *args], env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"interactive.py {args[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    data: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def drop_row(home: Home, rounds: int) -> Row:
    with standin(issues=2800, latency=0.5) as server:
        home.forget()
        (home.path / "data").mkdir(parents=True, exist_ok=True)
        result = interactive("drop", server.api, str(max(5, rounds)), env=home.env())
    return Row(
        f"drop -> repainted columns, {int(result['cards']):,} cards, 500 ms network",
        ms(result["drop"]),
        f"repainting the same two columns, every card drawn {ms(result['repaint'])}",
        ratio(result["drop"], result["repaint"]),
        "<= 16 ms",
    )


def keystroke_row(home: Home, rounds: int) -> Row:
    result = interactive("keystroke", "10374", str(max(2, rounds // 2)), env=home.env())
    return Row(
        f"filter keystroke -> repainted columns, {int(result['cards']):,} cards",
        ms(result["keystroke"]),
        f"a filter pass over every card + one repaint {ms(result['baseline'])}",
        ratio(result["keystroke"], result["baseline"]),
        "<= 50 ms",
    )


def memory_row(home: Home) -> Row:
    with standin(issues=14000, latency=0.0) as server:
        home.forget()
        board = home.path / "all.toml"
        board.write_text(
            'name = "bench-all"\nrepos = ["rust-lang/rust", "rust-lang/wg-async"]\n'
            '[[columns]]\nname = "Focus"\nlabels = ["AsyncAwait-Focus"]\n'
            '[[columns]]\nname = "OnDeck"\nlabels = ["AsyncAwait-OnDeck"]\n'
            '[[columns]]\nname = "Other"\nlabels = ["AsyncAwait-Other"]\n'
            '[[columns]]\nname = "Uncategorized"\n'
        )
        command = [*window(server.api), "--board", str(board)]
        mine = peak_rss(command, home.env(**PAINTED))
        done = subprocess.run(
            [*LIST, "--board", str(board), "--api-url", server.api],
            env=home.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        cards = len(done.stdout.splitlines())
    theirs = peak_rss(bare(), home.env())
    return Row(
        f"peak memory, first load of {cards:,} cards",
        f"{mine / 1e6:.0f} MB",
        f"bare window {theirs / 1e6:.0f} MB",
        ratio(mine, theirs),
        "<= 200 MB",
    )


def bundle_rows(server: StandIn, home: Home, rounds: int) -> list[Row]:
    if not BUNDLE.exists():
        return [Row("bundle (dist/triageboard)", "n/a", "no bundle: run bash packaging/build.sh", "—", "—")]
    # Links (PyInstaller links Qt's libraries under their other names) count once, as on disk.
    size = sum(p.lstat().st_size for p in BUNDLE.parent.rglob("*") if p.is_file() and not p.is_symlink())
    home.forget()
    timed(window(server.api), home.env(**PAINTED))
    bundled = [str(BUNDLE), "--api-url", server.api, "--refresh-minutes", "0"]
    figure, baseline = pairs(
        rounds,
        lambda: until_said([*bundled, "-v"], home.env(**PAINTED), PAINTED_LINE),
        lambda: until_said(window(server.api), home.env(**PAINTED), PAINTED_LINE),
    )
    return [
        Row("bundle size (dist/triageboard)", f"{size / 1e6:.0f} MB", "—", "—", "—"),
        Row(
            "bundle start -> painted board (saved board)",
            seconds(figure),
            f"the same from the venv {seconds(baseline)}",
            ratio(figure, baseline),
            "—",
        ),
    ]


def table(rows: list[Row]) -> str:
    head = ["measure", "figure", "baseline (same run)", "ratio", "goal"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def compiled() -> None:
    """Byte-compile the app first, as an install does (pip compiles what it installs; the bundle carries
    bytecode): an editable install under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module
    from source at every start, a cost no user's start has (and the baseline's PySide6 does not pay)."""
    import triageboard

    compileall.compile_dir(Path(triageboard.__file__).parent, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating pairs per measure (default 5)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"a comma-separated subset of: {', '.join(GROUPS)} (default: all)",
    )
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    began = time.perf_counter()
    compiled()
    home = Home()
    rows: list[Row] = []
    try:
        with standin() as server:
            if "start" in only:
                rows += start_rows(server, home, args.rounds)
            if "load" in only:
                rows += first_load_rows(server, home, args.rounds)
            if "refresh" in only:
                rows += refresh_rows(server)
            if "bundle" in only:
                rows += bundle_rows(server, home, args.rounds)
        if "drop" in only:
            rows.append(drop_row(home, args.rounds))
        if "keystroke" in only:
            rows.append(keystroke_row(home, args.rounds))
        if "memory" in only:
            rows.append(memory_row(home))
    finally:
        home.remove()
    text = table(rows)
    print(text)
    cores = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\n{args.rounds} rounds; {cores} cores, load average {load:.1f} at the end; "
        f"took {time.perf_counter() - began:.0f} s"
    )
    if args.markdown is not None:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
