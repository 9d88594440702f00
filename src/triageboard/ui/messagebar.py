"""The message bar above the board: what happened and what to do, until dismissed."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

STYLES = {
    "error": "QFrame#messageBar { background: #ffebe9; border: 1px solid #cf222e; border-radius: 4px; }",
    "warning": "QFrame#messageBar { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 4px; }",
    "info": "QFrame#messageBar { background: #ddf4ff; border: 1px solid #54aeff; border-radius: 4px; }",
}
INFO_TIMEOUT_MS = 8000


_RANK = {"info": 0, "warning": 1, "error": 2}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setObjectName("messageText")
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.level = ""
        self.source = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def show_message(self, level: str, text: str, source: str = "") -> None:
        """``source`` names what reported it (e.g. "refresh"), so that its recovery can retract it."""
        # An error stays on screen, and a warning stays over a passing notice: neither is hidden by less.
        if self.isVisible() and _RANK.get(self.level, 0) > _RANK.get(level, 0):
            return
        self.level = level
        self.source = source
        self.text.setText(text)
        self.setStyleSheet(STYLES.get(level, STYLES["info"]))
        self.show()
        if level == "info":
            self._timer.start(INFO_TIMEOUT_MS)
        else:
            self._timer.stop()

    def retract(self, source: str) -> None:
        """Hide the message if ``source`` reported it: what went wrong there has recovered."""
        if source and self.isVisible() and self.source == source:
            self.dismiss()

    def dismiss(self) -> None:
        self._timer.stop()
        self.level = ""
        self.source = ""
        self.text.clear()
        self.hide()
