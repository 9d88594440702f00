"""The shipped .desktop and AppStream files are well-formed, valid, and agree with the package."""

from __future__ import annotations

import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

from desktop_files import parse_desktop, tool, validate_desktop_file

from triageboard import APP_ID, resources
from triageboard.ui.about import HOMEPAGE

REPO = Path(__file__).resolve().parents[2]


def _pyproject() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]  # type: ignore[no-any-return]


def test_desktop_entry_names_the_app_and_its_icon() -> None:
    entry = parse_desktop(resources.read_text(resources.DESKTOP_FILE))
    assert entry["Type"] == "Application"
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "triageboard"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


def test_metainfo_agrees_with_the_package() -> None:
    root = ET.fromstring(resources.read_bytes(resources.METAINFO_FILE))  # noqa: S314 (our own file)
    assert root.tag == "component"
    assert root.attrib["type"] == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == f"{APP_ID}.desktop"
    assert root.findtext("icon[@type='stock']") == APP_ID
    assert root.findtext("provides/binary") == "triageboard"
    project = _pyproject()
    # the newest release must be the version being shipped: bumping the version needs a release note
    assert root.find("releases/release").attrib["version"] == project["version"]  # type: ignore[union-attr]
    licence = project["license"]  # a table {text = "MIT"} today; an SPDX string in newer setuptools
    assert root.findtext("project_license") == (licence if isinstance(licence, str) else licence["text"])  # type: ignore[index]
    assert root.findtext("url[@type='homepage']") == project["urls"]["Homepage"] == HOMEPAGE  # type: ignore[index]


def test_desktop_entry_is_valid(tmp_path: Path) -> None:
    path = tmp_path / f"{APP_ID}.desktop"
    path.write_text(resources.read_text(resources.DESKTOP_FILE))
    validate_desktop_file(path)


def test_metainfo_is_valid(tmp_path: Path) -> None:
    path = tmp_path / f"{APP_ID}.metainfo.xml"
    path.write_bytes(resources.read_bytes(resources.METAINFO_FILE))
    result = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
