"""The About dialog shows the icon, the version, Qt's version, the licence and the home page."""

from __future__ import annotations

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from triageboard import __version__
from triageboard.ui.about import HOMEPAGE, AboutDialog, show_about


def _texts(dialog: QWidget) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel)]


def test_about_shows_versions_licence_and_link(qtbot: QtBot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    texts = _texts(dialog)
    assert f"TriageBoard {__version__}" in texts
    assert any(f"Qt {qVersion()}" in t for t in texts)
    assert "Licence: MIT" in texts
    assert HOMEPAGE in dialog.link.text()
    assert dialog.link.openExternalLinks()
    assert not dialog.windowIcon().isNull()
    pictures = [label for label in dialog.findChildren(QLabel) if not label.pixmap().isNull()]
    assert len(pictures) == 1


def test_show_about_opens_a_modal_dialog_that_closes(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog = show_about(parent)
    assert dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    with qtbot.waitSignal(dialog.destroyed):
        dialog.reject()
