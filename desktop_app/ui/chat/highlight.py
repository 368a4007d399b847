"""Syntax highlighting for code blocks, one line at a time.

A ``QSyntaxHighlighter`` re-highlights only the lines that change (plus the
next ones while a multi-line string or comment state changes), so appending to
a streaming code block costs the size of the new lines, not of the block. The
rules are deliberately small (keywords, strings, comments, numbers per language
family): enough to read code at a glance, with no dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import theme
from ..qt import QtGui

_PY = (
    "and as assert async await break class continue def del elif else except finally for from global if "
    "import in is lambda nonlocal not or pass raise return try while with yield match case None True False self"
)
_JS = (
    "break case catch class const continue debugger default delete do else export extends finally for "
    "function if import in instanceof let new return super switch this throw try typeof var void while with "
    "yield async await of null undefined true false interface type enum implements"
)
_C = (
    "auto break case char const continue default do double else enum extern float for goto if inline int long "
    "register return short signed sizeof static struct switch typedef union unsigned void volatile while class "
    "namespace template typename public private protected virtual override new delete this true false nullptr "
    "fn let mut impl trait pub use mod match loop where self Self func package import var type go defer chan "
    "select range map interface struct nil"
)
_SHELL = "if then else elif fi for while do done case esac in function return export local echo cd exit set"
_SQL = (
    "select from where join inner left right outer on group by order having insert into values update set "
    "delete create table drop alter index as and or not null is in limit offset distinct union all"
)


@dataclass(frozen=True)
class _Language:
    keywords: frozenset[str]
    line_comment: str | None
    block_comment: tuple[str, str] | None = None
    triple_strings: bool = False
    case_insensitive: bool = False


def _lang(words: str, line: str | None, block: tuple[str, str] | None = None, **kw: bool) -> _Language:
    return _Language(frozenset(words.split()), line, block, **kw)


_LANGUAGES: dict[str, _Language] = {
    "python": _lang(_PY, "#", triple_strings=True),
    "js": _lang(_JS, "//", ("/*", "*/")),
    "c": _lang(_C, "//", ("/*", "*/")),
    "shell": _lang(_SHELL, "#"),
    "sql": _lang(_SQL, "--", ("/*", "*/"), case_insensitive=True),
    "json": _lang("true false null", None),
    "plain": _lang("", None),
}
_ALIASES = {
    "py": "python",
    "python3": "python",
    "javascript": "js",
    "ts": "js",
    "typescript": "js",
    "tsx": "js",
    "jsx": "js",
    "java": "c",
    "cpp": "c",
    "c++": "c",
    "cs": "c",
    "csharp": "c",
    "rust": "c",
    "rs": "c",
    "go": "c",
    "kotlin": "c",
    "swift": "c",
    "bash": "shell",
    "sh": "shell",
    "zsh": "shell",
    "console": "shell",
    "yaml": "shell",
    "toml": "shell",
}

_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`(?:[^`\\]|\\.)*`?)"""
    r"|(?P<number>\b(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\b)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
)

_IN_BLOCK_COMMENT, _IN_TRIPLE_DOUBLE, _IN_TRIPLE_SINGLE = 1, 2, 3


def language_for(name: str) -> str:
    name = name.lower()
    return name if name in _LANGUAGES else _ALIASES.get(name, "plain")


class CodeHighlighter(QtGui.QSyntaxHighlighter):
    def __init__(self, document: QtGui.QTextDocument, language: str) -> None:
        super().__init__(document)
        self._lang = _LANGUAGES[language_for(language)]
        self._formats = _formats(theme.current())

    def use_theme(self, t: theme.Theme) -> None:
        formats = _formats(t)
        if formats["keyword"].foreground().color() != self._formats["keyword"].foreground().color():
            self._formats = formats
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        lang, fmt = self._lang, self._formats
        self.setCurrentBlockState(0)
        pos = self._continue_multiline(text)
        while pos < len(text):
            if lang.line_comment and text.startswith(lang.line_comment, pos):
                self.setFormat(pos, len(text) - pos, fmt["comment"])
                return
            if lang.block_comment and text.startswith(lang.block_comment[0], pos):
                pos = self._span(text, pos, lang.block_comment[1], _IN_BLOCK_COMMENT, "comment", 2)
                continue
            if lang.triple_strings and text.startswith(('"""', "'''"), pos):
                quote = text[pos : pos + 3]
                state = _IN_TRIPLE_DOUBLE if quote == '"""' else _IN_TRIPLE_SINGLE
                pos = self._span(text, pos, quote, state, "string", 3)
                continue
            match = _TOKEN.match(text, pos)
            if match is None:
                pos += 1
                continue
            kind = match.lastgroup or ""
            word = match.group()
            if kind == "word":
                key = word.lower() if lang.case_insensitive else word
                if key in lang.keywords:
                    self.setFormat(pos, len(word), fmt["keyword"])
                elif text[match.end() : match.end() + 1] == "(":
                    self.setFormat(pos, len(word), fmt["call"])
            elif kind in fmt:
                self.setFormat(pos, len(word), fmt[kind])
            pos = match.end()

    def _continue_multiline(self, text: str) -> int:
        previous = self.previousBlockState()
        ends = {_IN_BLOCK_COMMENT: ("comment", None), _IN_TRIPLE_DOUBLE: ("string", '"""')}
        ends[_IN_TRIPLE_SINGLE] = ("string", "'''")
        if previous not in ends:
            return 0
        kind, closing = ends[previous]
        if closing is None:
            assert self._lang.block_comment is not None
            closing = self._lang.block_comment[1]
        end = text.find(closing)
        if end < 0:
            self.setFormat(0, len(text), self._formats[kind])
            self.setCurrentBlockState(previous)
            return len(text)
        self.setFormat(0, end + len(closing), self._formats[kind])
        return end + len(closing)

    def _span(self, text: str, pos: int, closing: str, state: int, kind: str, skip: int) -> int:
        end = text.find(closing, pos + skip)
        if end < 0:
            self.setFormat(pos, len(text) - pos, self._formats[kind])
            self.setCurrentBlockState(state)
            return len(text)
        self.setFormat(pos, end + len(closing) - pos, self._formats[kind])
        return end + len(closing)


def _formats(t: theme.Theme) -> dict[str, QtGui.QTextCharFormat]:
    colours = {
        "keyword": ("#8839ef", "#c792ea"),
        "string": ("#2d8a4e", "#a5d6a7"),
        "number": ("#c2410c", "#f9ae7a"),
        "comment": ("#7c7f93", "#8b90a8"),
        "call": ("#1e66f5", "#82aaff"),
    }
    out = {}
    for name, (light, dark) in colours.items():
        fmt = QtGui.QTextCharFormat()
        fmt.setForeground(QtGui.QColor(dark if t.dark else light))
        if name == "comment":
            fmt.setFontItalic(True)
        out[name] = fmt
    return out
