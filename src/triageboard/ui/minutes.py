"""The meeting's minutes: the Markdown text as it will be pasted or saved (plain text here: nothing in it is
rendered or fetched), with Copy and Save as….

Writing the file is the one disk access of the UI; it is small and asked for by the user. A failure is said
in the dialog and nothing else changes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..reporting import MinutesNotSaved
from ..wording import describe


class MinutesDialog(QDialog):
    def __init__(self, text: str, suggested_name: str = "minutes.md", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Meeting minutes")
        self.resize(760, 640)
        self.text = text
        self.suggested_name = suggested_name
        self.view = QPlainTextEdit()
        self.view.setObjectName("minutesText")
        self.view.setReadOnly(True)
        self.view.setPlainText(text)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        self.save_button = QPushButton("&Save as…")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self.ask_where_to_save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)
        self.status.setText("Copied to the clipboard as Markdown.")

    def ask_where_to_save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the minutes", str(Path.home() / self.suggested_name), "Markdown (*.md);;All files (*)"
        )
        if name:
            self.save(Path(name))

    def save(self, path: Path) -> bool:
        """Write the minutes to ``path`` (UTF-8); False when that failed (said in the dialog)."""
        if not path.suffix:
            path = path.with_suffix(".md")
        try:
            path.write_text(self.text, encoding="utf-8")
        except OSError as exc:
            self.status.setText(describe(MinutesNotSaved(str(path), exc.strerror or str(exc))))
            return False
        self.status.setText(f"Saved to {path}.")
        return True


def open_minutes(text: str, suggested_name: str, parent: QWidget | None = None) -> MinutesDialog:
    dialog = MinutesDialog(text, suggested_name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
