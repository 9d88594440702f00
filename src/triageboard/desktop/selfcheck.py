"""``triageboard --self-check``: what the app runs on (Qt, platform plugin, keyring, directories, fonts) and
whether it can start, as aligned lines; exit code 0 when it can."""

from __future__ import annotations

import importlib
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from .. import __version__, paths, resources

KEYRING_TIMEOUT = 5.0


class _Report:
    """Prints one aligned line per check and remembers the problems that make the check fail."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def line(self, label: str, value: str) -> None:
        print(f"{label:<12} {value}", flush=True)

    def problem(self, label: str, reason: str) -> None:
        self.line(label, f"PROBLEM: {reason}")
        self.problems.append(f"{label}: {reason}")


def self_check() -> int:
    """Print what the app runs on and whether it can start; 0 when it can, 1 with the reasons otherwise.

    Keyring trouble is reported but not fatal: the app still works with GH_TOKEN/GITHUB_TOKEN.
    """
    report = _Report()
    report.line("triageboard", __version__)
    report.line("python", f"{platform.python_version()} ({sys.executable})")
    frozen = getattr(sys, "frozen", False)
    report.line("bundle", f"frozen ({getattr(sys, '_MEIPASS', '?')})" if frozen else "no (a Python install)")
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        report.line("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})")
    except ImportError as exc:
        report.problem("Qt", f"PySide6 does not import ({exc}); reinstall triageboard")
        return _finish(report)

    missing = resources.missing_resources()
    if missing:
        report.problem("resources", f"missing {', '.join(missing)}; the install or bundle is incomplete")
    else:
        report.line("resources", f"ok ({len(resources.all_resources())} files in {resources.root()})")

    for label, module in (("app", "triageboard.app"), ("scripting", "triageboard.cli")):
        _check_import(report, label, module)
    _check_import(report, "sandbox", "triageboard.sandbox", attribute="Sandbox")

    for label, directory in (
        ("data dir", paths.data_dir),
        ("config dir", paths.config_dir),
        ("cache dir", paths.cache_dir),
        ("log dir", paths.log_dir),
    ):
        _check_directory(report, label, directory)

    backend, trouble = keyring_status()
    if trouble is None:
        report.line("keyring", f"{backend}: usable")
    else:
        report.line(
            "keyring",
            f"{backend}: NOT usable: {trouble} (not fatal: sign-in cannot save the token; "
            "set GH_TOKEN or GITHUB_TOKEN instead)",
        )

    _check_platform(report)
    return _finish(report)


def _finish(report: _Report) -> int:
    if not report.problems:
        print("result       ok", flush=True)
        return 0
    print(f"result       {len(report.problems)} problem(s):", flush=True)
    for problem in report.problems:
        print(f"  - {problem}", flush=True)
    return 1


def _check_import(report: _Report, label: str, module: str, attribute: str | None = None) -> None:
    try:
        loaded = importlib.import_module(module)
        if attribute is not None:
            getattr(loaded, attribute)
    except Exception as exc:  # any import-time failure is what this check is for
        report.problem(label, f"{module} does not import ({type(exc).__name__}: {exc})")
    else:
        report.line(label, f"ok ({module})")


def _check_directory(report: _Report, label: str, directory: Callable[[], Path]) -> None:
    try:
        path = directory()
    except OSError as exc:
        report.problem(label, f"cannot create it ({exc.strerror}: {exc.filename})")
        return
    if not os.access(path, os.W_OK):
        report.problem(label, f"{path} is not writable; fix its permissions")
    else:
        report.line(label, str(path))


def keyring_status(timeout: float = KEYRING_TIMEOUT) -> tuple[str, str | None]:
    """The keyring backend's name and why it cannot be used (None when it can).

    Only reads an entry that never exists; stores nothing. Runs in a thread with a timeout because the
    D-Bus call can hang (e.g. with no $HOME).
    """
    outcome: list[tuple[str, str | None]] = []

    def probe() -> None:
        try:
            import keyring
            from keyring.backends import fail

            backend = keyring.get_keyring()
            name = _backend_name(backend)
            if type(backend).__module__.startswith("keyrings.alt"):
                outcome.append((name, "a plaintext-file backend from keyrings.alt; uninstall keyrings.alt"))
                return
            if isinstance(backend, fail.Keyring):
                outcome.append((name, "no backend found (no Secret Service on the D-Bus session bus?)"))
                return
            backend.get_password("triageboard-self-check", "probe")
            outcome.append((name, None))
        except Exception as exc:  # keyring and D-Bus raise many unrelated types
            outcome.append((_backend_name_safe(), f"{type(exc).__name__}: {exc}"))

    thread = threading.Thread(target=probe, name="keyring-self-check", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        return _backend_name_safe(), f"no answer within {timeout:g} s"
    return outcome[0]


def _backend_name(backend: object) -> str:
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    inner = getattr(backend, "backends", None)
    if isinstance(inner, list | tuple) and inner:
        name += " [" + ", ".join(_backend_name(b) for b in inner) + "]"
    return name


def _backend_name_safe() -> str:
    env = os.environ.get("PYTHON_KEYRING_BACKEND")
    return env or "keyring"


def _plugin_dirs() -> list[Path]:
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    candidates = [QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)]
    candidates += os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep)
    candidates += QCoreApplication.libraryPaths()
    found: list[Path] = []
    for candidate in candidates:
        path = Path(candidate) if candidate else None
        if path is not None and (path / "platforms").is_dir() and path not in found:
            found.append(path)
    return found


def _plugin_file(name: str) -> str:
    if sys.platform == "win32":
        return f"q{name}.dll"
    return f"libq{name}.dylib" if sys.platform == "darwin" else f"libq{name}.so"


def _debian_package(soname: str) -> str:
    """A guess at the Debian package that ships a library: libxcb-icccm.so.4 -> libxcb-icccm4."""
    base, _, version = soname.partition(".so.")
    return (base + ("-" if base[-1:].isdigit() else "") + version).lower()


def platform_problem(requested: str) -> str | None:
    """Why Qt could not start with ``QT_QPA_PLATFORM=requested`` ("" = Qt's default), if it could not.

    Qt ends the process when no platform plugin starts, so the check looks before it leaps. A list
    ("wayland;xcb") works when any of its plugins would.
    """
    if sys.platform in ("win32", "darwin"):
        return None
    names = [name.split(":")[0] for name in requested.split(";") if name]
    if not names:
        # Qt's own default: Wayland first in a Wayland session, falling back to X11 (XWayland)
        names = ["wayland", "xcb"] if os.environ.get("XDG_SESSION_TYPE") == "wayland" else ["xcb"]
    problems = [_plugin_problem(name) for name in names]
    if None in problems:
        return None
    if len(names) == 1:
        return problems[0]
    return "; ".join(f"{name}: {problem}" for name, problem in zip(names, problems, strict=True))


def _plugin_problem(name: str) -> str | None:
    plugin = None
    dirs = _plugin_dirs()
    for directory in dirs:
        if (directory / "platforms" / _plugin_file(name)).is_file():
            plugin = directory / "platforms" / _plugin_file(name)
            break
    if dirs and plugin is None:
        where = ", ".join(str(d / "platforms") for d in dirs)
        return f"Qt has no '{name}' platform plugin (looked in {where}); try QT_QPA_PLATFORM=xcb"
    if name == "xcb" and not os.environ.get("DISPLAY"):
        return (
            "no display: DISPLAY is not set; run it in a desktop session, under Xvfb, "
            "or with QT_QPA_PLATFORM=offscreen for a headless check"
        )
    if name == "wayland" and not os.environ.get("WAYLAND_DISPLAY"):
        return "no Wayland display: WAYLAND_DISPLAY is not set; try QT_QPA_PLATFORM=xcb"
    if name == "xcb" and plugin is not None and shutil.which("ldd"):
        missing = _missing_libraries(plugin)
        if missing:
            packages = " ".join(_debian_package(lib) for lib in missing)
            return (
                f"the xcb platform plugin needs libraries that are not installed: {', '.join(missing)} "
                f"(on Debian/Ubuntu: apt install {packages})"
            )
    return None


def _missing_libraries(library: Path) -> list[str]:
    try:
        out = subprocess.run(
            ["ldd", str(library)], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return re.findall(r"^\s*(\S+) => not found", out, flags=re.MULTILINE)


def _check_platform(report: _Report) -> None:
    from PySide6.QtGui import QFontDatabase, QGuiApplication

    requested = os.environ.get("QT_QPA_PLATFORM", "")
    shown = f"QT_QPA_PLATFORM={requested}" if requested else "QT_QPA_PLATFORM unset"
    app = QGuiApplication.instance()
    if app is None:
        reason = platform_problem(requested)
        if reason is not None:
            report.problem("platform", f"{shown}: {reason}")
            return
        # Qt aborts the process with its own message if the plugin still fails; say what was tried first.
        report.line("platform", f"starting Qt ({shown}) ...")
        app = QGuiApplication([sys.argv[0] if sys.argv else "triageboard"])
    screen = QGuiApplication.primaryScreen()
    size = screen.size() if screen is not None else None
    screens = f"{size.width()}x{size.height()}" if size is not None else "no screen"
    families = len(QFontDatabase.families())
    report.line("platform", f"{QGuiApplication.platformName()} ({shown}), screen {screens}")
    if families == 0:
        report.problem("fonts", "no fonts found: text would render as boxes; install fonts-dejavu-core")
    else:
        report.line("fonts", f"{families} families")
