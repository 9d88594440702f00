"""--install-desktop-entry puts the entry, icons and metainfo under $XDG_DATA_HOME; uninstall removes them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from desktop_files import parse_desktop, validate_desktop_file

from triageboard import APP_ID, resources
from triageboard.desktop import entry as desktop


@pytest.fixture
def data_home() -> Path:
    # tests/conftest.py points XDG_DATA_HOME at a fresh directory for every test
    return Path(os.environ["XDG_DATA_HOME"])


def test_install_then_uninstall(data_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert desktop.install_desktop_entry() == 0
    entry_path = data_home / "applications" / f"{APP_ID}.desktop"
    entry = parse_desktop(entry_path.read_text())
    assert entry["Exec"] == desktop.exec_value(desktop.launch_command())
    assert entry["Icon"] == APP_ID
    for size in resources.ICON_SIZES:
        png = data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png.read_bytes() == resources.icon_path(size).read_bytes()
    svg = data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert svg.read_bytes() == resources.icon_path(None).read_bytes()
    metainfo = data_home / "metainfo" / f"{APP_ID}.metainfo.xml"
    assert metainfo.read_bytes() == resources.read_bytes(resources.METAINFO_FILE)
    assert not list(data_home.rglob("*.partial"))
    validate_desktop_file(entry_path)
    capsys.readouterr()

    assert desktop.uninstall_desktop_entry() == 0
    ours = [p for p in data_home.rglob("*") if p.is_file() and p.name.startswith(APP_ID)]
    assert ours == []
    assert "Removed 11 file(s)" in capsys.readouterr().out
    assert desktop.uninstall_desktop_entry() == 0
    assert "Nothing to remove" in capsys.readouterr().out


def test_frozen_app_entry_points_at_the_bundle(
    monkeypatch: pytest.MonkeyPatch, data_home: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "Triage Board $1" / "triageboard"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle))
    assert desktop.launch_command() == [str(bundle)]
    assert desktop.install_desktop_entry() == 0
    text = (data_home / "applications" / f"{APP_ID}.desktop").read_text()
    quoted = f'"{tmp_path}/Triage Board \\\\$1/triageboard"'
    assert f"\nExec={quoted}\n" in text
    assert f"\nTryExec={quoted}\n" in text
    validate_desktop_file(data_home / "applications" / f"{APP_ID}.desktop")


def test_venv_entry_uses_the_script_next_to_the_interpreter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "triageboard"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    assert desktop.launch_command() == [str(script)]


def test_without_a_script_the_entry_runs_the_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python3"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert desktop.launch_command() == [str(tmp_path / "python3"), "-m", "triageboard"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/usr/bin/triageboard"], "/usr/bin/triageboard"),
        (["/opt/x/python", "-m", "triageboard"], "/opt/x/python -m triageboard"),
        (["/opt/My Apps/tb"], '"/opt/My Apps/tb"'),
        (["/opt/100%/tb"], "/opt/100%%/tb"),
        (['/opt/a"b/tb'], '"/opt/a\\\\"b/tb"'),
        (["/opt/a`b/tb"], '"/opt/a\\\\`b/tb"'),
        (["/opt/a\\b/tb"], '"/opt/a\\\\\\\\b/tb"'),
    ],
)
def test_exec_value_quotes_as_the_spec_asks(argv: list[str], expected: str) -> None:
    assert desktop.exec_value(argv) == expected


def test_exec_value_refuses_a_line_break() -> None:
    with pytest.raises(ValueError, match="line break"):
        desktop.exec_value(["/opt/a\nb"])


def test_install_reports_an_unwritable_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert desktop.install_desktop_entry() == 1
    assert "could not install the menu entry" in capsys.readouterr().err


def test_relative_xdg_data_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop.data_home() == tmp_path / ".local" / "share"
