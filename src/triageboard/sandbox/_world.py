"""The sandbox's mutable state behind one lock: data, tokens, limits, faults, device codes, the log."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass

from ._dataset import build_dataset
from ._device import DeviceFlow
from ._faults import FaultPlan
from ._model import DATASET_NOW, PERMISSION_ORDER, Dataset, Issue, Label, Permission, Repo
from ._ratelimit import RateLimiter
from ._render import Urls

AUTO_LABEL_COLOR = "ededed"
LOG_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class TokenInfo:
    login: str
    scopes: tuple[str, ...]
    permission: Permission
    fine_grained: bool = False


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: a known token, or nobody (``token`` None)."""

    token: TokenInfo | None
    bucket_key: str

    @property
    def login(self) -> str | None:
        return None if self.token is None else self.token.login


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One entry of ``Sandbox.request_log``. The Authorization header is never kept."""

    method: str
    path: str  # raw, percent-encoded, without the query
    query: str  # raw query string
    status: int  # 0: the connection was reset without an answer
    counted: bool  # whether it used up one request of a rate limit
    resource: str | None  # "core", "search", or None outside the REST API
    login: str | None  # the caller, when the token was known
    fault: str | None  # the fault kind that shaped the answer
    at: float  # time.time() when it was answered


class World:
    def __init__(self, *, seed: int, time_scale: float, extra_issues: int, device_client_id: str) -> None:
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.time_scale = time_scale
        self.data: Dataset = build_dataset(seed, extra_issues)
        self.tokens: dict[str, TokenInfo] = {}
        self.limits = RateLimiter(time_scale)
        self.faults = FaultPlan()
        self.urls = Urls(api="http://127.0.0.1:0/api/v3", web="http://127.0.0.1:0")
        self.log: deque[RequestRecord] = deque(maxlen=LOG_LIMIT)  # a long demo must not grow forever
        self.counters: Counter[str] = Counter()
        self.fault_counts: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self._minted = 0
        self._seed = seed
        self._t0 = time.monotonic()
        self._last_stamp = DATASET_NOW
        self.request_ids = 0
        self.devices = DeviceFlow(
            time_scale=time_scale,
            seed=seed,
            client_id=device_client_id,
            disabled_client_ids=("sandbox-disabled-client-id",),
            mint_token=self.mint_token,
        )

    # -- time -------------------------------------------------------------------------------------

    def stamp(self) -> int:
        """A timestamp for a change: the wall clock, never before the dataset's "now", strictly increasing."""
        t = max(int(time.time()), DATASET_NOW + int(time.monotonic() - self._t0))
        t = max(t, self._last_stamp + 1)
        self._last_stamp = t
        return t

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` real seconds, or less when the sandbox stops."""
        if seconds > 0:
            self.stopping.wait(seconds)

    # -- tokens and permissions -------------------------------------------------------------------

    def mint_token(self, scope: str) -> str:
        self._minted += 1
        token = f"gho_sandbox{self._seed:04d}{self._minted:06d}devicefl0w"
        scopes = tuple(s for s in scope.replace(",", " ").split() if s)
        self.tokens[token] = TokenInfo(login="ferris", scopes=scopes, permission="triage")
        self.data.ensure_user("ferris")
        return token

    def permission(self, caller: Caller, repo: Repo) -> Permission:
        if caller.token is None:
            return "read"
        have = caller.token.permission
        if repo.read_only and PERMISSION_ORDER.index(have) > PERMISSION_ORDER.index("read"):
            return "read"
        return have

    def can_write_scopes(self, caller: Caller) -> bool:
        """A classic token needs ``repo`` or ``public_repo`` to change anything."""
        token = caller.token
        if token is None:
            return False
        return token.fine_grained or bool({"repo", "public_repo"} & set(token.scopes))

    # -- label changes ----------------------------------------------------------------------------

    def resolve_label(self, repo: Repo, name: str) -> Label:
        """The repository's label called ``name`` (any case), created with GitHub's grey if missing."""
        label = repo.label(name)
        if label is None:
            label = self.data.new_label(repo, name, AUTO_LABEL_COLOR)
        return label

    def add_labels(self, repo: Repo, issue: Issue, names: Iterable[str]) -> bool:
        changed = False
        for name in names:
            label = self.resolve_label(repo, name)
            if not issue.has_label(label.name):
                issue.labels.append(label)
                changed = True
        if changed:
            issue.updated_at = self.stamp()
        return changed

    def remove_label(self, issue: Issue, name: str) -> bool:
        key = name.casefold()
        kept = [label for label in issue.labels if label.key != key]
        if len(kept) == len(issue.labels):
            return False
        issue.labels = kept
        issue.updated_at = self.stamp()
        return True

    def set_labels(self, repo: Repo, issue: Issue, names: Iterable[str]) -> bool:
        wanted: list[Label] = []
        for name in names:
            label = self.resolve_label(repo, name)
            if label not in wanted:
                wanted.append(label)
        if [label.id for label in wanted] == [label.id for label in issue.labels]:
            return False
        issue.labels = wanted
        issue.updated_at = self.stamp()
        return True

    def find_issue(self, full_name: str, number: int) -> tuple[Repo, Issue]:
        repo = self.data.repo(full_name)
        if repo is None:
            raise KeyError(f"no repository {full_name!r}")
        issue = repo.issues.get(number)
        if issue is None:
            raise KeyError(f"no issue {full_name}#{number}")
        return repo, issue

    # -- bookkeeping ------------------------------------------------------------------------------

    def next_request_id(self) -> str:
        self.request_ids += 1
        n = self.request_ids
        return f"{n % 0xFFFF:04X}:{n:05X}:{n * 7:07X}:{n * 13:07X}:{int(time.time()):08X}"

    def record(self, method: str, path: str, query: str, status: int, meta: RecordMeta) -> None:
        self.log.append(
            RequestRecord(
                method=method,
                path=path,
                query=query,
                status=status,
                counted=meta.counted,
                resource=meta.resource,
                login=meta.login,
                fault=meta.fault,
                at=time.time(),
            )
        )
        self.counters["requests"] += 1
        self.status_counts[status] += 1
        if status == 304:
            self.counters["not_modified"] += 1
        if meta.counted:
            self.counters["counted"] += 1

    def stats(self) -> dict[str, object]:
        return {
            "requests": self.counters["requests"],
            "counted": self.counters["counted"],
            "not_modified": self.counters["not_modified"],
            "mutations": self.counters["mutations"],
            "rate_limited": self.counters["rate_limited"],
            "faults": dict(self.fault_counts),
            "faults_total": sum(self.fault_counts.values()),
            "by_status": {str(k): v for k, v in sorted(self.status_counts.items())},
            "device_tokens_issued": self._minted,
        }


@dataclass(frozen=True, slots=True)
class RecordMeta:
    counted: bool = False
    resource: str | None = None
    login: str | None = None
    fault: str | None = None
