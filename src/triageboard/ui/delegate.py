"""Paints one card from ``index.data(role)``: fixed height, plain text, marks in words and label chips.

A card reads, top to bottom: "#123 · owner/repo" and its time in the column ("in Focus 41 d"); its title on
up to two lines (elided at the end of the second); its marks in words ("needs an assignee", "stalled 20 d",
"conflict", "sending…", "since meeting", "E-mentor") followed by its label chips, the least relevant elided
first and a "+N" chip counting what did not fit; its assignees, age and comments.

A card is drawn once into a pixmap and painted from it until something it shows changes (its issue, marks,
time in column, change since the meeting or age; its size, selection, palette or pixel ratio): scrolling, a
drop or a filter repaint dozens of cards with one ``drawPixmap`` each. Everything that does not depend on
the card (fonts, metrics, chip widths, wrapped titles) is cached too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..board import Mark, MarkKind
from .models import (
    AgeRole,
    AssigneesRole,
    ChipsRole,
    CommentsRole,
    HeadlineRole,
    InColumnRole,
    MarksRole,
    MentoredRole,
    RenderRole,
    SinceMeetingRole,
    mark_words,
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
SINCE = QColor("#0969da")
STALLED = QColor("#8250df")
MARK_COLORS = {
    MarkKind.FAILED: CONFLICT,
    MarkKind.PENDING: PENDING,
    MarkKind.CONFLICT: CONFLICT,
    MarkKind.LOST_AREA: CONFLICT,
    MarkKind.NEEDS_ASSIGNEE: PENDING,
    MarkKind.STALLED: STALLED,
}
SINCE_MEETING = "since meeting"
# A chip narrower than this (its padding and about three letters) says nothing: it becomes part of "+N".
MIN_CHIP_TEXT = 24
# Wrapped titles kept (title, width) -> lines: every card on a few screens, at a couple of widths.
CACHED_TITLES = 4096


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
        self._titles: OrderedDict[tuple[str, int], tuple[str, ...]] = OrderedDict()
        self._size = QSize(240, 80)
        # (issue key, width, height, selected, palette, pixel ratio) -> (issue, what it shows, pixmap)
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
        self._titles.clear()
        self._rendered.clear()
        small = self._small_metrics.height()
        title = self._title_metrics.height() + self._title_metrics.lineSpacing()  # two lines
        height = 2 * CARD_MARGIN + 2 * PAD + title + 3 * small + 4 * GAP + 4
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

    def title_lines(self, title: str, width: int) -> tuple[str, ...]:
        """``title`` as the card shows it in ``width`` pixels: one line, or two with the second elided.

        Whitespace runs (newlines from GitHub included) are one space; words wrap, and a word longer than
        the line breaks anywhere."""
        cache_key = (title, width)
        lines = self._titles.get(cache_key)
        if lines is not None:
            return lines
        text = " ".join(title.split())
        layout = QTextLayout(text, self._title_font)
        wrap = QTextOption()
        wrap.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(wrap)
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(max(1, width))
        cut = line.textStart() + line.textLength()
        layout.endLayout()
        first, rest = text[:cut].rstrip(), text[cut:].strip()
        if not rest:
            lines = (first,) if first else ()
        else:
            lines = (first, self._title_metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
        self._titles[cache_key] = lines
        if len(self._titles) > CACHED_TITLES:
            self._titles.popitem(last=False)
        return lines

    def chip_plan(self, texts: Sequence[str], width: int) -> tuple[list[tuple[int, str, int]], int]:
        """Which chips fit in ``width`` pixels, left to right: ``(index, text shown, chip width)`` each (the
        last may be elided), and how many did not fit (shown as a "+N" chip, whose room is kept)."""
        placed: list[tuple[int, str, int]] = []
        x = 0
        count = len(texts)
        for n, text in enumerate(texts):
            after = count - n - 1
            full = self._chip_width(text)
            room = width - x - (GAP + self._chip_width(f"+{after}") if after else 0)
            if full <= room:
                placed.append((n, text, full))
                x += full + GAP
                continue
            # Does not fit whole: elided, if enough of it shows beside the "+N" of the rest.
            if room - 2 * CHIP_PAD >= MIN_CHIP_TEXT:
                shown = self._small_metrics.elidedText(text, Qt.TextElideMode.ElideRight, room - 2 * CHIP_PAD)
                placed.append((n, shown, room))
                return placed, after
            break
        hidden = count - len(placed)
        # The "+N" chip must fit too: give up chips from the right until it does.
        while (
            hidden and placed and sum(w + GAP for _, _, w in placed) + self._chip_width(f"+{hidden}") > width
        ):
            placed.pop()
            hidden += 1
        return placed, hidden

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
        # The pixel ratio of the screen painted on (a pixmap drawn for another is blurred or too large).
        widget = option.widget
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        key = (
            getattr(issue, "key", None),
            rect.width(),
            rect.height(),
            selected,
            option.palette.cacheKey(),
            ratio,
        )
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

        marks: tuple[Mark, ...] = tuple(index.data(MarksRole) or ())
        kinds = {mark.kind for mark in marks}
        card = rect.adjusted(CARD_MARGIN, CARD_MARGIN, -CARD_MARGIN, -CARD_MARGIN)
        selected = bool(state & QStyle.StateFlag.State_Selected)
        conflict = MarkKind.CONFLICT in kinds or MarkKind.FAILED in kinds
        base = palette.color(QPalette.ColorRole.Base)
        dark = base.lightnessF() < 0.5
        border = (
            palette.color(QPalette.ColorRole.Highlight)
            if selected
            else _readable(CONFLICT, dark)
            if conflict
            else palette.color(QPalette.ColorRole.Mid)
        )
        fill = base
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

        # Line 1: "#123 · owner/repo" on the left, the time in the column on the right.
        painter.setFont(self._small_font)
        painter.setPen(dim)
        in_column = str(index.data(InColumnRole) or "")
        right_w = 0
        if in_column:
            right_w = self._small_metrics.horizontalAdvance(in_column)
            if right_w > inner.width() // 2:  # only then: eliding at the text's own width can cut it
                right_w = inner.width() // 2
                in_column = self._small_metrics.elidedText(in_column, Qt.TextElideMode.ElideRight, right_w)
            painter.drawText(
                QRect(inner.right() - right_w, y, right_w + 1, small_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                in_column,
            )
            right_w += 2 * GAP
        headline = str(index.data(HeadlineRole) or "")
        head_w = max(0, inner.width() - right_w)
        painter.drawText(
            QRect(inner.left(), y, head_w, small_h),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._small_metrics.elidedText(headline, Qt.TextElideMode.ElideRight, head_w),
        )
        y += small_h + GAP

        # Lines 2-3: the title, plain text (drawText never interprets markup), wrapped, then elided.
        title_h = self._title_metrics.height()
        painter.setFont(self._title_font)
        painter.setPen(text_color)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        line_y = y
        for line in self.title_lines(title, inner.width()):
            painter.drawText(
                QRect(inner.left(), line_y, inner.width(), title_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine,
                line,
            )
            line_y += self._title_metrics.lineSpacing()
        y += title_h + self._title_metrics.lineSpacing() + GAP

        # Line 4: marks in words (outlined), then label chips (filled), then "+N" for what did not fit.
        chips: list[tuple[str, QColor | None, str]] = [
            (mark_words(mark), _readable(MARK_COLORS.get(mark.kind, PENDING), dark), "") for mark in marks
        ]
        if index.data(SinceMeetingRole):
            chips.append((SINCE_MEETING, _readable(SINCE, dark), ""))
        if index.data(MentoredRole):
            chips.append(("E-mentor", _readable(MENTOR, dark), ""))
        labels: tuple[tuple[str, str], ...] = index.data(ChipsRole) or ()
        chips.extend((name, None, color) for name, color in labels)
        placed, hidden = self.chip_plan([text for text, _, _ in chips], inner.width() + 1)
        painter.setFont(self._small_font)
        x = inner.left()
        for n, text, width in placed:
            _, outline, color = chips[n]
            chip = QRect(x, y, width, small_h)
            if outline is not None:
                painter.setPen(QPen(outline, 1))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(chip.adjusted(0, 0, -1, -1), 4, 4)
                painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
            else:
                background, foreground = chip_colors(color)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(background)
                painter.drawRoundedRect(chip, small_h / 2, small_h / 2)
                painter.setPen(foreground)
                painter.drawText(chip.adjusted(CHIP_PAD, 0, -CHIP_PAD, 0), Qt.AlignmentFlag.AlignCenter, text)
            x += width + GAP
        if hidden:
            more = f"+{hidden}"
            chip = QRect(x, y, self._chip_width(more), small_h)
            painter.setPen(QPen(dim, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(chip.adjusted(0, 0, -1, -1), small_h / 2, small_h / 2)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, more)
        y += small_h + GAP

        # Line 5: assignees on the left; age and comments on the right.
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


def _readable(color: QColor, dark: bool) -> QColor:
    """A mark's colour as it reads on the card: lighter on a dark palette."""
    return color.lighter(170) if dark else color
