"""``python -m triageboard.sandbox``: one line on stdout, serves, exits 0 on SIGTERM or SIGINT."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

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
