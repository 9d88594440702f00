"""``python -m triageboard.sandbox`` (and the test sandbox, ``python -m sandboxkit``): one line on stdout,
serves, exits 0 on SIGTERM or SIGINT."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import triageboard.sandbox

SUPPORT = Path(__file__).resolve().parent.parent / "support"

LINE = re.compile(r"triageboard sandbox: API (http://127\.0\.0\.1:(\d+)/api/v3) token (\S+)\n")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_its_line_serves_and_exits_cleanly(stop_signal: signal.Signals) -> None:
    command = [sys.executable, "-m", "triageboard.sandbox", "--port", "0", "--token", "cli-token"]
    command += ["--seed", "3", "--time-scale", "0.01"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = LINE.fullmatch(line)
            assert match, line
            api_url, _, token = match.groups()
            assert token == "cli-token"
            request = urllib.request.Request(f"{api_url}/user", headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert json.load(response)["login"] == "ferris"
            process.send_signal(stop_signal)
            out, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, err
    assert out == ""  # exactly one line in all
    assert "Traceback" not in err


def test_cli_reports_a_port_in_use() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "triageboard.sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "cannot listen" in result.stderr


def _serve(command: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = LINE.fullmatch(line)
    if match is None:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"{line!r} {err}")
    return process, match.group(1), match.group(3)


def _get(url: str, data: bytes | None = None) -> tuple[int, object]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, None


def test_the_test_sandbox_runs_as_a_process_with_its_control_api() -> None:
    """``PYTHONPATH=tests/support python -m sandboxkit``: the same line, plus /_sandbox/ and the device
    flow."""
    env = {**os.environ, "PYTHONPATH": str(SUPPORT)}
    process, api_url, token = _serve(
        [sys.executable, "-m", "sandboxkit", "--port", "0", "--auto-approve", "2"], env
    )
    try:
        web = api_url.removesuffix("/api/v3")
        assert token == "tb-demo-token"
        assert _get(f"{web}/_sandbox/device") == (200, {"pending": [], "auto_approve_after_polls": 2})
        body = json.dumps({"kind": "status", "status": 503, "path": "/rate_limit"}).encode()
        assert _get(f"{web}/_sandbox/faults", body)[0] == 200
        assert _get(f"{api_url}/rate_limit")[0] == 503
        status, stats = _get(f"{web}/_sandbox/stats")
        assert status == 200
        assert isinstance(stats, dict)
        assert stats["faults"] == {"status": 1}
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


def test_the_shipped_sandbox_has_no_test_parts() -> None:
    """No control API, no device flow, no fault modules in what users receive."""
    process, api_url, _ = _serve([sys.executable, "-m", "triageboard.sandbox", "--port", "0"])
    try:
        web = api_url.removesuffix("/api/v3")
        assert _get(f"{web}/_sandbox/stats")[0] == 404
        assert _get(f"{web}/login/device/code", b"{}")[0] == 404
        assert _get(f"{api_url}/rate_limit")[0] == 200
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    shipped = {path.name for path in Path(triageboard.sandbox.__file__).parent.iterdir()}
    assert not {name for name in shipped if any(w in name for w in ("fault", "control", "device", "admin"))}
