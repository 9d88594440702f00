"""Resources load through importlib.resources from inside the package, and the icons are what they claim."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import triageboard
from triageboard import APP_ID, resources


def test_every_resource_is_package_data() -> None:
    assert resources.missing_resources() == []
    package_dir = Path(triageboard.__file__).parent
    # one code path: the files come from the package itself, not from the repository's resources/
    assert Path(str(resources.root())) == package_dir / "resources"


@pytest.mark.parametrize("size", resources.ICON_SIZES)
def test_png_icons_have_their_size(size: int) -> None:
    data = resources.icon_path(size).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, _depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert (width, height) == (size, size)
    assert colour_type == 6  # RGBA: transparent corners


def test_svg_icon_is_square_and_named_by_id() -> None:
    path = resources.icon_path(None)
    assert path.name == f"{APP_ID}.svg"
    root = ET.fromstring(path.read_bytes())  # noqa: S314 (our own file)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _x, _y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert width == height


def test_read_text_reads_the_desktop_entry() -> None:
    assert resources.read_text(resources.DESKTOP_FILE).startswith("[Desktop Entry]\n")


@pytest.mark.parametrize("name", ["../__init__.py", "/etc/passwd", "icons//x", ""])
def test_resource_names_cannot_leave_the_package(name: str) -> None:
    with pytest.raises(ValueError, match="not a resource name"):
        resources.resource(name)


def test_unknown_icon_size_is_refused() -> None:
    with pytest.raises(ValueError, match="no 20 px icon"):
        resources.icon_path(20)


def test_app_icon_has_every_size(qapp: object) -> None:
    icon = resources.app_icon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert sizes == {(s, s) for s in resources.ICON_SIZES}
