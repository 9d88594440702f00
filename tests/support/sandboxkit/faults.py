"""Fault injection: what goes wrong, for which requests, how often, and the answers it gives."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

from triageboard.sandbox import _api
from triageboard.sandbox._http import Request, Response
from triageboard.sandbox._ratelimit import SECONDARY_DOCS, SECONDARY_MESSAGE
from triageboard.sandbox._rest import DOCS, RATE_DOCS, encode
from triageboard.sandbox._world import Caller, World

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
    ``count`` is how many responses are faulted (None: until ``reset_faults``). ``seconds`` are seconds on
    the sandbox's clock (a scaled clock's stalls are short; a fake clock's are real). With ``apply=True``
    the request is carried out first
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


_STATUS_MESSAGES = {
    400: "Bad Request",
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your "
    "request and contact us if the problem persists.",
}
_UNICORN = (
    "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Unicorn! · GitHub</title></head><body>"
    "<h1>This page is taking too long to load.</h1><p>Sorry about that. Please try refreshing and contact us "
    "if the problem persists.</p></body></html>\n"
).encode()


def fault_response(world: World, fault: Fault, request: Request) -> Response:
    """The answer a terminal fault gives instead of the real one."""
    with world.lock:
        request_id = world.next_request_id()
        headers = [("X-GitHub-Request-Id", request_id), *_api.rate_headers(world, request)]
        caller = _api.authenticate(world, request) or Caller(None, "")
        user = world.data.user(caller.login) if caller.login else None
        now = world.time()
    json_type = ("Content-Type", "application/json; charset=utf-8")
    kind = fault.kind
    if kind == "reset":
        return Response(0, reset=True)
    if kind == "status":
        status = fault.status or 502
        body = {
            "message": fault.message or _STATUS_MESSAGES.get(status, "Error"),
            "documentation_url": DOCS,
            "status": str(status),
        }
        return Response(status, [*headers, json_type], encode(body))
    if kind == "secondary":
        seconds = fault.seconds if fault.seconds is not None else DEFAULT_SECONDS["secondary"]
        if seconds > 0:
            headers.append(("Retry-After", str(max(1, math.ceil(seconds)))))
        body = {
            "message": fault.message or SECONDARY_MESSAGE.format(request_id=request_id),
            "documentation_url": SECONDARY_DOCS,
            "status": "403",
        }
        return Response(fault.status or 403, [*headers, json_type], encode(body))
    if kind == "rate429":
        seconds = fault.seconds if fault.seconds is not None else DEFAULT_SECONDS["rate429"]
        limit = next((v for k, v in headers if k == "x-ratelimit-limit"), "5000")
        resource = next((v for k, v in headers if k == "x-ratelimit-resource"), "core")
        headers = [h for h in headers if not h[0].startswith("x-ratelimit-")]
        headers += [
            ("x-ratelimit-limit", limit),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", str(math.ceil(now + seconds))),
            ("x-ratelimit-used", limit),
            ("x-ratelimit-resource", resource),
        ]
        who = f"user ID {user.id}" if user else request.client
        body = {
            "message": fault.message or f"API rate limit exceeded for {who}.",
            "documentation_url": RATE_DOCS,
            "status": "429",
        }
        return Response(429, [*headers, json_type], encode(body))
    if kind == "html":
        return Response(
            fault.status or 502, [*headers, ("Content-Type", "text/html; charset=utf-8")], _UNICORN
        )
    if kind == "malformed":
        return Response(
            fault.status or 200, [*headers, json_type], b'{"message": "this is not json", "items": [{'
        )
    if kind == "huge":
        size = fault.size if fault.size is not None else DEFAULT_HUGE_SIZE
        return Response(fault.status or 200, [*headers, json_type], stream=_huge_body(size), length=size)
    # Delay kinds never reach here: they are not terminal.
    raise AssertionError(kind)


def _huge_body(size: int) -> Iterator[bytes]:
    """A valid JSON document of exactly ``size`` bytes (at least 4): one very long string in a list."""
    size = max(size, 4)
    yield b'["'
    left = size - 4
    block = b"x" * 65536
    while left > 0:
        chunk = block[: min(left, len(block))]
        left -= len(chunk)
        yield chunk
    yield b'"]'


class Faults:
    """The test sandbox's fault calls (a mixin of ``sandboxkit.Sandbox``)."""

    _world: World
    _faults: FaultPlan
    _fault_counts: Counter[str]

    def inject(self, fault: Fault) -> None:
        with self._world.lock:
            self._faults.add(fault)

    def set_fault_rate(
        self,
        rate: float,
        kinds: Iterable[FaultKind] = ("status", "reset", "html"),
        *,
        seed: int | None = None,
        methods: Iterable[str] | None = None,
        path: str | None = None,
        statuses: Iterable[int] = (500, 502, 503),
    ) -> None:
        """Fault a random ``rate`` of requests (0 turns it off); the same seed and requests give the same
        faults. ``kinds`` get default parameters; ``status`` picks one of ``statuses``."""
        with self._world.lock:
            self._faults.set_rate(rate, kinds, seed, methods, path, statuses)

    def reset_faults(self) -> None:
        """Forget every injected fault and the random fault rate."""
        with self._world.lock:
            self._faults.reset()

    def pending_faults(self) -> list[dict[str, object]]:
        with self._world.lock:
            return self._faults.pending()
