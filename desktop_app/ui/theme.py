"""Colours and spacing, derived from the OS palette so light and dark modes both look intended.

Nothing here hard-codes a light or dark scheme: every colour is the palette's
own role, or a blend of two roles, or an accent adjusted for the palette's
lightness. Widgets ask :func:`current` whenever they paint or restyle, and
restyle on ``PaletteChange`` events, so a switch of the OS scheme applies live.
"""

from __future__ import annotations

from dataclasses import dataclass

from .qt import QtGui, QtWidgets

# Spacing scale (device-independent pixels; Qt scales them for high-DPI screens).
SPACE_XS, SPACE_S, SPACE_M, SPACE_L, SPACE_XL = 2, 4, 8, 12, 20
RADIUS = 10
CONTENT_MAX_WIDTH = 860  # long lines are hard to read: the chat column stops growing here


def blend(a: QtGui.QColor, b: QtGui.QColor, amount: float) -> QtGui.QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QtGui.QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
        1.0,
    )


@dataclass(frozen=True)
class Theme:
    dark: bool
    window: QtGui.QColor
    base: QtGui.QColor
    text: QtGui.QColor
    muted: QtGui.QColor
    border: QtGui.QColor
    accent: QtGui.QColor
    user_bubble: QtGui.QColor
    code_background: QtGui.QColor
    card_background: QtGui.QColor
    generation: QtGui.QColor
    generation_wait: QtGui.QColor
    tool_running: QtGui.QColor
    tool_ok: QtGui.QColor
    tool_error: QtGui.QColor
    warning: QtGui.QColor
    derived: QtGui.QColor  # provenance: a figure computed from sourced figures

    def css(self, color: QtGui.QColor) -> str:
        return color.name(QtGui.QColor.NameFormat.HexRgb)

    def tint(self, color: QtGui.QColor) -> QtGui.QColor:
        """A background wash of ``color`` that text in the palette's own colour stays readable on."""
        return blend(color, self.base, 0.8 if not self.dark else 0.72)

    def segment_colour(self, segment: str) -> QtGui.QColor:
        """The colour of one context segment (``context_measured``) in meters; grey for an unknown one."""
        light, dark = _SEGMENT_TONES.get(segment, ("#9a9ca5", "#7d7f87"))
        return QtGui.QColor(dark if self.dark else light)


_SEGMENT_TONES = {
    "system": ("#9a9ca5", "#8a8c95"),
    "tools": ("#9b7bea", "#b39dfa"),
    "history": ("#4f7cff", "#7a9cff"),
    "current_message": ("#1aa3b8", "#4fd1e0"),
    "answer_so_far": ("#2e9d6a", "#4cc38a"),
    "tool_calls": ("#e0a21b", "#f5c04e"),
    "tool_results": ("#e8590c", "#ff8a4c"),
}


def from_palette(palette: QtGui.QPalette) -> Theme:
    role = QtGui.QPalette.ColorRole
    window = palette.color(role.Window)
    base = palette.color(role.Base)
    text = palette.color(role.WindowText)
    dark = window.lightnessF() < 0.5
    accent = palette.color(role.Highlight)

    def tone(hex_light: str, hex_dark: str) -> QtGui.QColor:
        return QtGui.QColor(hex_dark if dark else hex_light)

    return Theme(
        dark=dark,
        window=window,
        base=base,
        text=text,
        muted=blend(text, window, 0.45),
        border=blend(text, window, 0.82),
        accent=accent,
        user_bubble=blend(accent, base, 0.86 if not dark else 0.72),
        code_background=blend(text, base, 0.94 if not dark else 0.9),
        card_background=blend(text, base, 0.97 if not dark else 0.94),
        generation=tone("#4f7cff", "#7a9cff"),
        generation_wait=tone("#c9d6ff", "#34406a"),
        tool_running=tone("#f0a020", "#f5b548"),
        tool_ok=tone("#2e9d6a", "#4cc38a"),
        tool_error=tone("#d64545", "#ff6b6b"),
        warning=tone("#b7791f", "#f6c15b"),
        derived=tone("#3b6fd8", "#7aa7ff"),
    )


_cache: tuple[int, Theme] | None = None


def current() -> Theme:
    """The theme of the application's palette (computed once per palette, then cached)."""
    global _cache
    app = QtWidgets.QApplication.instance()
    palette = app.palette() if isinstance(app, QtWidgets.QApplication) else QtGui.QPalette()
    key = palette.cacheKey()
    if _cache is None or _cache[0] != key:
        _cache = (key, from_palette(palette))
    return _cache[1]


def scaled_font(widget: QtWidgets.QWidget, point_delta: float) -> QtGui.QFont:
    """The widget's font, a little smaller or larger (style sheets have no relative sizes)."""
    font = widget.font()
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(7.0, font.pointSizeF() + point_delta))
    return font


def monospace_font(point_delta: float = -0.5) -> QtGui.QFont:
    font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
    if point_delta and font.pointSizeF() > 0:
        font.setPointSizeF(max(7.0, font.pointSizeF() + point_delta))
    return font


def app_stylesheet(theme: Theme) -> str:
    """The few rules a palette cannot express: rounded cards and bubbles, quiet separators."""
    c = theme.css
    return f"""
    QWidget#ChatCanvas {{ background: {c(theme.base)}; }}
    QTextBrowser#MarkdownBlock {{ background: transparent; border: none; }}
    QScrollArea#TimelineScroll, QScrollArea#TimelineScroll > QWidget > QWidget {{ background: {c(theme.base)};
                                                                              border: none; }}
    QToolBar#MainToolbar {{ spacing: 6px; padding: 4px 8px; border: none;
                            border-bottom: 1px solid {c(theme.border)}; }}
    QToolBar#MainToolbar QToolButton {{ padding: 4px 10px; border-radius: 6px; border: 1px solid transparent; }}
    QToolBar#MainToolbar QToolButton:hover {{ background: {c(theme.card_background)};
                                             border: 1px solid {c(theme.border)}; }}
    QToolBar#MainToolbar QToolButton:checked {{ background: {c(theme.user_bubble)}; }}
    QToolBar#MainToolbar QToolButton:focus {{ border: 1px solid {c(theme.accent)}; }}
    QScrollArea#ChatScroll {{ border: none; background: {c(theme.base)}; }}
    QFrame#UserBubble {{ background: {c(theme.user_bubble)}; border-radius: {RADIUS}px; }}
    QFrame#CodeBlock {{ background: {c(theme.code_background)}; border: 1px solid {c(theme.border)};
                        border-radius: 8px; }}
    QFrame#CodeBlock QPlainTextEdit {{ background: transparent; border: none; }}
    QLabel#CodeLanguage {{ color: {c(theme.muted)}; }}
    QFrame#ToolCall {{ background: transparent; }}
    QFrame#ToolDetails {{ background: {c(theme.card_background)}; border: 1px solid {c(theme.border)};
                          border-radius: 8px; }}
    QFrame#ToolDetails QTextEdit {{ background: transparent; border: none; }}
    QLabel#ToolStatus {{ color: {c(theme.muted)}; }}
    QLabel#ToolStatus[state="error"] {{ color: {c(theme.tool_error)}; }}
    QLabel#ErrorNote {{ color: {c(theme.tool_error)}; }}
    QLabel#TransientNote {{ color: {c(theme.warning)}; }}
    QFrame#ApprovalCard {{ background: {c(theme.card_background)}; border: 1px solid {c(theme.warning)};
                           border-radius: 8px; }}
    QFrame#Composer {{ background: {c(theme.base)}; border: 1px solid {c(theme.border)};
                       border-radius: 12px; }}
    QFrame#Composer QPlainTextEdit {{ background: transparent; border: none; }}
    QLabel#Muted {{ color: {c(theme.muted)}; }}
    QWidget#Sidebar {{ background: {c(theme.window)}; }}
    QLineEdit#SearchBox {{ padding: 5px 8px; border: 1px solid {c(theme.border)}; border-radius: 8px;
                           background: {c(theme.base)}; }}
    QLineEdit#SearchBox:focus {{ border: 1px solid {c(theme.accent)}; }}
    QListView#ConversationList, QListWidget#SearchResults {{ border: none; background: transparent;
                                                              outline: none; }}
    QListView#ConversationList::item {{ padding: 5px 6px; border-radius: 6px; }}
    QListView#ConversationList::item:selected, QListWidget#SearchResults::item:selected {{
        background: {c(theme.user_bubble)}; color: {c(theme.text)}; border-radius: 6px; }}
    QListView#ConversationList::item:focus {{ border: 1px solid {c(theme.accent)}; }}
    QFrame#Banner {{ background: {c(blend(theme.warning, theme.base, 0.86))};
                     border: 1px solid {c(theme.warning)}; border-radius: 8px; }}
    QFrame#UndoBar {{ background: {c(theme.card_background)}; border: 1px solid {c(theme.border)};
                      border-radius: 8px; }}
    QFrame#InterruptedNote {{ background: {c(blend(theme.warning, theme.base, 0.9))};
                              border: 1px solid {c(theme.warning)}; border-radius: 8px; }}
    QToolButton#BannerClose {{ border: none; padding: 2px 6px; }}
    QFrame#UndoBar QPushButton {{ padding: 3px 10px; border: 1px solid {c(theme.border)}; border-radius: 6px;
                                  background: {c(theme.base)}; }}
    QFrame#UndoBar QPushButton:focus, QFrame#UndoBar QPushButton:hover {{ border: 1px solid {c(theme.accent)}; }}
    QLabel#TrimNote {{ color: {c(theme.muted)}; }}
    QLabel#MeterFull {{ color: {c(theme.warning)}; }}
    QToolButton#FooterPill, QToolButton#FooterToggle, QToolButton#PanelButton {{
        padding: 2px 10px; border-radius: 11px; border: 1px solid {c(theme.border)};
        background: transparent; color: {c(theme.text)}; }}
    QToolButton#FooterPill:hover, QToolButton#FooterToggle:hover, QToolButton#PanelButton:hover {{
        background: {c(theme.card_background)}; }}
    QToolButton#FooterToggle:checked {{ background: {c(theme.user_bubble)}; border-color: {c(theme.accent)}; }}
    QToolButton#FooterWarning {{ padding: 2px 2px; border: none; background: transparent;
                                 color: {c(theme.warning)}; }}
    QToolButton#FooterWarning:hover {{ text-decoration: underline; }}
    QToolButton#FooterPill:focus, QToolButton#FooterToggle:focus, QToolButton#FooterWarning:focus,
    QToolButton#PanelButton:focus, QToolButton#PanelClose:focus {{ border: 1px solid {c(theme.accent)}; }}
    QLabel#LegendLabel {{ color: {c(theme.muted)}; }}
    QFrame#SourcesPanel {{ background: {c(theme.window)}; border: none;
                           border-left: 1px solid {c(theme.border)}; }}
    QFrame#SourcesPanel QScrollArea, QWidget#SourcesBody {{ background: {c(theme.window)}; border: none; }}
    QLabel#SourcesTitle {{ font-weight: 600; }}
    QToolButton#PanelClose {{ border: 1px solid transparent; border-radius: 6px; padding: 2px 6px;
                              background: transparent; }}
    QToolButton#PanelClose:hover {{ background: {c(theme.card_background)}; }}
    QFrame#SourceCard {{ background: {c(theme.base)}; border: 1px solid {c(theme.border)};
                         border-radius: 10px; }}
    QFrame#SourceCard[highlighted="true"] {{ border: 1px solid {c(theme.accent)}; }}
    QFrame#SourceCard[flagged="true"] {{ border: 1px solid {c(theme.warning)}; }}
    QLabel#SourceBadge {{ background: {c(theme.user_bubble)}; color: {c(theme.text)}; border-radius: 9px;
                          padding: 1px 6px; font-weight: 600; }}
    QLabel#SourceBadge[flagged="true"] {{ background: {c(theme.tint(theme.warning))}; }}
    QLabel#SourceTitle {{ font-weight: 600; }}
    QLabel#SourceProblem {{ color: {c(theme.warning)}; }}
    QLabel#SourceExcerpt {{ color: {c(theme.text)}; background: {c(theme.card_background)};
                            border-left: 3px solid {c(theme.border)}; padding: 6px 8px; }}
    QLabel#SourceCaption {{ color: {c(theme.muted)}; font-weight: 600; }}
    """
