"""The About dialog: icon, version, Qt version, licence, home page."""

from __future__ import annotations

import html
import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import __version__
from ..resources import app_icon

APP_DISPLAY_NAME = "TriageBoard"
HOMEPAGE = "https://github.com/triageboard/triageboard"
LICENCE = "MIT"


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle(f"About {APP_DISPLAY_NAME}")
        icon = app_icon()
        self.setWindowIcon(icon)

        picture = QLabel()
        picture.setPixmap(icon.pixmap(64, 64))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)

        title = QLabel(f"{APP_DISPLAY_NAME} {__version__}")
        title.setObjectName("about-title")
        title.setTextFormat(Qt.TextFormat.PlainText)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)

        summary = QLabel("Triage GitHub issues on a kanban board: drag a card, relabel the issue.")
        summary.setTextFormat(Qt.TextFormat.PlainText)
        summary.setWordWrap(True)

        self.versions = QLabel(
            f"Qt {qVersion()} · PySide6 {PySide6.__version__} · Python {platform.python_version()}"
        )
        self.versions.setObjectName("about-versions")
        self.versions.setTextFormat(Qt.TextFormat.PlainText)
        self.versions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        licence = QLabel(f"Licence: {LICENCE}")
        licence.setTextFormat(Qt.TextFormat.PlainText)

        # our own constant text, so rich text is safe here
        self.link = QLabel(f'<a href="{html.escape(HOMEPAGE)}">{html.escape(HOMEPAGE)}</a>')
        self.link.setObjectName("about-link")
        self.link.setTextFormat(Qt.TextFormat.RichText)
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        text = QVBoxLayout()
        for widget in (title, summary, self.versions, licence, self.link):
            text.addWidget(widget)
        text.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(picture)
        row.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)


def show_about(parent: QWidget | None) -> AboutDialog:
    """Open the About dialog (modal to ``parent``) and return it; it deletes itself when closed."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
