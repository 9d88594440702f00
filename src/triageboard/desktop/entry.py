"""``triageboard --install-desktop-entry``: the per-user menu entry, icons and AppStream metainfo (and their
removal), following the freedesktop.org specifications."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .. import resources

# Characters that force an Exec= argument into double quotes (Desktop Entry Specification, "Exec key").
_EXEC_RESERVED = frozenset(" \t\"'\\><~|&;$*?#()`")


def launch_command() -> list[str]:
    """How the menu entry starts the app: the way this process was started."""
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    # the console script next to this interpreter (a venv's bin/) is the one that belongs to this install
    sibling = Path(sys.executable).parent / ("triageboard.exe" if sys.platform == "win32" else "triageboard")
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return [os.path.abspath(sibling)]
    found = shutil.which("triageboard")
    if found:
        return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "triageboard"]


def exec_value(argv: list[str]) -> str:
    """An ``Exec=`` value for ``argv``, quoted and escaped as the Desktop Entry Specification asks."""
    parts = []
    for arg in argv:
        if any(c in "\n\r" for c in arg):
            raise ValueError(f"a desktop entry cannot start a path with a line break: {arg!r}")
        arg = arg.replace("%", "%%")
        if any(c in _EXEC_RESERVED for c in arg):
            arg = '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'
        parts.append(arg.replace("\\", "\\\\"))  # the value is itself an escaped string
    return " ".join(parts)


def desktop_entry(argv: list[str]) -> str:
    """The shipped desktop entry with ``Exec=``/``TryExec=`` pointing at ``argv``."""
    lines = []
    for line in resources.read_text(resources.DESKTOP_FILE).splitlines():
        if line.startswith(("Exec=", "TryExec=")):
            if line.startswith("Exec="):
                lines.append(f"TryExec={exec_value(argv[:1])}")
                lines.append(f"Exec={exec_value(argv)}")
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    # the XDG spec says to ignore a relative value
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def installed_files() -> dict[str, Path]:
    """Resource name -> where it goes under $XDG_DATA_HOME (the resource layout mirrors it)."""
    home = data_home()
    return {name: home.joinpath(*name.split("/")) for name in resources.all_resources()}


def install_desktop_entry() -> int:
    if sys.platform in ("win32", "darwin"):
        print("triageboard: menu entries are for Linux desktops; on this system use the installer.")
        return 1
    argv = launch_command()
    try:
        entry = desktop_entry(argv).encode()
        for name, target in installed_files().items():
            content = entry if name == resources.DESKTOP_FILE else resources.read_bytes(name)
            _write_atomically(target, content)
    except (OSError, ValueError) as exc:
        print(f"triageboard: could not install the menu entry: {exc}", file=sys.stderr)
        return 1
    home = data_home()
    _refresh_caches(home)
    print(f"Installed the menu entry, icons and metainfo under {home}")
    print(f"  {installed_files()[resources.DESKTOP_FILE]}")
    print(f"  Exec={exec_value(argv)}")
    print("Remove them with: triageboard --uninstall-desktop-entry")
    return 0


def uninstall_desktop_entry() -> int:
    if sys.platform in ("win32", "darwin"):
        print("triageboard: menu entries are for Linux desktops; nothing to remove here.")
        return 1
    removed, failed = 0, []
    for target in installed_files().values():
        try:
            target.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            failed.append(f"{target} ({exc.strerror})")
    if removed:
        _refresh_caches(data_home())
    if failed:
        print(f"triageboard: could not remove: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"Removed {removed} file(s) under {data_home()}" if removed else "Nothing to remove.")
    return 0


def _write_atomically(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, target)


def _refresh_caches(home: Path) -> None:
    """Tell the desktop about the change where the tools exist; their absence is fine."""
    for tool, args in (
        ("update-desktop-database", ["-q", str(home / "applications")]),
        ("gtk-update-icon-cache", ["-q", "-t", "-f", str(home / "icons" / "hicolor")]),
    ):
        found = shutil.which(tool)
        if found is None:
            continue
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run([found, *args], capture_output=True, timeout=30, check=False)
