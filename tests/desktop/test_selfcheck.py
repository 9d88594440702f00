"""`triageboard --version` and `--self-check`, run as the user would, and the checks' failure reasons."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked

from triageboard.desktop import selfcheck as desktop

REPO = Path(__file__).resolve().parents[2]


def run_triageboard(*args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return subprocess.run(
        [sys.executable, "-m", "triageboard", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def test_version_prints_the_project_version() -> None:
    with (REPO / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]
    result = run_triageboard("--version")
    assert result.returncode == 0
    assert result.stdout == f"triageboard {version}\n"


def test_self_check_passes_offscreen() -> None:
    result = run_triageboard(
        "--self-check", QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "\nQt           6." in out
    assert "\nplatform     offscreen (QT_QPA_PLATFORM=offscreen)" in out
    assert f"\ndata dir     {os.environ['XDG_DATA_HOME']}/triageboard\n" in out
    assert f"\nconfig dir   {os.environ['XDG_CONFIG_HOME']}/triageboard\n" in out
    assert "\nsandbox      ok" in out
    assert "\nresources    ok" in out
    # a keyring that cannot work is reported, and is not fatal
    assert "keyring      keyring.backends.fail.Keyring: NOT usable" in out
    assert "not fatal" in out
    assert out.endswith("result       ok\n")


def test_self_check_without_a_display_says_so_instead_of_aborting() -> None:
    result = run_triageboard("--self-check", QT_QPA_PLATFORM="xcb", DISPLAY=None)
    assert result.returncode == 1
    assert "DISPLAY is not set" in result.stdout
    assert "QT_QPA_PLATFORM=offscreen" in result.stdout  # says what to do
    assert "\nresult       " in result.stdout
    assert "problem(s)" in result.stdout


def test_a_platform_plugin_qt_does_not_have_is_named() -> None:
    reason = desktop.platform_problem("nosuchplatform")
    assert reason is not None
    assert "no 'nosuchplatform' platform plugin" in reason


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ],
)
def test_missing_library_names_a_debian_package(soname: str, package: str) -> None:
    assert desktop._debian_package(soname) == package


class _ProbeKeyring(KeyringBackend):
    # Every KeyringBackend subclass joins keyring's detection; a double must never be picked or chained
    # (with a plain priority it turned the real Secret Service into a ChainerBackend for the whole run).
    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("a test double, never a detected backend")

    def __init__(self, error: Exception | None = None, block: threading.Event | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.error, self.block, self.reads = error, block, 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        if self.block is not None:
            self.block.wait(10)
        if self.error is not None:
            raise self.error
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("the self-check must never store anything")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("the self-check must never delete anything")


UseKeyring = Callable[[KeyringBackend], None]


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> UseKeyring:
    def install(backend: KeyringBackend) -> None:
        monkeypatch.setattr("keyring.core._keyring_backend", backend)

    return install


def test_usable_keyring_is_probed_by_reading_only(use_keyring: UseKeyring) -> None:
    backend = _ProbeKeyring()
    use_keyring(backend)
    name, trouble = desktop.keyring_status()
    assert trouble is None
    assert name.endswith("_ProbeKeyring")
    assert backend.reads == 1


def test_locked_keyring_is_reported(use_keyring: UseKeyring) -> None:
    use_keyring(_ProbeKeyring(error=KeyringLocked("Failed to unlock the collection!")))
    _name, trouble = desktop.keyring_status()
    assert trouble == "KeyringLocked: Failed to unlock the collection!"


def test_hanging_keyring_times_out(use_keyring: UseKeyring) -> None:
    release = threading.Event()
    use_keyring(_ProbeKeyring(block=release))
    try:
        _name, trouble = desktop.keyring_status(timeout=0.2)
    finally:
        release.set()
    assert trouble == "no answer within 0.2 s"


@pytest.mark.keyring
def test_self_check_finds_the_secret_service() -> None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session bus (run under dbus-run-session with gnome-keyring-daemon --unlock)")
    result = run_triageboard("--self-check", QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND=None)
    assert "keyring      keyring.backends.SecretService.Keyring: usable\n" in result.stdout, result.stdout


def test_wayland_session_without_the_wayland_plugin_falls_back_to_x11(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the bundle ships no wayland plugin; Qt's default then falls back to xcb under XWayland
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(
        desktop,
        "_plugin_file",
        lambda name: f"libq{name}-absent.so" if name == "wayland" else f"libq{name}.so",
    )
    reason = desktop.platform_problem("")
    assert reason is not None
    # both tries are named: the missing wayland plugin and the xcb fallback's missing display
    assert "wayland: Qt has no 'wayland' platform plugin" in reason
    assert "xcb: no display: DISPLAY is not set" in reason
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(desktop, "_missing_libraries", lambda _library: [])
    assert desktop.platform_problem("") is None
    assert desktop.platform_problem("wayland") is not None
    assert desktop.platform_problem("wayland;xcb") is None
