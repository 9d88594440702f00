"""The demo dataset: a Rust async-await triage board, ready for a weekly triage meeting; deterministic for a
seed.

Composition (default seed or any other; only the choice of details changes with the seed):

* ``rust-lang/rust`` and ``rust-lang/wg-async`` carry the board: open issues with ``A-async-await`` and
  ``AsyncAwait-Focus`` (5), ``-OnDeck`` (26), ``-Other`` (98), none of these (60: the backlog of
  uncategorized issues), plus 3 conflicts (one Focus+OnDeck, two OnDeck+Other) and 4 issues with a triage
  label but no area label (2 OnDeck, 2 Other). So a board whose columns are Focus/OnDeck/Other/Uncategorized
  shows 6/30/100/60 cards.
* Focus: 2 of the 5 are unassigned; 2 have been idle for months (stalled: one 130 days, one 200 days, and
  that one is unassigned too). About 15 % of the board's issues carry ``E-mentor``, some assigned, some not.
* Every issue has a history (``labeled``/``unlabeled``/``assigned``/``closed`` events, see ``_past``)
  consistent with its labels: the last ``labeled`` event of a column's label is when it entered the column.
  Issues carry comments (the ``comments`` count is theirs), some with hostile text (HTML, RTL, controls).
* Who can be assigned: in ``rust-lang/rust`` the triagers (``TRIAGERS``), ``rustbot`` and two regular
  contributors (``ASSIGNABLE_CONTRIBUTORS``); in ``rust-lang/wg-async`` the triagers. Everybody else (e.g.
  ``rustacean-ana``, ``crab-lover``) cannot be assigned: GitHub drops them silently. The triagers have the
  triage role in both repositories (``rustbot``: write in ``rust-lang/rust``).
* ``rust-lang/rust`` keeps a ``triagebot.toml`` (``data/triagebot.toml``): ``[relabel]`` lets anyone set
  ``A-*``, ``E-*``, ``AsyncAwait-OnDeck``, ``AsyncAwait-Other`` and more (not ``AsyncAwait-Focus``), and
  ``[assign]`` enables ``@rustbot claim``.
* The same repositories hold 8 open pull requests and 20 closed issues carrying the board's labels (a board
  must leave them out), and ~300 unrelated issues and PRs without the area label.
* ``rust-lang/reference``: every token only reads it (3 of its 8 issues carry ``A-async-await``).
* ``triageboard-demo/empty``: no issues, GitHub's default labels only.
* ``triageboard-demo/big`` (only with ``extra_issues > 0``): that many open issues labelled ``C-bug``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from ._model import DATASET_NOW, Dataset, Issue, Label, Repo, User
from ._past import write_past

DAY = 86_400

# (name, colour, description, default)
_RUST_LABELS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("A-async-await", "f7e101", "Area: Async & Await", False),
    ("A-borrow-checker", "f7e101", "Area: The borrow checker", False),
    ("A-diagnostics", "f7e101", "Area: Messages for errors, warnings, and lints", False),
    ("A-lifetimes", "f7e101", "Area: Lifetimes / regions", False),
    ("A-traits", "f7e101", "Area: Trait system", False),
    ("A-macros", "f7e101", "Area: All kinds of macros (custom derive, macro_rules!, proc macros, ..)", False),
    ("A-codegen", "f7e101", "Area: Code generation", False),
    ("A-docs", "f7e101", "Area: Documentation for any part of the project", False),
    (
        "AsyncAwait-Focus",
        "e11d21",
        "Async-await issues the async working group is focused on right now",
        False,
    ),
    ("AsyncAwait-OnDeck", "fbca04", "Async-await issues that are next in line for the working group", False),
    (
        "AsyncAwait-Other",
        "c5def5",
        "Async-await issues that have been triaged but are not prioritised",
        False,
    ),
    ("AsyncAwait-Triaged", "5319e7", "Async-await issues that have been triaged during a WG meeting", False),
    ("AsyncAwait-Polish", "bfdadc", "Async-await issues that are part of the 'polish' area", False),
    ("P-critical", "eb6420", "Critical priority", False),
    ("P-high", "eb6420", "High priority", False),
    ("P-medium", "eb6420", "Medium priority", False),
    ("P-low", "eb6420", "Low priority", False),
    (
        "E-mentor",
        "02e10c",
        "Call for participation: This issue has a mentor. Use #t-compiler/help on Zulip",
        False,
    ),
    (
        "E-easy",
        "02e10c",
        "Call for participation: Easy difficulty. Experience needed to fix: Not much.",
        False,
    ),
    (
        "E-medium",
        "02e10c",
        "Call for participation: Medium difficulty. Experience needed: Intermediate.",
        False,
    ),
    ("E-hard", "02e10c", "Call for participation: Hard difficulty. Experience needed to fix: A lot.", False),
    ("E-needs-mentor", "02e10c", "Call for participation: This issue is in need of a mentor.", False),
    ("E-needs-test", "02e10c", "Call for participation: fixed, but no test has been added.", False),
    ("C-bug", "f5f1fd", "Category: This is a bug.", False),
    ("C-enhancement", "f5f1fd", "Category: An issue proposing an enhancement or a PR with one.", False),
    ("C-tracking-issue", "f5f1fd", "Category: An issue tracking the progress of sth. like an RFC", False),
    (
        "T-compiler",
        "bfd4f2",
        "Relevant to the compiler team, which will review and decide on the PR/issue.",
        False,
    ),
    (
        "T-lang",
        "bfd4f2",
        "Relevant to the language team, which will review and decide on the PR/issue.",
        False,
    ),
    (
        "T-libs",
        "bfd4f2",
        "Relevant to the library team, which will review and decide on the PR/issue.",
        False,
    ),
    ("T-types", "bfd4f2", "Relevant to the types team, which will review and decide on the PR/issue.", False),
    ("I-ICE", "e10c02", "Issue: The compiler panicked, giving an Internal Compilation Error (ICE) ❄️", False),
    ("I-compiletime", "e10c02", "Issue: Problems and improvements with respect to compile times.", False),
    ("D-diagnostics", "c9f0fc", "Diagnostics: the error or lint output could be better", False),
    ("F-async_closure", "f9c0cc", "`#![feature(async_closure)]`", False),
    ("F-async_fn_in_trait", "f9c0cc", "Static async fn in traits", False),
    (
        "S-waiting-on-review",
        "d3dddd",
        "Status: Awaiting review from the assignee but also interested parties.",
        False,
    ),
    (
        "S-waiting-on-author",
        "d3dddd",
        "Status: This is awaiting some action (such as code changes) from the author.",
        False,
    ),
    ("WG-async", "c2e0c6", "Working group: Async & await", False),
    ("needs triage/async", "d93f0b", "This issue may need triage by the async working group.", False),
    ("🦀 ferris", "f74c00", None, False),
    ("100% done", "0e8a16", None, False),
    ("help wanted", "008672", "Extra attention is needed", True),
    ("good first issue", "7057ff", "Good for newcomers", True),
)

# GitHub's labels for a new repository.
_DEFAULT_LABELS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("bug", "d73a4a", "Something isn't working", True),
    ("documentation", "0075ca", "Improvements or additions to documentation", True),
    ("duplicate", "cfd3d7", "This issue or pull request already exists", True),
    ("enhancement", "a2eeef", "New feature or request", True),
    ("good first issue", "7057ff", "Good for newcomers", True),
    ("help wanted", "008672", "Extra attention is needed", True),
    ("invalid", "e4e669", "This doesn't seem right", True),
    ("question", "d876e3", "Further information is requested", True),
    ("wontfix", "ffffff", "This will not be worked on", True),
)

TRIAGERS = ("tmandry", "nikomatsakis", "eholk", "compiler-errors", "yoshuawuyts", "ferris")
ASSIGNABLE_CONTRIBUTORS = ("async-andy", "waker-wendy")

# (login, id, display name, type)
_USERS: tuple[tuple[str, int, str | None, str], ...] = (
    ("ferris", 1001, "Ferris the Crab", "User"),
    ("tmandry", 1002, "Tyler Mandry", "User"),
    ("nikomatsakis", 1003, "Niko Matsakis", "User"),
    ("eholk", 1004, "Eric Holk", "User"),
    ("compiler-errors", 1005, "Michael Goulet", "User"),
    ("yoshuawuyts", 1006, "Yosh", "User"),
    ("rustacean-ana", 1101, "Ana", "User"),
    ("b0rrowck", 1102, None, "User"),
    ("ziad-hassan", 1103, "زياد حسن", "User"),
    ("noa-levi", 1104, "נועה לוי", "User"),
    ("crab-lover", 1105, None, "User"),
    ("async-andy", 1106, "Andy", "User"),
    ("pinned-pete", 1107, "Pete", "User"),
    ("waker-wendy", 1108, "Wendy", "User"),
    ("reader", 1109, "A reader", "User"),
    ("other-user", 1110, "Someone Else", "User"),
    ("ghost", 10137, "Deleted user", "User"),
    ("rustbot", 1201, None, "Bot"),
    ("rust-lang", 2001, "The Rust Programming Language", "Organization"),
    ("triageboard-demo", 2002, "triageboard demo", "Organization"),
)
_REPORTERS = (
    "rustacean-ana",
    "b0rrowck",
    "ziad-hassan",
    "noa-levi",
    "crab-lover",
    "async-andy",
    "pinned-pete",
    "waker-wendy",
    "ghost",
    "rustbot",
    *TRIAGERS,
)

_TOPICS = (
    "async fn in traits",
    "async closures",
    "`impl Future` in return position",
    "`Send` bounds on async blocks",
    "`.await` inside a `match` guard",
    "`Pin<&mut Self>` projections",
    "async drop",
    "`AsyncFn` traits",
    "return type notation",
    "`async gen` blocks",
    "recursive async fn",
    "`Box<dyn Future>` coercion",
    "`select!` in a loop",
    "async iterators",
    "`Waker` cloning",
    "coroutine witness types",
    "opaque type lifetimes",
    "`async move` closures",
    "`#[must_use]` on futures",
    "`?` inside async blocks",
    "`async fn main`",
    "`IntoFuture`",
)
_TEMPLATES = (
    "Confusing error message for {topic}",
    "Future is not `Send` when using {topic}",
    "Future size grows unexpectedly with {topic}",
    "Lifetime error with {topic} and `&self`",
    "Suggest adding `.await` for {topic}",
    "Higher-ranked lifetime error with {topic}",
    "Compile time regression with deeply nested {topic}",
    "rustdoc shows the desugared type of {topic}",
    "Unhelpful note pointing at {topic}",
    "Borrow checker rejects valid code using {topic}",
    "Missing lint for {topic}",
    "Polish: {topic}",
    "Incorrect span in diagnostic for {topic}",
    "`{ident}` is held across an await point with {topic}",
)
_ICES = (
    "unexpected region in opaque type",
    "no type for node",
    "broken MIR in DefId",
    "coroutine layout mismatch",
    "assertion failed: !ty.has_escaping_bound_vars()",
    "failed to resolve instance",
)
_IDENTS = ("MutexGuard<'_, T>", "RefCell<State>", "Rc<Inner>", "*mut u8", "Cell<bool>")
_OTHER_TOPICS = (
    ("A-borrow-checker", "two-phase borrows"),
    ("A-borrow-checker", "NLL and loops"),
    ("A-diagnostics", "unused import suggestions"),
    ("A-diagnostics", "E0308 on closures"),
    ("A-lifetimes", "elided lifetimes in impl headers"),
    ("A-traits", "coherence with blanket impls"),
    ("A-traits", "auto trait leakage"),
    ("A-macros", "`macro_rules!` hygiene"),
    ("A-macros", "proc-macro spans"),
    ("A-codegen", "LLVM 19 miscompilation"),
    ("A-codegen", "debuginfo for enums"),
    ("A-docs", "`Vec::retain` docs"),
)
_OTHER_TEMPLATES = (
    "Wrong suggestion involving {topic}",
    "Regression in {topic} since 1.8{n}",
    "Document panics around {topic}",
    "Slow compilation with {topic}",
    "Tracking issue for {topic}",
    "Spurious warning about {topic}",
)
_SNIPPETS = (
    "async fn foo(x: &mut Vec<u8>) {\n    let guard = lock().await;\n    bar(&guard).await;\n}",
    "trait Service {\n    async fn call(&self, req: Request) -> Response;\n}\n\n"
    "fn spawn_it<S: Service + Send>(s: S) {\n    tokio::spawn(async move { s.call(req()).await });\n}",
    'let f = async |x: &str| x.len();\nlet n = f("hello").await;',
    "fn make() -> impl Future<Output = ()> + Send {\n    async {\n        let rc = Rc::new(1);\n"
    "        yield_now().await;\n        drop(rc);\n    }\n}",
    "async fn recurse(n: u32) {\n    if n > 0 {\n        Box::pin(recurse(n - 1)).await;\n    }\n}",
)


@dataclass(slots=True)
class _Spec:
    repo: str
    labels: list[str]
    title: str
    body: str | None
    assignees: list[str]
    created_at: int
    updated_at: int
    state: str = "open"
    pull_request: bool = False
    comments: int = 0


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.specs: list[_Spec] = []

    # -- pieces -----------------------------------------------------------------------------------

    def dates(self, *, recent_days: int | None = None, stale_days: int | None = None) -> tuple[int, int]:
        rng = self.rng
        created = DATASET_NOW - rng.randint(20, 730) * DAY - rng.randint(0, DAY - 1)
        if stale_days is not None:
            updated = DATASET_NOW - stale_days * DAY - rng.randint(0, DAY - 1)
            created = min(created, updated - 30 * DAY)
        elif recent_days is not None:
            updated = DATASET_NOW - rng.randint(3600, recent_days * DAY)
        else:
            updated = created + int((DATASET_NOW - created) * rng.random() ** 0.5)
        return created, max(created, updated)

    def extras(self, *, ice_chance: float = 0.1) -> list[str]:
        rng = self.rng
        names: list[str] = []
        roll = rng.random()
        if roll < 0.55:
            names.append("C-bug")
        elif roll < 0.8:
            names.append("C-enhancement")
        roll = rng.random()
        if roll < 0.6:
            names.append("T-compiler")
        elif roll < 0.75:
            names.append("T-lang")
        elif roll < 0.85:
            names.append("T-libs")
        elif roll < 0.9:
            names.append("T-types")
        if rng.random() < ice_chance:
            names.append("I-ICE")
        if rng.random() < 0.15:
            names.append("D-diagnostics")
        if rng.random() < 0.08:
            names.append("F-async_closure")
        if rng.random() < 0.25:
            names.append(rng.choice(("E-easy", "E-medium", "E-hard")))
        if rng.random() < 0.05:
            names.append("E-needs-mentor")
        if rng.random() < 0.05:
            names.append("help wanted")
        return names

    def title(self, labels: Sequence[str]) -> str:
        rng = self.rng
        topic = rng.choice(_TOPICS)
        if "I-ICE" in labels:
            return f"ICE: `{rng.choice(_ICES)}` with {topic}"
        return rng.choice(_TEMPLATES).format(topic=topic, ident=rng.choice(_IDENTS))

    def body(self, title: str) -> str:
        rng = self.rng
        snippet = rng.choice(_SNIPPETS)
        date = f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        nightly = f"1.{rng.randint(84, 93)}.0-nightly ({rng.getrandbits(36):09x} {date})"
        parts = [
            f"I tried this code ({title.lower()}):",
            f"```rust\n{snippet}\n```",
            "I expected to see this happen: it compiles.",
            "Instead, this happened: an error that points at the `.await` rather than at the cause.",
            "### Meta\n\n`rustc --version --verbose`:\n"
            f"```\nrustc {nightly}\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\n```",
        ]
        if rng.random() < 0.2:
            parts.append(
                "<details><summary>Backtrace</summary>\n\n```\n"
                "thread 'rustc' panicked at compiler/rustc_middle/src/ty/mod.rs:"
                f"{rng.randint(100, 2000)}:9\n"
                + "\n".join(f"  {i}: rustc_query_impl::plumbing::frame_{i}" for i in range(12))
                + "\n```\n\n</details>"
            )
        if rng.random() < 0.3:
            parts.append(f"See also https://github.com/rust-lang/rust/issues/{rng.randint(60000, 130000)}.")
        return "\n\n".join(parts)

    def assignees(self, chance: float) -> list[str]:
        rng = self.rng
        if rng.random() >= chance:
            return []
        return [rng.choice(TRIAGERS)] if rng.random() < 0.85 else rng.sample(TRIAGERS, 2)

    def comments(self, mean: float) -> int:
        return min(250, int(self.rng.expovariate(1 / mean)))

    def add(
        self,
        repo: str,
        labels: list[str],
        *,
        assign_chance: float,
        title: str | None = None,
        body: str | None = "",
        recent_days: int | None = None,
        stale_days: int | None = None,
        state: str = "open",
        pull_request: bool = False,
        assignees: list[str] | None = None,
    ) -> _Spec:
        created, updated = self.dates(recent_days=recent_days, stale_days=stale_days)
        the_title = title if title is not None else self.title(labels)
        spec = _Spec(
            repo=repo,
            labels=labels,
            title=the_title,
            body=self.body(the_title) if body == "" else body,
            assignees=assignees if assignees is not None else self.assignees(assign_chance),
            created_at=created,
            updated_at=updated,
            state=state,
            pull_request=pull_request,
            comments=self.comments(12 if recent_days else 6),
        )
        self.specs.append(spec)
        return spec

    # -- the board --------------------------------------------------------------------------------

    def board(self) -> None:
        rng = self.rng
        area = "A-async-await"
        focus, ondeck, other = "AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other"
        start = len(self.specs)

        # Focus: five, two of them unassigned, two stalled (untouched for four and for seven months).
        focus_repos = (
            "rust-lang/rust",
            "rust-lang/rust",
            "rust-lang/rust",
            "rust-lang/wg-async",
            "rust-lang/wg-async",
        )
        for i, repo in enumerate(focus_repos):
            labels = [area, focus, "AsyncAwait-Triaged", "P-high", *self.extras()]
            title = "🦀 async closures make ferris sad 😢 (`AsyncFnMut` + borrowing)" if i == 0 else None
            who = [] if i in (1, 3) else [TRIAGERS[i % len(TRIAGERS)]]
            self.add(
                repo,
                labels,
                assign_chance=0,
                assignees=who,
                title=title,
                recent_days=None if i in (3, 4) else 14,
                stale_days={3: 200, 4: 130}.get(i),
            )

        for i in range(26):
            repo = "rust-lang/wg-async" if i % 5 == 4 else "rust-lang/rust"
            ranked = ["AsyncAwait-Triaged", rng.choice(("P-high", "P-medium", "P-medium"))] if i < 20 else []
            title = "<b>not bold</b> <script>alert(1)</script> in `async fn` diagnostics" if i == 3 else None
            self.add(
                repo, [area, ondeck, *ranked, *self.extras()], assign_chance=0.5, title=title, recent_days=90
            )

        for i in range(98):
            repo = "rust-lang/wg-async" if i % 7 == 6 else "rust-lang/rust"
            triage: list[str] = []
            if i < 60:
                triage = ["AsyncAwait-Triaged", rng.choice(("P-medium", "P-low", "P-low"))]
            if i == 7:  # a conflict for the priority board: two priorities
                triage = ["AsyncAwait-Triaged", "P-medium", "P-low"]
            title = None
            body: str | None = ""
            if i == 10:
                title = "خطأ في المترجم عند استخدام async fn داخل trait"
                body = (
                    "عند استخدام `async fn` داخل `trait` يظهر خطأ غير واضح.\n\n"
                    "```rust\ntrait T { async fn f(&self); }\n```"
                )
            elif i == 11:
                title = "שגיאת קומפילציה עם async closures ב-nightly"
                body = "הקוד הבא לא מתקמפל:\n\n```rust\nlet f = async || 1;\n```\n\nתודה!"
            elif i == 12:
                title = "Long write-up: async closures and `Send` — a tour of every case we know"
                body = _LONG_BODY
            elif i == 13:
                title = "Cards with many labels: `async fn` + `impl Trait` + `dyn` + GATs"
            extra = self.extras()
            if i == 13:
                extra = [
                    "C-bug",
                    "T-compiler",
                    "T-lang",
                    "T-types",
                    "I-ICE",
                    "D-diagnostics",
                    "F-async_closure",
                    "F-async_fn_in_trait",
                    "E-hard",
                    "E-needs-mentor",
                    "help wanted",
                    "WG-async",
                ]
            spec = self.add(repo, [area, other, *triage, *extra], assign_chance=0.15, title=title, body=body)
            if i == 13:
                spec.assignees = ["tmandry", "eholk", "yoshuawuyts"]

        for i in range(60):
            repo = "rust-lang/wg-async" if i % 4 == 3 else "rust-lang/rust"
            labels = [area, *self.extras(ice_chance=0.15)]
            if i < 15:
                labels.append("needs triage/async")
            title = None
            body = ""
            if i == 20:
                title = "قائمة المهام: تحسين رسائل الخطأ في async/await (RTL with `code` and English words)"
            elif i == 21:
                title = (
                    "A very long title that goes on and on about how `async fn` in traits interacts "
                    "with `dyn Trait`, `Send` bounds, return type notation, lifetimes, and the borrow "
                    "checker in ways nobody expected"
                )
            elif i == 22:
                title = "Literal markup in a title: &lt;T&gt; &amp; %s %d {} {{}} \\n"
            elif i == 23:
                body = None  # GitHub sends null for an empty body
            self.add(
                repo, labels, assign_chance=0.1, title=title, body=body, recent_days=60 if i < 15 else None
            )

        # Conflicts: two triage labels at once.
        self.add(
            "rust-lang/rust", [area, focus, ondeck, "C-bug", "T-compiler"], assign_chance=1, recent_days=10
        )
        self.add("rust-lang/rust", [area, ondeck, other, "C-enhancement"], assign_chance=0.3)
        self.add("rust-lang/wg-async", [area, ondeck, other, "T-lang"], assign_chance=0.3)

        # A triage label but no area label.
        self.add("rust-lang/rust", [ondeck, "C-bug", "T-compiler"], assign_chance=0.5)
        self.add("rust-lang/wg-async", [ondeck, "WG-async"], assign_chance=0.5)
        self.add("rust-lang/rust", [other, "C-enhancement"], assign_chance=0.2)
        self.add("rust-lang/rust", [other, "T-lang"], assign_chance=0.2)

        # Mentored: ~15% of the board's issues.
        board = self.specs[start:]
        for spec in rng.sample(board, round(len(board) * 0.15)):
            if "E-mentor" not in spec.labels:
                spec.labels.append("E-mentor")
        # A few fun labels.
        for spec in rng.sample(board, 3):
            spec.labels.append("🦀 ferris")
        for spec in rng.sample(board, 2):
            spec.labels.append("100% done")

        # Pull requests and closed issues that carry the board's labels: a board leaves them out.
        for i in range(8):
            triage_label = (focus, ondeck, other, None)[i % 4]
            labels = [area, *([triage_label] if triage_label else []), "S-waiting-on-review", "T-compiler"]
            self.add(
                "rust-lang/rust",
                labels,
                assign_chance=1,
                title=f"Fix {rng.choice(_TOPICS)} diagnostics",
                pull_request=True,
                recent_days=30,
            )
        for i in range(20):
            triage_label = (focus, ondeck, other, None)[i % 4]
            labels = [area, *([triage_label] if triage_label else []), *self.extras()]
            self.add(
                "rust-lang/rust" if i % 3 else "rust-lang/wg-async", labels, assign_chance=0.4, state="closed"
            )

    def unrelated(self) -> None:
        rng = self.rng
        for i in range(310):
            repo = "rust-lang/wg-async" if i % 6 == 5 else "rust-lang/rust"
            area, topic = rng.choice(_OTHER_TOPICS)
            labels = [area, *self.extras(ice_chance=0.05)]
            if repo == "rust-lang/wg-async":
                labels = ["WG-async", *labels[1:]]
            title = rng.choice(_OTHER_TEMPLATES).format(topic=topic, n=rng.randint(0, 9))
            pull_request = i % 9 == 4
            state = "closed" if i % 5 == 2 else "open"
            self.add(repo, labels, assign_chance=0.1, title=title, pull_request=pull_request, state=state)
        for i in range(8):
            labels = ["A-async-await", "C-bug"] if i < 3 else ["A-docs"]
            self.add(
                "rust-lang/reference",
                labels,
                assign_chance=0,
                title=f"Reference: clarify {rng.choice(_TOPICS)}",
            )


_LONG_BODY = "\n\n".join(
    [
        "## Summary",
        "This is a long write-up with **bold**, _italics_, `inline code`, "
        "a [link](https://rust-lang.github.io/wg-async/) "
        "and an image that must never be loaded: ![x](http://example.invalid/x.png)",
        "## Cases",
        "\n".join(f"{n}. Case {n}: `async` closure capturing `&mut` state #{n}" for n in range(1, 16)),
        "```rust\n"
        + "\n".join(f"let c{n} = async move || {{ state.push({n}); }};" for n in range(40))
        + "\n```",
        "| case | compiles | notes |\n|---|---|---|\n"
        + "\n".join(f"| {n} | {'yes' if n % 2 else 'no'} | see above |" for n in range(1, 11)),
        "> Quoted: <script>alert('body')</script> should stay text.",
        "- [ ] task one\n- [x] task two\n  - nested `item`",
        "Thanks! 🦀🦀🦀",
    ]
)


def build_dataset(seed: int = 1, extra_issues: int = 0) -> Dataset:
    """The demo dataset; the same seed always gives the same data."""
    users = {
        login.casefold(): User(login=login, id=uid, name=name, type=kind)  # type: ignore[arg-type]
        for login, uid, name, kind in _USERS
    }
    data = Dataset(users=users, repos={}, next_issue_id=2_100_000_000, next_label_id=5_000_000_000)

    def repo(owner: str, name: str, rid: int, description: str, years: int, **kw: bool) -> Repo:
        r = Repo(
            id=rid,
            owner=owner,
            name=name,
            description=description,
            created_at=DATASET_NOW - years * 365 * DAY,
            **kw,  # type: ignore[arg-type]
        )
        data.repos[r.full_name.casefold()] = r
        return r

    rust = repo(
        "rust-lang", "rust", 724712, "Empowering everyone to build reliable and efficient software.", 16
    )
    wg = repo(
        "rust-lang",
        "wg-async",
        271331497,
        "Working group dedicated to improving the foundations of Async I/O",
        6,
    )
    reference = repo("rust-lang", "reference", 45765431, "The Rust Reference", 11, read_only=True)
    empty = repo("triageboard-demo", "empty", 900_000_001, "An empty repository", 1)
    rust.stargazers, wg.stargazers, reference.stargazers = 105_000, 420, 1_400
    for r in (rust, wg):
        for name, color, description, default in _RUST_LABELS:
            data.new_label(r, name, color, description).default = default
    for name, color, description, default in (*_RUST_LABELS[:12], *_RUST_LABELS[23:26], *_DEFAULT_LABELS[:4]):
        data.new_label(reference, name, color, description).default = default
    for name, color, description, default in _DEFAULT_LABELS:
        data.new_label(empty, name, color, description).default = default
    for r in (rust, wg):
        r.roles = {login.casefold(): "triage" for login in TRIAGERS}
        r.assignable = _assignable(TRIAGERS)
    rust.roles["rustbot"] = "write"
    rust.assignable.update(_assignable((*ASSIGNABLE_CONTRIBUTORS, "rustbot")))
    reference.assignable = _assignable(("nikomatsakis", "tmandry"))
    empty.assignable = _assignable(("ferris",))
    rust.files["triagebot.toml"] = (
        resources.files("triageboard.sandbox") / "data" / "triagebot.toml"
    ).read_bytes()

    builder = _Builder(seed)
    builder.board()
    builder.unrelated()
    past = random.Random(f"past-{seed}")  # apart from the builder's, so the issues stay as they were
    _materialise(data, builder.specs, builder.rng, past)

    if extra_issues > 0:
        big = repo("triageboard-demo", "big", 900_000_002, "Many issues, to exercise search limits", 1)
        big.assignable = _assignable(("ferris",))
        for name, color, description, default in (*_DEFAULT_LABELS, ("C-bug", "f5f1fd", None, False)):
            data.new_label(big, name, color, description).default = default
        specs = []
        for i in range(extra_issues):
            created = DATASET_NOW - (extra_issues - i) * 600
            specs.append(
                _Spec(
                    repo="triageboard-demo/big",
                    labels=["C-bug", "bug"] if i % 2 else ["C-bug"],
                    title=f"Generated issue {i + 1}",
                    body=f"Body of generated issue {i + 1}.",
                    assignees=[],
                    created_at=created,
                    updated_at=created,
                )
            )
        _materialise(data, specs, random.Random(seed), past)
    return data


def _assignable(logins: Sequence[str]) -> dict[str, str]:
    return {login.casefold(): login for login in logins}


def _materialise(data: Dataset, specs: list[_Spec], rng: random.Random, past: random.Random) -> None:
    """Turn specs into issues: numbers follow creation time per repository, like on GitHub; then give
    each its past (events and comments, from ``past``)."""
    next_ids = [data.next_event_id, data.next_comment_id]
    by_repo: dict[str, list[_Spec]] = {}
    for spec in specs:
        by_repo.setdefault(spec.repo, []).append(spec)
    starts = {"rust-lang/rust": 104_000, "rust-lang/wg-async": 12, "rust-lang/reference": 1_300}
    for full_name, repo_specs in by_repo.items():
        repo = data.repo(full_name)
        assert repo is not None
        repo_specs.sort(key=lambda s: s.created_at)
        number = max(starts.get(full_name, 0), repo.next_number - 1)
        step = 90 if full_name == "rust-lang/rust" else (3 if full_name != "triageboard-demo/big" else 1)
        for spec in repo_specs:
            number += rng.randint(1, step)
            labels: list[Label] = []
            for name in dict.fromkeys(spec.labels):
                label = repo.label(name)
                if label is None:
                    label = data.new_label(repo, name, "ededed")
                labels.append(label)
            author = rng.choice(_REPORTERS) if full_name != "triageboard-demo/big" else "rustacean-ana"
            association = (
                "MEMBER"
                if author in TRIAGERS
                else rng.choice(("NONE", "NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR"))
            )
            closed = spec.state == "closed"
            reactions = tuple(
                min(40, int(rng.expovariate(0.7))) if rng.random() < 0.3 else 0 for _ in range(8)
            )
            issue = Issue(
                id=data.next_issue_id,
                number=number,
                title=spec.title,
                body=spec.body,
                author=author,
                labels=labels,
                assignees=list(spec.assignees),
                created_at=spec.created_at,
                updated_at=spec.updated_at,
                state="closed" if closed else "open",
                state_reason=("completed" if rng.random() < 0.7 else "not_planned") if closed else None,
                closed_at=spec.updated_at if closed else None,
                author_association=association,
                is_pull_request=spec.pull_request,
                draft=spec.pull_request and rng.random() < 0.25,
                merged_at=spec.updated_at if spec.pull_request and closed else None,
                reactions=reactions,
            )
            data.next_issue_id += rng.randint(1, 40)
            repo.issues[number] = issue
            write_past(
                repo,
                issue,
                past,
                spec.comments,
                triagers=TRIAGERS,
                reporters=_REPORTERS,
                next_ids=next_ids,
            )
        repo.next_number = number + 1
    data.next_event_id, data.next_comment_id = next_ids
