"""Paints one card from ``index.data(role)``: fixed height, elided plain text, label chips.

A card is drawn once into a pixmap and painted from it until something it shows changes (its issue, marks
or age, its size, selection or palette): scrolling, a drop or a filter repaint dozens of cards with one
``drawPixmap`` each. Everything that does not depend on the card (fonts, metrics, pens, chip colours and
widths) is cached too.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from .models import (
    AgeRole,
    AssigneesRole,
    CommentsRole,
    ConflictRole,
    HeadlineRole,
    LabelsRole,
    MentoredRole,
    PendingRole,
    RenderRole,
)

PAD = 8
GAP = 3
CHIP_PAD = 5
CARD_MARGIN = 3

# Rendered cards kept: a few screens' worth (each is width x height x 4 bytes, about 100 KB).
CACHED_CARDS = 256

CONFLICT = QColor("#cf222e")
PENDING = QColor("#9a6700")
MENTOR = QColor("#1a7f37")


@lru_cache(maxsize=1024)
def chip_colors(hex_color: str) -> tuple[QColor, QColor]:
    """Background and a readable text colour (dark or white), chosen the way GitHub chooses it."""
    text = hex_color.strip().lstrip("#")
    try:
        r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4)) if len(text) == 6 else (237, 237, 237)
    except ValueError:
        r, g, b = 237, 237, 237

    # GitHub's own rule for label text: perceived lightness against a threshold of 0.453.
    lightness = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
    dark_text = lightness >= 0.453
    return QColor(r, g, b), QColor("#1f2328") if dark_text else QColor("#ffffff")


def _mix(base: QColor, tint: QColor, amount: float) -> QColor:
    """``base`` moved ``amount`` (0..1) of the way towards ``tint``; opaque, so text stays crisp."""
    return QColor(
        round(base.red() + (tint.red() - base.red()) * amount),
        round(base.green() + (tint.green() - base.green()) * amount),
        round(base.blue() + (tint.blue() - base.blue()) * amount),
    )


class CardDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base_font: QFont | None = None
        self._title_font = QFont()
        self._small_font = QFont()
        self._title_metrics = QFontMetrics(self._title_font)
        self._small_metrics = QFontMetrics(self._small_font)
        self._chip_widths: dict[str, int] = {}
        self._size = QSize(240, 80)
        # (issue key, width, height, selected, palette) -> (issue, (conflict, pending, age), pixmap)
        self._rendered: OrderedDict[tuple[object, ...], tuple[object, tuple[object, ...], QPixmap]] = (
            OrderedDict()
        )
        self.renders = 0  # cards drawn (not painted from the cache): for tests and benchmarks

    def _fonts(self, font: QFont) -> None:
        if self._base_font == font:
            return
        self._base_font = QFont(font)
        self._title_font = QFont(font)
        self._title_font.setBold(True)
        self._small_font = QFont(font)
        self._small_font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        self._title_metrics = QFontMetrics(self._title_font)
        self._small_metrics = QFontMetrics(self._small_font)
        self._chip_widths.clear()
        self._rendered.clear()
        small = self._small_metrics.height()
        height = 2 * CARD_MARGIN + 2 * PAD + self._title_metrics.height() + 3 * small + 4 * GAP + 4
        self._size = QSize(240, height)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        self._fonts(option.font)
        return self._size

    def _chip_width(self, name: str) -> int:
        width = self._chip_widths.get(name)
        if width is None:
            width = self._small_metrics.horizontalAdvance(name) + 2 * CHIP_PAD + 2  # +2: rounding
            if len(self._chip_widths) > 4096:
                self._chip_widths.clear()
            self._chip_widths[name] = width
        return width

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """Paint the card from its cached rendering, drawing it first when what it shows has changed."""
        self._fonts(option.font)
        token = index.data(RenderRole)
        rect = option.rect
        if not isinstance(token, tuple) or rect.isEmpty():
            self.draw(painter, option, index)
            return
        issue, shown = token[0], token[1:]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        key = (getattr(issue, "key", None), rect.width(), rect.height(), selected, option.palette.cacheKey())
        entry = self._rendered.get(key)
        if entry is not None and entry[0] is issue and entry[1] == shown:
            self._rendered.move_to_end(key)
            pixmap = entry[2]
        else:
            pixmap = self._render(painter, option, index)
            self._rendered[key] = (issue, shown, pixmap)
            if len(self._rendered) > CACHED_CARDS:
                self._rendered.popitem(last=False)
        painter.drawPixmap(rect.topLeft(), pixmap)

    def _render(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QPixmap:
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        size = option.rect.size()
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        local = QStyleOptionViewItem(option)
        local.rect = QRect(0, 0, size.width(), size.height())
        card = QPainter(pixmap)
        try:
            self.draw(card, local, index)
        finally:
            card.end()
        return pixmap

    def draw(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """Draw the card itself (what the cache keeps)."""
        self.renders += 1
        rect = option.rect
        state = option.state
        palette = option.palette
        self._fonts(option.font)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

        card = rect.adjusted(CARD_MARGIN, CARD_MARGIN, -CARD_MARGIN, -CARD_MARGIN)
        selected = bool(state & QStyle.StateFlag.State_Selected)
        conflict = bool(index.data(ConflictRole))
        pending = bool(index.data(PendingRole))
        border = (
            palette.color(QPalette.ColorRole.Highlight)
            if selected
            else CONFLICT
            if conflict
            else palette.color(QPalette.ColorRole.Mid)
        )
        fill = palette.color(QPalette.ColorRole.Base)
        if selected:
            # A tinted card and a thick outline: the selected card must be found at a glance.
            fill = _mix(fill, palette.color(QPalette.ColorRole.Highlight), 0.16)
        painter.setPen(QPen(border, 3 if selected else 2 if conflict else 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 6, 6)
        painter.setClipRect(card)  # nothing a narrow column cannot hold spills onto its neighbours

        inner = card.adjusted(PAD, PAD, -PAD, -PAD)
        text_color = palette.color(QPalette.ColorRole.Text)
        dim = palette.color(QPalette.ColorRole.PlaceholderText)
        small_h = self._small_metrics.height()
        y = inner.top()

        # Line 1: "#123 · owner/repo" on the left, marks on the right.
        marks: list[tuple[str, QColor]] = []
        if pending:
            marks.append(("sending…", PENDING))
        if conflict:
            marks.append(("conflict", CONFLICT))
        if index.data(MentoredRole):
            marks.append(("E-mentor", MENTOR))
        painter.setFont(self._small_font)
        right = inner.right()
        for text, mark_color in marks:
            width = self._chip_width(text)
            chip = QRect(right - width + 1, y, width, small_h)
            painter.setPen(QPen(mark_color, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(chip, 4, 4)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
            right -= width + GAP
        painter.setPen(dim)
        headline = str(index.data(HeadlineRole) or "")
        head_rect = QRect(inner.left(), y, max(0, right - inner.left()), small_h)
        painter.drawText(
            head_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._small_metrics.elidedText(headline, Qt.TextElideMode.ElideRight, head_rect.width()),
        )
        y += small_h + GAP

        # Line 2: the title, plain text (drawText never interprets markup), elided.
        title_h = self._title_metrics.height()
        painter.setFont(self._title_font)
        painter.setPen(text_color)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        painter.drawText(
            QRect(inner.left(), y, inner.width(), title_h),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine,
            self._title_metrics.elidedText(title, Qt.TextElideMode.ElideRight, inner.width()),
        )
        y += title_h + GAP

        # Line 3: label chips in the labels' colours, as many as fit.
        painter.setFont(self._small_font)
        x = inner.left()
        labels: tuple[tuple[str, str], ...] = index.data(LabelsRole) or ()
        for name, color in labels:
            width = min(self._chip_width(name), inner.right() - x + 1)
            if width < 2 * CHIP_PAD + 8:
                painter.setPen(dim)
                painter.drawText(QRect(x, y, inner.right() - x, small_h), Qt.AlignmentFlag.AlignLeft, "…")
                break
            background, foreground = chip_colors(color)
            chip = QRect(x, y, width, small_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(chip, small_h / 2, small_h / 2)
            painter.setPen(foreground)
            painter.drawText(
                chip.adjusted(CHIP_PAD, 0, -CHIP_PAD, 0),
                Qt.AlignmentFlag.AlignCenter,
                self._small_metrics.elidedText(name, Qt.TextElideMode.ElideRight, width - 2 * CHIP_PAD),
            )
            x += width + GAP
        y += small_h + GAP

        # Line 4: assignees on the left; age and comments on the right.
        comments = int(index.data(CommentsRole) or 0)
        age = str(index.data(AgeRole) or "")
        when = f"{age} ago" if age and age != "now" else age
        talk = f"{comments} comment" + ("" if comments == 1 else "s")
        meta = f"{when}  {talk}" if when else talk
        meta_w = self._small_metrics.horizontalAdvance(meta)
        if meta_w > inner.width():  # only then: eliding at the text's own width can cut it (rounding)
            meta_w = inner.width()
            meta = self._small_metrics.elidedText(meta, Qt.TextElideMode.ElideLeft, meta_w)
        painter.setPen(dim)
        painter.drawText(
            QRect(inner.right() - meta_w, y, meta_w + 1, small_h), Qt.AlignmentFlag.AlignRight, meta
        )
        who = str(index.data(AssigneesRole) or "")
        who_w = max(0, inner.width() - meta_w - 2 * GAP)
        painter.drawText(
            QRect(inner.left(), y, who_w, small_h),
            Qt.AlignmentFlag.AlignLeft,
            self._small_metrics.elidedText(who, Qt.TextElideMode.ElideRight, who_w),
        )
        painter.restore()
