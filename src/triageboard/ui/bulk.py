"""A bulk move's progress in the status bar: "Moving 12 of 40 to Focus…" with a Cancel button.

The window tracks a batch once the move service has queued it (:meth:`BulkProgress.track`), follows the
service's ``batch_progress`` (:meth:`BulkProgress.on_progress`) and, after Cancel
(``cancel_requested(batch)``), is told how many cards the service took back (:meth:`BulkProgress.cancelled`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

# How long the last word on a finished bulk move stays in the status bar.
DONE_SHOWN_MS = 8000


@dataclass(slots=True)
class _Batch:
    total: int
    where: str  # "to Focus", "back" (an undo), "" (cards going to different columns)
    done: int = 0
    cancelling: bool = False


def _space(where: str) -> str:
    return f" {where}" if where else ""


def _cards(count: int) -> str:
    return f"{count:,} card{'s' if count != 1 else ''}"


class BulkProgress(QWidget):
    """Shows the newest running bulk move (older ones go on quietly; their end is still said)."""

    cancel_requested = Signal(object)  # the batch (a batch id does not fit Qt's 32-bit int)
    started = Signal(str)  # "Moving 40 cards to Focus." (for assistive technology)
    finished = Signal(str)  # "Moved 40 cards to Focus.", or what a cancel left

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkProgress")
        self.text = QLabel()
        self.text.setObjectName("bulkText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("bulkCancel")
        self.cancel_button.setAccessibleName("Cancel the bulk move")
        self.cancel_button.setToolTip("Stop sending: the cards not sent yet stay where they were")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addWidget(self.cancel_button)
        self._batches: dict[int, _Batch] = {}
        self.shown: int | None = None  # the batch on screen
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(DONE_SHOWN_MS)
        self._hide_timer.timeout.connect(self._hide_if_idle)
        self.hide()

    def track(self, batch: int, total: int, where: str) -> None:
        """A bulk move of ``total`` cards was queued; ``where`` they go: "to Focus", "back" (an undo), "again"
        (a redo), or "" (to different columns)."""
        if total <= 0:
            return
        self._batches[batch] = _Batch(total, where)
        self.shown = batch
        self._hide_timer.stop()
        self._show_running(batch)
        self.started.emit(f"Moving {_cards(total)}{_space(where)}.")

    def on_progress(self, batch: int, done: int, total: int) -> None:
        state = self._batches.get(batch)
        if state is None or state.cancelling:
            return  # not ours, or the rows coming back after a cancel (said by ``cancelled``)
        state.done, state.total = done, total
        if done >= total:
            del self._batches[batch]
            self._finish(batch, f"Moved {_cards(total)}{_space(state.where)}.")
        elif batch == self.shown:
            self._show_running(batch)

    def cancel(self) -> None:
        """Cancel the batch on screen (the window's Cancel button)."""
        batch = self.shown
        state = self._batches.get(batch) if batch is not None else None
        if batch is None or state is None or state.cancelling:
            return
        state.cancelling = True
        self.cancel_button.setEnabled(False)
        self.text.setText(f"Cancelling… ({state.done:,} of {state.total:,} sent)")
        self.cancel_requested.emit(batch)

    def cancelled(self, batch: int, taken: int) -> None:
        """The service took back ``taken`` cards of ``batch`` (not sent: back where they were)."""
        state = self._batches.pop(batch, None)
        if state is None:
            return
        sent = state.total - taken
        self._finish(
            batch,
            f"Cancelled: {_cards(sent)} moved{_space(state.where)}; {_cards(taken)} not moved, left where "
            "they were.",
        )

    def cancel_failed(self, batch: int) -> None:
        """Nothing of ``batch`` could be taken back (the reporter says why): it goes on, and can be
        cancelled again."""
        state = self._batches.get(batch)
        if state is not None:
            state.cancelling = False
            if batch == self.shown:
                self._show_running(batch)

    def running(self) -> list[int]:
        return list(self._batches)

    def _show_running(self, batch: int) -> None:
        state = self._batches[batch]
        self.text.setText(f"Moving {state.done:,} of {state.total:,}{_space(state.where)}…")
        self.cancel_button.setEnabled(not state.cancelling)
        self.cancel_button.show()
        self.show()

    def _finish(self, batch: int, text: str) -> None:
        if batch != self.shown and self.shown in self._batches:
            return  # a newer batch is on screen; this one ended quietly
        self.shown = next(reversed(self._batches), None)
        if self.shown is not None:
            self._show_running(self.shown)
            return
        self.text.setText(text)
        self.cancel_button.hide()
        self.show()
        self._hide_timer.start()
        self.finished.emit(text)

    def _hide_if_idle(self) -> None:
        if not self._batches:
            self.hide()
