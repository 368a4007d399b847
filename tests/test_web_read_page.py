"""read_page against a real local HTTP server: extraction, redirects, caps, timeouts, types, PDFs."""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import pytest

from desktop_app.core.errors import ToolError
from desktop_app.core.tokens import count_text
from desktop_app.tools.base import Risk, ToolResult
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.web.extract import extract_html, simple_html_text
from desktop_app.tools.web.fetch import classify
from desktop_app.tools.web.read_page import ReadPage, slice_text
from tests.servers.scripted import Chunk, Response, ScriptedServer

ARTICLE = (
    "<h1>UX designer salaries in 2025</h1>"
    "<p>The median UX designer in Berlin earned 62,000 euros in 2025, according to a survey of "
    "1,240 designers run by the city's design council over the spring.</p>"
    "<p>Accountants in the same survey earned 55,000 euros on average, with senior accountants "
    "reaching 71,000 euros after ten years in the profession.</p>"
)
BOILERPLATE_PAGE = f"""<!doctype html>
<html><head><title>Salaries 2025 | Example News</title><script>var tracking = "TRACKER-CODE";</script>
<style>.menu {{ color: red }}</style></head>
<body>
<nav><a href="/">Home</a> <a href="/jobs">Jobs</a> <a href="/about">NAVIGATION-LINK</a></nav>
<header><div class="banner">SITE-HEADER Subscribe now!</div></header>
<main><article>{ARTICLE}</article></main>
<aside>SIDEBAR-AD Buy our course</aside>
<footer>FOOTER-TEXT Copyright 2025 Example News GmbH · Imprint · Privacy</footer>
</body></html>"""


def read(tool: ReadPage, **args: Any) -> ToolResult:
    return asyncio.run(tool.run(args))


def read_via_registry(tool: ReadPage, **args: Any) -> ToolResult:
    """Through the registry, as the loop runs it: failures become error results."""
    return asyncio.run(ToolRegistry([tool]).execute(tool, args))


def local_tool(**kwargs: Any) -> ReadPage:
    return ReadPage(allow_local_urls=True, **kwargs)


def html(body: str, status: int = 200) -> Response:
    return Response.text(body, status=status, content_type="text/html; charset=utf-8")


def redirect(location: str, status: int = 302) -> Response:
    return Response(status, [("Location", location), ("Content-Length", "0")], [], chunked=False)


def test_main_text_without_boilerplate(scripted_server: ScriptedServer) -> None:
    scripted_server.push(html(BOILERPLATE_PAGE))
    tool = local_tool()
    result = read(tool, url=f"{scripted_server.url}/salaries")
    assert not result.is_error
    assert "62,000 euros" in result.text and "55,000 euros" in result.text
    for junk in ("TRACKER-CODE", "NAVIGATION-LINK", "SITE-HEADER", "SIDEBAR-AD", "FOOTER-TEXT"):
        assert junk not in result.text
    (source,) = result.sources
    assert source.tool == "read_page"
    assert source.url == f"{scripted_server.url}/salaries"
    assert source.title
    assert "62,000 euros" in source.excerpt and source.retrieved_at
    assert "[End of the page's text.]" in result.text
    assert tool.risk is Risk.READ_ONLY
    assert tool.status({"url": "https://www.example.org/a"}) == "Reading example.org…"
    words = len(source.excerpt.split())
    assert tool.done_status({"url": source.url}, result) == f"Read 127.0.0.1 · {words:,} words"
    assert scripted_server.requests[0].headers["user-agent"].startswith("Mozilla/5.0 (compatible; Backstage")


def test_simple_extractor_used_when_trafilatura_finds_nothing() -> None:
    fallback = simple_html_text(BOILERPLATE_PAGE)
    assert "62,000 euros" in fallback.text
    assert "NAVIGATION-LINK" not in fallback.text and "TRACKER-CODE" not in fallback.text
    assert fallback.title == "Salaries 2025 | Example News"
    # A page trafilatura gives up on (too little text) still yields what it has.
    tiny = extract_html(b"<html><head><title>Tiny</title></head><body><p>Only 3 words.</p></body></html>")
    assert tiny.text == "Only 3 words." and tiny.title == "Tiny"


def test_redirects_are_followed_and_the_final_url_kept(scripted_server: ScriptedServer) -> None:
    scripted_server.push(
        redirect("/step2", 301), redirect(f"{scripted_server.url}/final", 307), html(BOILERPLATE_PAGE)
    )
    result = read(local_tool(), url=f"{scripted_server.url}/start")
    assert [r.path for r in scripted_server.requests] == ["/start", "/step2", "/final"]
    assert result.sources[0].url == f"{scripted_server.url}/final"


def test_more_than_five_redirects_stop(scripted_server: ScriptedServer) -> None:
    scripted_server.script(lambda request: redirect(f"/hop{len(scripted_server.requests)}"))
    with pytest.raises(ToolError, match="redirected more than 5 times"):
        read(local_tool(), url=f"{scripted_server.url}/loop")
    assert len(scripted_server.requests) == 6  # the first request and five redirects followed


def test_404_is_a_plain_error(scripted_server: ScriptedServer) -> None:
    scripted_server.push(html("<h1>Not here</h1>", status=404))
    result = read_via_registry(local_tool(), url=f"{scripted_server.url}/gone")
    assert result.is_error
    assert result.text == "127.0.0.1 answered 404 Not Found: the page does not exist (or no longer does)."


def test_50_mb_body_is_cut_at_the_cap(scripted_server: ScriptedServer) -> None:
    megabyte = ("<p>" + "salary data " * 87_000 + "</p>\n").encode()[: 1024 * 1024]
    # The same 1 MB object fifty times: the server never holds 50 MB.
    head = b"<html><head><title>Huge</title></head><body>"
    scripted_server.push(
        Response(200, [("Content-Type", "text/html")], [head, *([megabyte] * 50)], chunked=True),
        Response(200, [("Content-Type", "text/html")], [head, *([megabyte] * 50)], chunked=False),
    )
    for path in ("/chunked", "/with-length"):
        tool = local_tool(max_bytes=5 * 1024 * 1024)
        result = read(tool, url=f"{scripted_server.url}{path}")
        assert not result.is_error
        assert "only its first 5 MB were read" in result.text
        assert "To read on, call read_page with this url and offset=" in result.text
        assert count_text(result.sources[0].excerpt) <= tool.token_budget


def test_slow_body_times_out_with_a_plain_message(scripted_server: ScriptedServer) -> None:
    # Each chunk comes quickly enough for a per-read timeout; the whole body never ends in time.
    trickle = [Chunk(b"<p>still coming</p>", delay=0.2) for _ in range(200)]
    scripted_server.push(Response(200, [("Content-Type", "text/html")], [b"<html><body>", *trickle]))
    with pytest.raises(ToolError, match=r"127\.0\.0\.1 did not finish sending the page within 0\.5 seconds"):
        read(local_tool(fetch_timeout=0.5), url=f"{scripted_server.url}/slow")
    assert scripted_server.requests[0].client_gone.wait(10)


def test_server_that_never_answers_times_out(scripted_server: ScriptedServer) -> None:
    scripted_server.push(Response(hang="before_headers"))
    with pytest.raises(ToolError, match="did not finish sending the page within 0.5 seconds"):
        read(local_tool(fetch_timeout=0.5), url=f"{scripted_server.url}/hang")


def test_binary_content_is_refused_from_its_headers(scripted_server: ScriptedServer) -> None:
    scripted_server.push(
        Response(
            200,
            [("Content-Type", "image/png")],
            [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400],
            chunked=False,
        )
    )
    with pytest.raises(ToolError, match="sent a file of type image/png, not a web page"):
        read(local_tool(), url=f"{scripted_server.url}/picture.png")


def test_unlabelled_binary_is_refused_from_its_first_bytes(scripted_server: ScriptedServer) -> None:
    scripted_server.push(
        Response(
            200,
            [("Content-Type", "application/octet-stream")],
            [b"PK\x03\x04\x00\x00" + bytes(range(256)) * 40],
        )
    )
    with pytest.raises(ToolError, match="not a web page"):
        read(local_tool(), url=f"{scripted_server.url}/archive.zip")


def test_classify() -> None:
    assert classify("text/html; charset=utf-8", b"") == "html"
    assert classify("application/pdf", b"") == "pdf"
    assert classify("text/csv", b"") == "text"
    assert classify("application/ld+json", b"") == "text"
    assert classify("", b"%PDF-1.4\n") == "pdf"
    assert classify("application/octet-stream", b"\n<!DOCTYPE html><html>") == "html"
    assert classify("", "plain words, ünïcode".encode()) == "text"
    assert classify("", b"\x00\x01\x02") is None
    assert classify("video/mp4", b"") is None


def tiny_pdf(lines: list[str], title: str = "Salary report") -> bytes:
    """A minimal valid PDF with one page of Helvetica text, written by hand."""
    text_ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text_ops.append(f"({escaped}) Tj T*")
    text_ops.append("ET")
    content = zlib.compress("\n".join(text_ops).encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) >>" % title.encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_text_is_read(scripted_server: ScriptedServer) -> None:
    pdf = tiny_pdf(["Accountants earned 55,000 euros in 2025.", "UX designers earned 62,000 euros."])
    scripted_server.push(Response(200, [("Content-Type", "application/pdf")], [pdf], chunked=False))
    result = read(local_tool(), url=f"{scripted_server.url}/report.pdf")
    assert "55,000 euros" in result.text and "62,000 euros" in result.text
    assert result.sources[0].title == "Salary report"


def test_unlabelled_pdf_is_recognised_and_a_damaged_one_refused(scripted_server: ScriptedServer) -> None:
    pdf = tiny_pdf(["Bootcamps cost 7,900 euros."])
    scripted_server.push(
        Response(200, [("Content-Type", "application/octet-stream")], [pdf], chunked=False),
        Response(200, [("Content-Type", "application/pdf")], [pdf[:200]], chunked=False),
    )
    assert "7,900 euros" in read(local_tool(), url=f"{scripted_server.url}/a").text
    with pytest.raises(ToolError, match="PDF"):
        read(local_tool(), url=f"{scripted_server.url}/b")


def test_long_page_is_read_in_slices_with_offsets(scripted_server: ScriptedServer) -> None:
    paragraphs = [
        f"<p>Paragraph {i}: the survey row {i} lists a salary of {40_000 + i} euros.</p>" for i in range(600)
    ]
    page = (
        f"<html><head><title>Long</title></head><body><article>{''.join(paragraphs)}</article></body></html>"
    )
    scripted_server.script(lambda request: html(page))
    tool = local_tool(token_budget=500)
    url = f"{scripted_server.url}/long"
    seen: list[str] = []
    offset = 0
    for _ in range(200):
        result = read(tool, url=url, offset=offset)
        excerpt = result.sources[0].excerpt
        assert count_text(excerpt) <= 500
        seen.append(excerpt)
        if "[End of the page's text.]" in result.text:
            break
        offset = int(result.text.rsplit("offset=", 1)[1].split("]", 1)[0].rstrip("."))
    joined = "\n".join(seen)
    assert "Paragraph 0:" in joined and "Paragraph 599:" in joined
    assert len(seen) > 5
    assert len(scripted_server.requests) == 1  # reading on comes from the cache
    with pytest.raises(ToolError, match="past the end"):
        read(tool, url=url, offset=10**9)


def test_slice_text_cuts_on_boundaries() -> None:
    text = "\n\n".join(f"Sentence number {i} is here." for i in range(2000))
    excerpt, end = slice_text(text, 0, 200)
    assert count_text(excerpt) <= 200
    assert excerpt.endswith("\n\n") and text[end:].startswith("Sentence number")
    assert slice_text("short text", 0, 200) == ("short text", len("short text"))


def test_charset_and_plain_text(scripted_server: ScriptedServer) -> None:
    scripted_server.push(
        Response(
            200,
            [("Content-Type", "text/plain; charset=iso-8859-1")],
            ["Gehalt: 62.000 €uro, Größe".encode("cp1252")],
        ),
    )
    result = read(local_tool(), url=f"{scripted_server.url}/notes.txt")
    assert "Größe" in result.text


def test_connection_refused_is_plain(scripted_server: ScriptedServer) -> None:
    url = scripted_server.url
    scripted_server.close()
    result = read_via_registry(local_tool(), url=f"{url}/x")
    assert result.is_error and result.text.startswith("Could not connect to 127.0.0.1")


def test_not_http_is_refused() -> None:
    for url in ("file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)", "example.org"):
        with pytest.raises(ToolError, match="only reads http and https"):
            read(ReadPage(), url=url)
