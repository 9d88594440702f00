"""The sign-in dialog: through the browser (GitHub's device flow) or by pasting a token.

Synchronous widget code: every network or keyring step is a call on the :class:`AuthService`, whose signals
come back here. The dialog never holds a token except in the password field the user typed it into.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..reporting import Doing
from ..services.auth_service import SCOPE_PRIVATE, SCOPE_PUBLIC, AuthService
from ..wording import Front, describe

OpenUrl = Callable[[QUrl], object]


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # logins and messages are never markup
    label.setWordWrap(True)
    return label


class SignInDialog(QDialog):
    """Sign in to the service's host. Accepted once a token is in use (``AuthService.signed_in``)."""

    def __init__(
        self, service: AuthService, parent: QWidget | None = None, *, open_url: OpenUrl | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self._open_url: OpenUrl = open_url or QDesktopServices.openUrl
        self._verification_uri = ""
        self._waiting = False
        self.setWindowTitle(f"Sign in to {service.host}")
        self.setMinimumWidth(520)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_browser_tab(), "Sign in with the browser")
        self.tabs.addTab(self._build_token_tab(), "Paste a token")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self._layout = layout

        service.device_code_ready.connect(self._on_device_code)
        service.device_flow_failed.connect(self._on_device_failed)
        service.token_checked.connect(self._on_token_checked)
        service.token_check_failed.connect(self._on_token_failed)
        service.signed_in.connect(self._on_signed_in)
        self._connected = True
        if not service.device_flow_available:
            self.tabs.setCurrentIndex(1)

    # --- building ---------------------------------------------------------------------------------

    def _build_browser_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.browser_intro = _plain(
            f"GitHub shows a page where you enter a one-time code and approve triageboard for "
            f"{self.service.host}. No password is typed here."
        )
        layout.addWidget(self.browser_intro)
        self.private_repos = QCheckBox("Include private repositories (asks for the 'repo' scope)")
        layout.addWidget(self.private_repos)
        self.start_button = QPushButton("Get a code")
        self.start_button.clicked.connect(self._start_device_flow)
        layout.addWidget(self.start_button, alignment=Qt.AlignmentFlag.AlignLeft)

        self.code_box = QWidget()
        code_layout = QHBoxLayout(self.code_box)
        code_layout.setContentsMargins(0, 0, 0, 0)
        self.user_code = QLabel()
        self.user_code.setTextFormat(Qt.TextFormat.PlainText)
        self.user_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(max(20, self.font().pointSize() * 2))
        font.setBold(True)
        self.user_code.setFont(font)
        self.user_code.setAccessibleName("One-time code")
        code_layout.addWidget(self.user_code)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self._copy_code)
        code_layout.addWidget(self.copy_button)
        code_layout.addStretch()
        self.code_box.hide()
        layout.addWidget(self.code_box)

        self.open_button = QPushButton("Open GitHub in the browser")
        self.open_button.clicked.connect(self._open_verification)
        self.open_button.hide()
        layout.addWidget(self.open_button, alignment=Qt.AlignmentFlag.AlignLeft)

        waiting = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: no known end
        self.progress.setTextVisible(False)
        self.progress.hide()
        waiting.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel_device_flow)
        self.cancel_button.hide()
        waiting.addWidget(self.cancel_button)
        layout.addLayout(waiting)

        self.browser_status = _plain()
        layout.addWidget(self.browser_status)

        problem = self.service.client_id_problem
        self.no_client_id = _plain(describe(problem) if problem is not None else "")
        self.use_token_instead = QPushButton("Paste a token instead")
        self.use_token_instead.clicked.connect(lambda: self.tabs.setCurrentIndex(1))
        layout.addWidget(self.no_client_id)
        layout.addWidget(self.use_token_instead, alignment=Qt.AlignmentFlag.AlignLeft)
        available = self.service.device_flow_available
        self.no_client_id.setVisible(not available)
        self.use_token_instead.setVisible(not available)
        self.start_button.setEnabled(available)
        self.private_repos.setEnabled(available)
        layout.addStretch()
        return page

    def _build_token_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            _plain(
                "Paste a personal access token: a classic token with the 'public_repo' scope (or 'repo' for "
                "private repositories), or a fine-grained token with 'Issues: read and write'. It is kept in "
                "the system keyring, never in a file."
            )
        )
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("ghp_… or github_pat_…")
        self.token_edit.setAccessibleName("Personal access token")
        self.token_edit.textEdited.connect(self._token_edited)
        self.token_edit.returnPressed.connect(self._check_token)
        layout.addWidget(self.token_edit)
        row = QHBoxLayout()
        self.check_button = QPushButton("Check token")
        self.check_button.clicked.connect(self._check_token)
        row.addWidget(self.check_button)
        self.gh_button = QPushButton("Import from gh CLI")
        self.gh_button.setToolTip(f"Use the token the GitHub CLI (gh) has for {self.service.host}")
        self.gh_button.clicked.connect(self.import_from_gh)
        row.addWidget(self.gh_button)
        row.addStretch()
        layout.addLayout(row)
        self.token_result = _plain()
        layout.addWidget(self.token_result)
        self.token_warning = _plain()
        self.token_warning.setObjectName("signinWarning")
        self.token_warning.setStyleSheet("QLabel#signinWarning { color: #9a6700; }")
        self.token_warning.hide()
        layout.addWidget(self.token_warning)
        self.use_button = QPushButton("Sign in with this token")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._use_token)
        layout.addWidget(self.use_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addStretch()
        return page

    def _fit(self) -> None:
        """Grow to show every wrapped line once the text changed: a shown window keeps its size, so a long
        warning or the code box would otherwise be cut off at the bottom."""
        QTimer.singleShot(0, self, self._grow)

    def _grow(self) -> None:
        layout = self._layout
        layout.activate()
        width = self.width()
        if layout.hasHeightForWidth():
            need = layout.totalHeightForWidth(width)
        else:
            need = layout.totalSizeHint().height()
        if need > self.height():
            self.resize(width, need)

    # --- the browser way --------------------------------------------------------------------------

    def _start_device_flow(self) -> None:
        self._set_waiting(True)
        self.code_box.hide()
        self.open_button.hide()
        self.browser_status.setText("Asking GitHub for a code…")
        self.service.start_device_flow(SCOPE_PRIVATE if self.private_repos.isChecked() else SCOPE_PUBLIC)

    def _on_device_code(self, user_code: str, verification_uri: str) -> None:
        if not self._waiting:
            return
        self._verification_uri = verification_uri
        self.user_code.setText(user_code)
        self.code_box.show()
        self.open_button.setText(f"Open {verification_uri}")
        self.open_button.show()
        self.browser_status.setText(
            "Enter this code on the GitHub page and approve. Waiting for your approval…"
        )
        self._fit()

    def _copy_code(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.user_code.text())
        self.browser_status.setText("Code copied. Paste it on the GitHub page and approve.")

    def _open_verification(self) -> None:
        if self._verification_uri:
            self._open_url(QUrl(self._verification_uri))

    def _cancel_device_flow(self) -> None:
        self.service.cancel_device_flow()
        self._set_waiting(False)
        self.code_box.hide()
        self.open_button.hide()
        self.browser_status.setText("Cancelled. Get a new code to try again.")
        self._fit()

    def _on_device_failed(self, fact: object) -> None:
        if not self._waiting:
            return
        self._set_waiting(False)
        self.code_box.hide()
        self.open_button.hide()
        self.browser_status.setText(describe(fact, Front.WINDOW, Doing.SIGN_IN))
        self.start_button.setText("Get a new code")
        self._fit()

    def _set_waiting(self, waiting: bool) -> None:
        self._waiting = waiting
        self.progress.setVisible(waiting)
        self.cancel_button.setVisible(waiting)
        self.start_button.setEnabled(not waiting and self.service.device_flow_available)
        self.private_repos.setEnabled(not waiting and self.service.device_flow_available)

    # --- the token way ----------------------------------------------------------------------------

    def _token_edited(self) -> None:
        self.service.discard_checked_token()
        self.use_button.setEnabled(False)
        self.token_result.clear()
        self.token_warning.hide()

    def _check_token(self) -> None:
        self._token_edited()
        self.check_button.setEnabled(False)
        self.gh_button.setEnabled(False)
        self.token_result.setText("Checking with GitHub…")
        self.service.check_token(self.token_edit.text())

    def import_from_gh(self) -> None:
        """Fetch the gh CLI's token. The Account menu's "Import from gh CLI…" opens the dialog, calls this."""
        self.tabs.setCurrentIndex(1)
        self._token_edited()
        self.token_edit.clear()
        self.check_button.setEnabled(False)
        self.gh_button.setEnabled(False)
        self.token_result.setText("Asking the gh CLI for its token…")
        self.service.import_from_gh()

    def _on_token_checked(self, login: str, scopes: str, limits: object) -> None:
        warning = describe(limits) if limits is not None else ""
        self.check_button.setEnabled(True)
        self.gh_button.setEnabled(True)
        self.token_result.setText(f"Valid token for {login} ({scopes}).")
        self.token_warning.setText(warning)
        self.token_warning.setVisible(bool(warning))
        self.use_button.setText("Sign in anyway (read-only)" if warning else "Sign in with this token")
        self.use_button.setEnabled(True)
        self._fit()

    def _on_token_failed(self, fact: object) -> None:
        self.check_button.setEnabled(True)
        self.gh_button.setEnabled(True)
        self.use_button.setEnabled(False)
        self.token_result.setText(describe(fact, Front.WINDOW, Doing.CHECK_TOKEN))
        self._fit()

    def _use_token(self) -> None:
        self.use_button.setEnabled(False)
        self.token_result.setText("Saving in the keyring…")
        self.service.use_checked_token()

    # --- the end ----------------------------------------------------------------------------------

    def _on_signed_in(self, login: str) -> None:
        self._waiting = False
        self.token_edit.clear()
        self.accept()

    def done(self, result: int) -> None:
        if self._waiting:
            self.service.cancel_device_flow()
            self._waiting = False
        self.service.discard_checked_token()
        self.token_edit.clear()
        if self._connected:
            self._connected = False
            self._disconnect()
        super().done(result)

    def _disconnect(self) -> None:
        for signal, slot in (
            (self.service.device_code_ready, self._on_device_code),
            (self.service.device_flow_failed, self._on_device_failed),
            (self.service.token_checked, self._on_token_checked),
            (self.service.token_check_failed, self._on_token_failed),
            (self.service.signed_in, self._on_signed_in),
        ):
            signal.disconnect(slot)


def open_sign_in(service: AuthService, parent: QWidget | None = None) -> SignInDialog:
    """Show the sign-in dialog (window-modal, not blocking the loop); it deletes itself when closed."""
    dialog = SignInDialog(service, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_gh_import(service: AuthService, parent: QWidget | None = None) -> SignInDialog:
    """Account ▸ Import from gh CLI…: the dialog on its token page, already asking gh for its token."""
    dialog = open_sign_in(service, parent)
    dialog.import_from_gh()
    return dialog
