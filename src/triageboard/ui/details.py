"""The details pane: the selected issue's body (Markdown, no remote resources), labels, people, dates, and
its comments (plain text: read from GitHub when the card is selected)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..board import Issue, IssueKey

if TYPE_CHECKING:  # the first paint imports this module: no services (and their network) before it
    from ..services import Comments

# A comment longer than this is cut in the pane (GitHub allows 65,536 characters; a page of them is plenty).
COMMENT_CHARS = 20_000

# GitHub-flavoured Markdown, with any raw HTML in the body dropped: bodies are untrusted.
MARKDOWN_FEATURES = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML
)


class BodyBrowser(QTextBrowser):
    """Shows an issue body; never fetches anything (images, style sheets) and opens only web links."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._open)
        self.requested_resources: list[str] = []

    def loadResource(self, type: int, name: QUrl | str) -> object:
        # An image in a body would otherwise be loaded: remote ones leak that you read the issue.
        self.requested_resources.append(name.toString() if isinstance(name, QUrl) else name)
        return None

    def show_markdown(self, text: str) -> None:
        self.document().setMarkdown(text, MARKDOWN_FEATURES)

    def _open(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)


def _date(stamp: datetime | None) -> str:
    return "—" if stamp is None else stamp.astimezone().strftime("%Y-%m-%d %H:%M")


def _cut(body: str) -> str:
    if len(body) <= COMMENT_CHARS:
        return body
    rest = len(body) - COMMENT_CHARS
    return f"{body[:COMMENT_CHARS]}\n[… {rest:,} more characters: Open on GitHub to read it all]"


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class DetailsPane(QWidget):
    open_requested = Signal(str)  # html_url

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.issue: Issue | None = None
        self.title = _plain()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.reference = _plain()
        self.labels = _plain()
        self.assignees = _plain()
        self.author = _plain()
        self.created = _plain()
        self.updated = _plain()
        self.comments = _plain()
        self.column = _plain()
        self.open_button = QPushButton("Open on GitHub")
        self.open_button.setToolTip("Open this issue in your web browser (Enter or double-click a card)")
        self.open_button.clicked.connect(self._open)
        self.body = BodyBrowser(self)
        self.body.setObjectName("issueBody")
        # Comments are untrusted text: a plain-text view never interprets them.
        self.comment_text = QPlainTextEdit(self)
        self.comment_text.setObjectName("issueComments")
        self.comment_text.setReadOnly(True)
        self.comment_text.setAccessibleName("Comments")
        self.comment_status = _plain()
        self.comment_status.setObjectName("commentStatus")
        comments_page = QWidget()
        comments_layout = QVBoxLayout(comments_page)
        comments_layout.setContentsMargins(0, 4, 0, 0)
        comments_layout.addWidget(self.comment_status)
        comments_layout.addWidget(self.comment_text, 1)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("detailsTabs")
        self.tabs.addTab(self.body, "Description")
        self.tabs.addTab(comments_page, "Comments")
        self.comments_key: IssueKey | None = None  # whose comments are shown

        form = QFormLayout()
        form.addRow("Column:", self.column)
        form.addRow("Labels:", self.labels)
        form.addRow("Assignees:", self.assignees)
        form.addRow("Author:", self.author)
        form.addRow("Opened:", self.created)
        form.addRow("Updated:", self.updated)
        form.addRow("Comments:", self.comments)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.reference)
        layout.addLayout(form)
        layout.addWidget(self.open_button)
        layout.addWidget(self.tabs, 1)
        self.show_issue(None)

    def show_issue(self, issue: Issue | None, column: str = "", conflict: str = "") -> None:
        """Show ``issue`` (its fresh state keeps the comments shown; another issue's wait for theirs)."""
        if issue is None or issue.key != self.comments_key:
            self._set_comments("Loading comments…" if issue is not None else "", "", None)
        self.issue = issue
        self.open_button.setEnabled(bool(issue and issue.html_url))
        if issue is None:
            self.title.setText("No card selected")
            for label in (
                self.reference,
                self.labels,
                self.assignees,
                self.author,
                self.created,
                self.updated,
                self.comments,
                self.column,
            ):
                label.setText("")
            self.body.show_markdown("Select a card to see its description.")
            return
        self.title.setText(issue.title)
        self.reference.setText(f"{issue.repo}#{issue.number}")
        self.column.setText(column + (f"  — conflict: {conflict}" if conflict else ""))
        self.labels.setText(", ".join(issue.label_names) or "none")
        self.assignees.setText(", ".join(issue.assignees) or "unassigned")
        self.author.setText(issue.author or "—")
        self.created.setText(_date(issue.created_at))
        self.updated.setText(_date(issue.updated_at))
        self.comments.setText(str(issue.comments))
        self.body.show_markdown(issue.body or "*No description.*")

    def show_comments(self, found: Comments) -> None:
        """``found`` for the issue shown (an answer for another issue, which came late, is ignored)."""
        if self.issue is None or found.key != self.issue.key:
            return
        if not found.comments:
            status = "No comments."
        elif found.total > len(found.comments):
            status = f"The latest {len(found.comments):,} of {found.total:,} comments."
        else:
            status = f"{found.total:,} comment{'s' if found.total != 1 else ''}."
        text = "\n\n".join(
            f"{comment.author} · {_date(comment.created_at)}\n{_cut(comment.body.strip())}"
            for comment in found.comments
        )
        self._set_comments(status, text, found.key, count=found.total)

    def show_comments_failed(self, key: IssueKey, reason: str) -> None:
        """The comments of ``key`` could not be read: say why, in the pane (the rest of it still holds)."""
        if self.issue is None or key != self.issue.key:
            return
        # Asked again when the card is selected again.
        self._set_comments(f"The comments could not be loaded. {reason}", "", key)

    def _set_comments(self, status: str, text: str, key: IssueKey | None, count: int | None = None) -> None:
        self.comment_status.setText(status)
        self.comment_text.setPlainText(text)
        self.comments_key = key
        self.tabs.setTabText(1, "Comments" if count is None else f"Comments ({count:,})")

    def _open(self) -> None:
        if self.issue is not None and self.issue.html_url:
            self.open_requested.emit(self.issue.html_url)
