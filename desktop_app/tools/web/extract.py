"""Readable text from fetched bytes: the main text of an HTML page, the text of a PDF, plain text.

Every function here is synchronous and CPU-bound (parsing up to 5 MB); callers run
them in a worker thread so the event loop never waits on them.
"""

from __future__ import annotations

import html
import io
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from ...core.errors import ToolError

__all__ = ["Extracted", "extract_html", "extract_pdf", "extract_text", "simple_html_text"]

log = logging.getLogger(__name__)

MAX_PDF_PAGES = 500  # beyond this a "page" read would take longer than the tool's time limit

_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


@dataclass(frozen=True)
class Extracted:
    """The text of a document and its title ("" when it has none); ``note`` says what was left out."""

    text: str
    title: str = ""
    note: str = ""


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def extract_html(data: bytes | str, url: str = "") -> Extracted:
    """The main text of an HTML page (navigation, headers, footers and asides left out).

    Uses trafilatura; when it finds nothing or fails on a page, a simple extractor
    of our own takes the text of the ``<article>`` or ``<main>`` element, else of
    the body, without scripts, styles and navigation.
    """
    text, title = "", ""
    try:
        import trafilatura  # imported here: it pulls in lxml and friends, slow for app start-up

        document = trafilatura.bare_extraction(
            data, url=url or None, with_metadata=True, include_comments=False, include_tables=True
        )
        if document is not None and not isinstance(document, dict):
            text = document.text or ""
            title = document.title or ""
    except Exception as exc:  # a third-party parser failing on one page must not fail the read
        log.info("trafilatura failed on %s: %s", url, type(exc).__name__)
    if not text.strip() or not title.strip():
        fallback = simple_html_text(data)
        text = text if text.strip() else fallback.text
        title = title if title.strip() else fallback.title
    return Extracted(_tidy(text), " ".join(title.split()))


def extract_pdf(data: bytes) -> Extracted:
    """The text of a PDF, page by page. Raises ToolError for a damaged or password-protected file."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ToolError("This PDF is protected by a password, so Backstage cannot read it.")
        pages = reader.pages
        count = len(pages)
        texts = [pages[i].extract_text() or "" for i in range(min(count, MAX_PDF_PAGES))]
        metadata = reader.metadata
        title = str(metadata.title or "") if metadata is not None else ""
    except ToolError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ToolError(f"This PDF could not be read; the file looks damaged or cut short ({exc}).") from exc
    note = f"Only the first {MAX_PDF_PAGES} of {count} pages were read." if count > MAX_PDF_PAGES else ""
    text = _tidy("\n\n".join(t.strip() for t in texts if t.strip()))
    if not text:
        raise ToolError(
            "This PDF has no text layer (it is probably scanned images), so there is nothing to read."
        )
    return Extracted(text, title.strip(), note)


def extract_text(data: bytes, charset: str | None) -> Extracted:
    """Plain text, decoded with the server's charset (UTF-8 when it names none or a wrong one)."""
    return Extracted(_tidy(decode(data, charset)))


def decode(data: bytes, charset: str | None) -> str:
    """``data`` as text; bytes that do not decode become U+FFFD instead of failing the read."""
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return data.decode("utf-8", errors="replace")


# -- the fallback extractor ------------------------------------------------------

_SKIP = frozenset(
    {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form"}
)
_BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "hr"}
)
_VOID = frozenset(
    {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}
)


class _TextParser(HTMLParser):
    """Collects text by region: the whole body, and the first ``<article>`` / ``<main>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: list[str] = []
        self.main: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False
        self._main_depth = 0  # > 0 inside the first article/main element
        self._main_done = False
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag in _BLOCKS:
                self._add("\n")
            return
        self._stack.append(tag)
        if tag in _SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in ("article", "main"):
            if self._main_depth or not self._main_done:
                self._main_depth += 1
        if tag in _BLOCKS:
            self._add("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._stack:
            return  # a stray end tag
        while self._stack:  # close whatever the page left open inside this element
            open_tag = self._stack.pop()
            if open_tag in _SKIP:
                self._skip -= 1
            elif open_tag == "title":
                self._in_title = False
            elif open_tag in ("article", "main") and self._main_depth:
                self._main_depth -= 1
                self._main_done = self._main_depth == 0
            if open_tag == tag:
                break
        if tag in _BLOCKS:
            self._add("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self._add(data)

    def _add(self, text: str) -> None:
        self.body.append(text)
        if self._main_depth:
            self.main.append(text)


def simple_html_text(data: bytes | str) -> Extracted:
    """A plain extractor with no dependencies: used when trafilatura finds nothing."""
    source = data if isinstance(data, str) else decode(data, _meta_charset(data))
    parser = _TextParser()
    try:
        parser.feed(source)
        parser.close()
    except AssertionError:  # html.parser gives up on some broken markup; keep what it read
        pass
    main = _tidy("".join(parser.main))
    text = main if len(main) >= 200 else _tidy("".join(parser.body))
    return Extracted(text, html.unescape(" ".join("".join(parser.title).split())))


def _meta_charset(data: bytes) -> str | None:
    match = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", data[:4096], re.IGNORECASE)
    return match.group(1).decode("ascii") if match else None
