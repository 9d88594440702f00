"""The baseline of a start: a bare PySide6 window (a main window with one label) that exits once painted.

    python benchmarks/bare_window.py [--rss]

It says ``painted`` on stderr when its label is painted (the moment a benchmark measures to); ``--rss``
prints the resident memory (bytes) once painted.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


class Label(QLabel):
    painted = False

    def paintEvent(self, event: object) -> None:
        super().paintEvent(event)  # type: ignore[arg-type]
        if not self.painted:
            self.painted = True
            print("painted", file=sys.stderr, flush=True)
            QTimer.singleShot(0, QApplication.quit)


def rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(Label("board"))
    window.resize(1360, 820)
    window.show()
    app.exec()
    if "--rss" in sys.argv:
        print(rss())
    return 0


if __name__ == "__main__":
    sys.exit(main())
