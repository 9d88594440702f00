"""Fault injection: what goes wrong, for which requests, how often."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

FaultKind = Literal[
    "status", "reset", "timeout", "latency", "secondary", "rate429", "html", "malformed", "huge"
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)

# Kinds that only delay a request; it is then answered (or faulted by a terminal kind) as usual.
DELAY_KINDS: frozenset[str] = frozenset({"latency", "timeout"})

DEFAULT_SECONDS: dict[str, float] = {"latency": 1.0, "timeout": 30.0, "secondary": 60.0, "rate429": 60.0}
DEFAULT_HUGE_SIZE = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault rule.

    ``kind``: ``status`` (a JSON error with ``status``, default 502), ``reset`` (close the connection without
    an answer), ``timeout`` / ``latency`` (stall ``seconds``, default 30 / 1, then answer), ``secondary``
    (403, secondary rate limit, ``retry-after``), ``rate429`` (429 with ``x-ratelimit-remaining: 0``),
    ``html`` (502 with an HTML page), ``malformed`` (200 with invalid JSON), ``huge`` (200 with a
    ``size``-byte body, default 50 MB, streamed).

    ``method`` and ``path`` select requests: ``path`` is a regular expression searched (``re.search``) in the
    raw request target, path and query, still percent-encoded (``/api/v3/repos/o/r/issues?page=2``).
    ``count`` is how many responses are faulted (None: until ``reset_faults``). ``seconds`` are GitHub
    seconds, multiplied by the sandbox's ``time_scale``. With ``apply=True`` the request is carried out first
    (a label really changes) and only its answer is replaced: a lost response.
    """

    kind: FaultKind
    status: int | None = None
    method: str | None = None
    path: str | None = None
    count: int | None = 1
    seconds: float | None = None
    size: int | None = None
    message: str | None = None
    apply: bool = False

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"not an HTTP status: {self.status}")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1 (or None for no limit)")
        if self.path is not None:
            re.compile(self.path)

    @property
    def delay(self) -> float:
        """The stall in GitHub seconds (latency and timeout kinds)."""
        if self.kind not in DELAY_KINDS:
            return 0.0
        return self.seconds if self.seconds is not None else DEFAULT_SECONDS[self.kind]

    def matches(self, method: str, target: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, target) is not None

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Fault:
        """A fault from the control API's JSON (the field names of this class)."""
        unknown = set(data) - {
            "kind",
            "status",
            "method",
            "path",
            "count",
            "seconds",
            "size",
            "message",
            "apply",
        }
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")

        def opt_int(key: str) -> int | None:
            value = data.get(key)
            if value is None or (isinstance(value, int) and not isinstance(value, bool)):
                return value
            raise ValueError(f"{key} must be an integer")

        def opt_str(key: str) -> str | None:
            value = data.get(key)
            if value is None or isinstance(value, str):
                return value
            raise ValueError(f"{key} must be a string")

        seconds = data.get("seconds")
        if seconds is not None and (not isinstance(seconds, int | float) or isinstance(seconds, bool)):
            raise ValueError("seconds must be a number")
        count = data.get("count", 1)
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            raise ValueError("count must be an integer or null")
        return cls(
            kind=kind,
            status=opt_int("status"),
            method=opt_str("method"),
            path=opt_str("path"),
            count=count,
            seconds=None if seconds is None else float(seconds),
            size=opt_int("size"),
            message=opt_str("message"),
            apply=bool(data.get("apply", False)),
        )


@dataclass(slots=True)
class _Active:
    fault: Fault
    remaining: int | None


@dataclass(slots=True)
class _RandomFaults:
    rate: float
    kinds: tuple[FaultKind, ...]
    rng: random.Random
    methods: frozenset[str] | None
    path: str | None
    statuses: tuple[int, ...]


@dataclass(slots=True)
class FaultPlan:
    """The active faults; not thread-safe on its own (the sandbox's lock guards it)."""

    _active: list[_Active] = field(default_factory=list)
    _random: _RandomFaults | None = None

    def add(self, fault: Fault) -> None:
        self._active.append(_Active(fault, fault.count))

    def reset(self) -> None:
        self._active.clear()
        self._random = None

    def set_rate(
        self,
        rate: float,
        kinds: Iterable[FaultKind],
        seed: int | None,
        methods: Iterable[str] | None,
        path: str | None,
        statuses: Iterable[int],
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        chosen = tuple(kinds)
        for kind in chosen:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        if rate == 0 or not chosen:
            self._random = None
            return
        if path is not None:
            re.compile(path)
        self._random = _RandomFaults(
            rate=rate,
            kinds=chosen,
            rng=random.Random(seed),
            methods=None if methods is None else frozenset(m.upper() for m in methods),
            path=path,
            statuses=tuple(statuses) or (502,),
        )

    def pending(self) -> list[dict[str, object]]:
        return [{**a.fault.to_json(), "remaining": a.remaining} for a in self._active]

    def pick(self, method: str, target: str) -> tuple[list[Fault], Fault | None]:
        """The delays and the (at most one) terminal fault for a request; uses up their counts."""
        delays: list[Fault] = []
        terminal: Fault | None = None
        for active in list(self._active):
            fault = active.fault
            if not fault.matches(method, target):
                continue
            if fault.kind in DELAY_KINDS:
                delays.append(fault)
            elif terminal is None:
                terminal = fault
            else:
                continue
            if active.remaining is not None:
                active.remaining -= 1
                if active.remaining <= 0:
                    self._active.remove(active)
        rnd = self._random
        eligible = rnd is not None and (rnd.methods is None or method.upper() in rnd.methods)
        if rnd is not None and eligible and (rnd.path is None or re.search(rnd.path, target)):
            # Draw for every eligible request, so a seed gives the same faults for the same requests.
            roll = rnd.rng.random()
            kind = rnd.rng.choice(rnd.kinds)
            status = rnd.rng.choice(rnd.statuses)
            if roll < rnd.rate:
                fault = Fault(kind=kind, status=status if kind == "status" else None)
                if kind in DELAY_KINDS:
                    delays.append(fault)
                elif terminal is None:
                    terminal = fault
        return delays, terminal
