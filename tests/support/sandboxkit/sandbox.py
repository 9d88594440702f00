"""The test sandbox: the shipped one, plus faults, the control API, the device flow and admin calls."""

from __future__ import annotations

from collections import Counter

from triageboard.clock import Clock
from triageboard.sandbox import DEFAULT_LOGIN, DEFAULT_TOKEN
from triageboard.sandbox import Sandbox as DemoSandbox
from triageboard.sandbox._http import Request, Response

from . import device
from .admin import Accounts, IssueAdmin, Observation
from .control import ControlApi
from .device import DEVICE_FLOW_CLIENT_ID, DISABLED_DEVICE_FLOW_CLIENT_ID, DeviceControls, DeviceFlow
from .faults import FaultPlan, Faults, fault_response


class Sandbox(Faults, DeviceControls, Accounts, IssueAdmin, Observation, DemoSandbox):
    """``triageboard.sandbox.Sandbox`` for tests.

    Fault ``seconds`` (latency, timeout, ``retry-after``, 429 reset) and the device flow's interval (5 s)
    and expiry (900 s) are on the sandbox's ``clock`` too. ``auto_approve_after_polls``: None, a person
    approves a device (``approve_device`` or the ``/login/device`` page); N, the flow approves after N
    pending polls.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        seed: int = 1,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_issues: int = 0,
        login: str = DEFAULT_LOGIN,
        auto_approve_after_polls: int | None = None,
    ) -> None:
        super().__init__(
            token,
            seed=seed,
            clock=clock,
            host=host,
            port=port,
            extra_issues=extra_issues,
            login=login,
        )
        world = self._world
        self._faults = FaultPlan()
        self._fault_counts: Counter[str] = Counter()
        self._devices = DeviceFlow(
            seed=seed,
            client_id=DEVICE_FLOW_CLIENT_ID,
            disabled_client_ids=(DISABLED_DEVICE_FLOW_CLIENT_ID,),
            mint_token=lambda scope: device.mint_token(world, seed, scope),
            clock=world.monotonic,
        )
        self._devices.auto_approve_after_polls = auto_approve_after_polls
        self._control = ControlApi(self)

    def wall(self, seconds: float) -> float:
        """The real seconds that ``seconds`` of the sandbox's clock take (a scaled clock's are shorter)."""
        return seconds * float(getattr(self.clock, "scale", 1.0))

    def _app(self, request: Request) -> Response:
        """Control requests first (never faulted or logged); then faults around the real answer."""
        try:
            segments = request.segments
        except UnicodeDecodeError:
            segments = []
        if segments[:1] == ["_sandbox"]:
            return self._control.answer(request, segments[1:])
        world = self._world
        with world.lock:
            delays, fault = self._faults.pick(request.method, request.target)
            for applied in (*delays, *([fault] if fault else [])):
                self._fault_counts[applied.kind] += 1
        world.sleep(sum(d.delay for d in delays))
        if world.stopping.is_set():
            return Response(503, reset=True)
        response: Response | None = None
        if fault is None or fault.apply:
            response = self._serve(request)
        if fault is not None:
            kept = response
            response = fault_response(world, fault, request)
            if kept is not None:
                response.counted, response.resource, response.login = kept.counted, kept.resource, kept.login
        assert response is not None
        response.fault = fault.kind if fault else (delays[0].kind if delays else None)
        self._record(request, response)
        return response

    def _web(self, request: Request, segments: list[str]) -> Response:
        answer = device.handle(self._world, self._devices, request, segments)
        return answer if answer is not None else super()._web(request, segments)
