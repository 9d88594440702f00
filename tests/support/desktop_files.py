"""Reading and validating freedesktop.org desktop entries (shared by the packaging and desktop tests)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest


def parse_desktop(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return dict(parser["Desktop Entry"])


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: desktop-file-utils / appstream)")
    return path


def validate_desktop_file(path: Path) -> None:
    result = subprocess.run([tool("desktop-file-validate"), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not result.stdout.strip()  # no warnings either
