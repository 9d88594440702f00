"""Runs one corpus case: a sandbox, the hostile server in front of it, the real ``triageboard`` processes,
and the checks every case must pass.

Every step of every case is checked for: no traceback and no "Exception ignored" on stderr; the exit code
asked for, within the step's bound (the process is killed past it); the words the case names (what
happened, what to do); no raw control characters (ESC, BEL, C1, bidi overrides) on stdout or stderr; any
announced wait ("until HH:MM") no longer than GitHub can mean (an hour) and dated when it is not today.
After the last step: every move asked for is on GitHub (the sandbox's labels), or still in the outbox and
reported as queued (exit 3), or reported as failed (exit 1), as the case expects; the token is in no
output, in no file under the case's directories, and never reached another host.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from hostile_server import HostileServer, Rule
from sandboxkit import Sandbox

from triageboard.clock import ScaledClock

# Recognisable, and nowhere else in the project: any appearance in an output or a file is a leak.
TOKEN = "tbh-hostile-SECRET-4c1f9e27d8a3b6"
REPO = "rust-lang/rust"
SCALE = 0.1  # time runs ten times faster for every process of a case, and for its sandbox and servers
# One clock for the whole run: the CLI and window processes (TRIAGEBOARD_TIME_SCALE=SCALE@ANCHOR), the
# sandbox behind the hostile server, and the resets and retry-afters the hostile server scripts. Its anchor
# is the ScaledClock default (the start of the current UTC day), fixed once so that a run that crosses
# midnight still agrees with itself. Every --wait, backoff, deadline and announced wait is in its seconds;
# real-time bounds (a step's ``bound``, process timeouts) stay real.
CLOCK = ScaledClock(SCALE)
TIME_SCALE = f"{SCALE:g}@{CLOCK.anchor:.0f}"
COLUMN_LABELS = {"Focus": "AsyncAwait-Focus", "OnDeck": "AsyncAwait-OnDeck", "Other": "AsyncAwait-Other"}
TRIAGE = {name.casefold() for name in COLUMN_LABELS.values()}

# Raw control characters a server could use to rewrite a terminal: C0 except \t and \n, DEL, C1, bidi.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# "until 14:05", "until 2026-12-03 14:05", and the app's own "until 14:05 on 3 Dec" (" 2027" if not this year)
UNTIL = re.compile(
    r"until (?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?: on (\d{1,2}) ([A-Z][a-z]{2})(?: (\d{4}))?)?"
)
KEY_LINE = re.compile(r"^[^\t]+\t(\S+#\d+)\t", re.MULTILINE)

Outcome = Literal["done", "queued", "refused"]
VALUED_OPTIONS = {"--wait", "--board", "--api-url", "--repo", "--query", "--preset", "--batch", "--column"}


@dataclass(frozen=True)
class Issues:
    """Issues of the seed-1 dataset the cases move around (found once per session, over HTTP)."""

    uncategorized: tuple[int, ...]
    focus: tuple[int, ...]


@dataclass(frozen=True)
class Step:
    """One process run. ``argv`` follows ``python -m triageboard``; placeholders: ``{api}`` (the hostile
    server's API URL), ``{repo}``, ``{uncat}``/``{uncat2}`` (issues in no column), ``{focus}`` (an issue
    in Focus), ``{dir}`` (the case's folder); also in ``stdin``.

    ``rules``: the server's behaviour from this step on (``()``: like GitHub, every request proxied);
    None keeps the previous step's. ``board``: append ``--api-url {api} --repo {repo}``.
    ``window``: run the window offscreen instead, closed after that many seconds.
    """

    argv: tuple[str, ...] = ()
    exit: int | frozenset[int] = 0
    say: tuple[str, ...] = ()
    not_say: tuple[str, ...] = ()
    bound: float = 10.0
    rules: Sequence[Rule] | None = None
    prepare: Callable[[Context], None] | None = None
    board: bool = True
    window: float | None = None
    full_board: bool = False
    stdin: str | None = None


@dataclass(frozen=True)
class Case:
    """``rules``: what the server does at the first step. ``outcome``: what must be true of every move the
    steps asked for, after the last step. ``sent``: False when no request may reach the server (usage
    errors are found before any network). ``xfail``: why the case fails today (strict)."""

    name: str
    what: str
    steps: tuple[Step, ...]
    rules: tuple[Rule, ...] = ()
    outcome: Outcome | None = None
    sent: bool = True
    page_size: int | None = None
    xfail: str | None = None
    token: str = TOKEN
    secrets: tuple[str, ...] = ()  # pieces of an odd token to look for instead of the whole


@dataclass
class Run:
    argv: list[str]
    code: int | None
    out: str
    err: str
    seconds: float
    hung: bool


@dataclass
class Result:
    name: str
    what: str
    problems: list[str] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> str:
        lines = [f"{self.name} ({self.what}): {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        for run in self.runs:
            lines.append(f"  $ {' '.join(run.argv)}  -> exit {run.code} in {run.seconds:.1f}s")
            for stream, text in (("stdout", run.out), ("stderr", run.err)):
                shown = text if len(text) < 1500 else text[:700] + "\n[...]\n" + text[-700:]
                if shown.strip():
                    lines.append(f"    {stream}: " + ascii(shown)[1:-1].replace("\\n", "\n      "))
        return "\n".join(lines)


class Context:
    """Everything a running case has: servers, sandbox, its folders, the issues it moves."""

    def __init__(
        self,
        case: Case,
        root: Path,
        sandbox: Sandbox,
        server: HostileServer,
        sink: HostileServer,
        issues: Issues,
    ) -> None:
        self.case = case
        self.root = root
        self.sandbox = sandbox
        self.server = server
        self.sink = sink
        self.issues = issues
        self.dirs = {
            var: root / sub
            for var, sub in (
                ("XDG_CONFIG_HOME", "config"),
                ("XDG_CACHE_HOME", "cache"),
                ("XDG_DATA_HOME", "data"),
                ("XDG_STATE_HOME", "state"),
                ("HOME", "home"),
            )
        }
        for path in self.dirs.values():
            path.mkdir(parents=True, exist_ok=True)

    @property
    def outbox(self) -> Path:
        return self.dirs["XDG_DATA_HOME"] / "triageboard" / "outbox.sqlite3"

    @property
    def page_cache(self) -> Path:
        return self.dirs["XDG_CACHE_HOME"] / "triageboard" / "pages.sqlite3"

    @property
    def config(self) -> Path:
        path = self.dirs["XDG_CONFIG_HOME"] / "triageboard"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def values(self) -> dict[str, str]:
        return {
            "api": self.server.api_url,
            "repo": REPO,
            "uncat": f"{REPO}#{self.issues.uncategorized[0]}",
            "uncat2": f"{REPO}#{self.issues.uncategorized[1]}",
            "focus": f"{REPO}#{self.issues.focus[0]}",
            "dir": str(self.root),
        }

    def fill(self, text: str) -> str:
        for key, value in self.values().items():
            text = text.replace("{" + key + "}", value)
        return text


# --- running -----------------------------------------------------------------------------------------


def base_env(ctx: Context, token: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GH_", "GITHUB_", "TRIAGEBOARD_", "XDG_", "PYTEST_", "QT_"))
    }
    env.update({k: str(v) for k, v in ctx.dirs.items()})
    env.update(
        # Never the user's keyring, never a D-Bus wait.
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        TRIAGEBOARD_TIME_SCALE=TIME_SCALE,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        LC_ALL="C.UTF-8",
        COLUMNS="200",
    )
    if token is not None:
        env["GH_TOKEN"] = token
    return env


def run_step(ctx: Context, step: Step) -> Run:
    argv = [ctx.fill(a) for a in step.argv]
    command = [sys.executable, "-m", "triageboard", *argv]
    if step.board:
        command += ["--api-url", ctx.server.api_url, "--repo", REPO]
    env = base_env(ctx, ctx.case.token)
    if step.window is not None:
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["TRIAGEBOARD_EXIT_AFTER"] = f"{step.window:g}"
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ctx.root,
        stdin=subprocess.PIPE if step.stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    hung = False
    try:
        stdin = ctx.fill(step.stdin).encode() if step.stdin is not None else None
        out, err = process.communicate(stdin, step.bound)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
    return Run(
        argv=argv,
        code=None if hung else process.returncode,
        out=out.decode("utf-8", "replace"),
        err=err.decode("utf-8", "replace"),
        seconds=time.monotonic() - started,
        hung=hung,
    )


def run_case(case: Case, root: Path, issues: Issues, baseline: frozenset[str]) -> Result:
    result = Result(case.name, case.what)
    started = time.monotonic()
    root.mkdir(parents=True, exist_ok=True)
    with (
        Sandbox(token=TOKEN, seed=1, clock=CLOCK) as sandbox,
        HostileServer(sandbox.api_url, case.rules, page_size=case.page_size) as server,
        HostileServer() as sink,
    ):
        server.elsewhere = sink.origin
        ctx = Context(case, root, sandbox, server, sink, issues)
        before = {n: labels_of(sandbox, n) for n in (*issues.uncategorized[:2], issues.focus[0])}
        moves: dict[str, tuple[str, int]] = {}  # issue -> (column, the run that last reported on it)
        for index, step in enumerate(case.steps):
            if step.rules is not None:
                server.set_rules(step.rules)
            if step.prepare is not None:
                step.prepare(ctx)
            run = run_step(ctx, step)
            result.runs.append(run)
            where = f"step {index + 1} ({' '.join(run.argv[:2]) or 'window'})"
            found = check_run(ctx, step, run, baseline)
            result.problems += [f"{where}: {p}" for p in dict.fromkeys(found)]
            if step.window is None and step.argv[:1] == ("sync",):
                moves = {key: (column, index) for key, (column, _) in moves.items()}
            moves.update({key: (column, index) for key, column in asked_moves(ctx, step).items()})
        if case.outcome is not None:
            result.problems += check_moves(ctx, case.outcome, moves, result.runs, before)
        if not case.sent and server.seen:
            result.problems.append(
                f"a request reached the server although none should: {server.seen[0].method} "
                f"{server.seen[0].target}"
            )
        result.problems += check_token(ctx, result.runs)
        result.problems += [
            f"hostile server failed (a broken case): {e}" for e in server.errors + sink.errors
        ]
    result.seconds = time.monotonic() - started
    return result


# --- checks ------------------------------------------------------------------------------------------


def check_run(ctx: Context, step: Step, run: Run, baseline: frozenset[str]) -> list[str]:
    problems = []
    both = run.out + "\n" + run.err
    if run.hung:
        problems.append(f"still running after its bound of {step.bound:g} s: killed")
    else:
        wanted = step.exit if isinstance(step.exit, frozenset) else frozenset({step.exit})
        if run.code not in wanted:
            problems.append(f"exit code {run.code}, expected {' or '.join(map(str, sorted(wanted)))}")
    if "Traceback" in run.err:
        problems.append("a traceback on stderr")
    if "Exception ignored" in run.err:
        problems.append("'Exception ignored' on stderr")
    for pattern in step.say:
        if not re.search(ctx.fill(pattern), both, re.IGNORECASE):
            problems.append(f"the output does not say /{pattern}/")
    for pattern in step.not_say:
        if re.search(ctx.fill(pattern), both, re.IGNORECASE):
            problems.append(f"the output says /{pattern}/ (it must not)")
    for stream, text in (("stdout", run.out), ("stderr", run.err)):
        found = sorted(set(CONTROL.findall(text)))
        if found:
            problems.append(f"raw control characters on {stream}: {', '.join(ascii(c) for c in found)}")
    problems += check_waits(both)
    if step.full_board and not run.hung and run.code == 0:
        keys = frozenset(KEY_LINE.findall(run.out))
        if keys != baseline:
            problems.append(
                f"the board is not the whole board: {len(keys)} cards instead of {len(baseline)} "
                f"({len(baseline - keys)} missing, {len(keys - baseline)} extra)"
            )
    return problems


def clocks() -> tuple[datetime, datetime]:
    """The local time now on the real clock and on the run's scaled one (see :func:`check_waits`)."""
    return datetime.now().astimezone(), CLOCK.now().astimezone()


def clear_of_both_clocks(base: float) -> int:
    """Seconds to add to ``base`` (epoch seconds; 3 to 21 hours) for a time of day at least 2.5 hours from
    what both clocks say now: an undated "until HH:MM" of that time can never pass for a wait within the
    hour. (Whole days added on top keep that time of day.)"""

    def minutes(moment: datetime) -> int:
        return moment.hour * 60 + moment.minute

    nows = [minutes(now) for now in clocks()]
    for hours in range(3, 22):
        there = minutes(datetime.fromtimestamp(base + hours * 3600).astimezone())
        if all(min((there - now) % 1440, (now - there) % 1440) >= 150 for now in nows):
            return hours * 3600
    raise AssertionError("no time of day is clear of both clocks")  # cannot happen: 2 gaps of 5 h


def check_waits(text: str) -> list[str]:
    """Any "until [DATE ]HH:MM" must be within an hour from now, and dated when it is not today.

    "Now" is the real clock, or the run's scaled clock (:data:`CLOCK`), which every process of a case runs
    on.
    """
    problems = []
    for match in UNTIL.finditer(text):
        date, hour, minute, second, on_day, on_month, on_year = match.groups()
        ok = False
        for now in clocks():
            day = datetime.fromisoformat(date).date() if date else now.date()
            if on_day:  # "14:05 on 3 Dec": that day, this year unless it says another
                month = datetime.strptime(on_month, "%b").month
                day = day.replace(year=int(on_year) if on_year else now.year, month=month, day=int(on_day))
            when = now.replace(
                year=day.year,
                month=day.month,
                day=day.day,
                hour=int(hour) % 24,
                minute=int(minute),
                second=int(second or 0),
                microsecond=0,
            )
            if timedelta(minutes=-2) <= when - now <= timedelta(minutes=61):
                ok = True
        if not ok:
            problems.append(
                f"announces a wait GitHub cannot mean, or an undated one not today: {match.group(0)!r}"
            )
    return problems


def labels_of(sandbox: Sandbox, number: int) -> list[str]:
    return sandbox.issue_labels(REPO, number)


def asked_moves(ctx: Context, step: Step) -> dict[str, str]:
    """The moves a ``move ISSUE COLUMN`` step asked for, when ISSUE is one of the case's issues."""
    argv = [ctx.fill(a) for a in step.argv]
    if step.window is not None or not argv or argv[0] != "move":
        return {}
    positional = []
    args = iter(argv[1:])
    for arg in args:
        if arg in VALUED_OPTIONS:
            next(args, None)
        elif not arg.startswith("-"):
            positional.append(arg)
    known = {ctx.fill(v) for v in ("{uncat}", "{uncat2}", "{focus}")}
    if len(positional) >= 2 and positional[0] in known:
        return {positional[0]: positional[1]}
    return {}


def outbox_rows(ctx: Context) -> dict[str, str] | str:
    """``{issue: target}`` for the hostile API URL, read straight from the file (or why it cannot be)."""
    if not ctx.outbox.exists():
        return {}
    try:
        conn = sqlite3.connect(ctx.outbox, timeout=5)
        try:
            rows = conn.execute(
                "SELECT repo, number, target FROM moves WHERE api_url=?", (ctx.server.api_url,)
            )
            return {f"{repo}#{number}": str(target) for repo, number, target in rows.fetchall()}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"the outbox cannot be read after the run: {exc}"


def check_moves(
    ctx: Context,
    outcome: Outcome,
    moves: Mapping[str, tuple[str, int]],
    runs: Sequence[Run],
    before: Mapping[int, list[str]],
) -> list[str]:
    problems: list[str] = []
    if not moves:
        return ["the case expects moves but none of its steps asked for one"]
    rows = outbox_rows(ctx)
    if isinstance(rows, str):
        return [rows]
    for key, (column, index) in moves.items():
        last = runs[index]
        both = last.out + "\n" + last.err
        number = int(key.rpartition("#")[2])
        labels = {name.casefold() for name in labels_of(ctx.sandbox, number)}
        target = COLUMN_LABELS.get(column)
        if column == "Uncategorized":
            on_github = not labels & TRIAGE
        elif target is not None:
            on_github = target.casefold() in labels and not (labels & TRIAGE) - {target.casefold()}
        else:  # a column of the case's own board: never expected to succeed
            on_github = False
        queued = key in rows
        if outcome == "done":
            if not on_github:
                problems.append(f"lost: {key} is not in {column} on GitHub (labels {sorted(labels)})")
            if queued:
                problems.append(f"{key} is on GitHub but still waits in the outbox")
        elif outcome == "queued":
            if not queued:
                problems.append(
                    f"lost: {key} should still be queued, but the outbox has no move for it"
                    + (" (it is on GitHub)" if on_github else "")
                )
            if last.code != 3:
                problems.append(f"{key} is queued but the run that reported on it exited {last.code}, not 3")
            if not re.search(r"queued", both, re.IGNORECASE):
                problems.append(f"{key} is queued but the run that reported on it does not say so")
        else:  # refused: the user was told it failed, and it is not left half-applied silently
            if queued:
                problems.append(f"{key} was refused but still waits in the outbox")
            if last.code != 1:
                problems.append(
                    f"{key} was refused but the run that reported on it exited {last.code}, not 1"
                )
            if key not in both:
                problems.append(f"the refusal does not name {key}")
            if on_github:
                problems.append(f"{key} was reported refused but GitHub has it in {column}")
            lost = {n.casefold() for n in before.get(number, [])} - labels
            if lost:
                problems.append(f"{key} was refused but lost labels on GitHub: {sorted(lost)}")
        for line in last.out.splitlines():
            if line.startswith(f"{key}\t") and "\tdone" in line and not on_github:
                problems.append(f"says {key} is done, but GitHub does not have it in {column}")
    return problems


def secret_pieces(case: Case) -> list[str]:
    return list(case.secrets) or [case.token]


def check_token(ctx: Context, runs: Sequence[Run]) -> list[str]:
    problems = []
    pieces = [p for p in secret_pieces(ctx.case) if p]
    for run in runs:
        for piece in pieces:
            if piece in run.out or piece in run.err:
                problems.append(f"the token appears in the output of '{' '.join(run.argv[:2])}'")
    for path in sorted(ctx.root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for piece in pieces:
            if piece.encode("utf-8", "surrogateescape") in data:
                problems.append(f"the token is written in {path.relative_to(ctx.root)}")
    for seen in ctx.sink.seen:
        for piece in pieces:
            if piece.encode("utf-8", "surrogateescape") in seen.head:
                problems.append(
                    f"the token was sent to another host: {seen.method} {ctx.sink.origin}{seen.target}"
                )
    return problems


def scout() -> Issues:
    """Issues of the seed-1 dataset to move: open, not pull requests, in no column or only in Focus."""

    def fetch(sb: Sandbox, labels: str) -> list[dict[str, object]]:
        items: list[dict[str, object]] = []
        for page in range(1, 20):
            request = urllib.request.Request(
                f"{sb.api_url}/repos/{REPO}/issues?labels={labels}&state=open&per_page=100&page={page}",
                headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"},
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                batch = json.load(answer)
            items += batch
            if len(batch) < 100:
                break
        return items

    def triage(item: dict[str, Any]) -> set[str]:
        names = {str(label["name"]).casefold() for label in item["labels"]}
        return names & TRIAGE

    with Sandbox(token=TOKEN, seed=1, clock=CLOCK) as sb:
        uncategorized = [
            int(item["number"])  # type: ignore[call-overload]
            for item in fetch(sb, "A-async-await")
            if "pull_request" not in item and not triage(item)
        ]
        focus = [
            int(item["number"])  # type: ignore[call-overload]
            for item in fetch(sb, "AsyncAwait-Focus")
            if "pull_request" not in item and triage(item) == {"asyncawait-focus"}
        ]
    if len(uncategorized) < 2 or not focus:
        raise RuntimeError(
            f"the seed-1 dataset changed: {len(uncategorized)} uncategorized, {len(focus)} in Focus"
        )
    return Issues(tuple(uncategorized[:2]), tuple(focus[:1]))
