"""The research question of the tools issue, end to end against local stand-ins.

"Compare UX designer and accountant salaries, and list good bootcamps": parallel searches, then parallel page
reads, then an answer that cites them; the sources travel with the answer and its figures are checked.
One local server plays the model (OpenAI wire), a SearXNG instance and the web pages.
"""

from __future__ import annotations

import json

from tests.cli_helpers import backstage, events_of, server_args
from tests.servers import openai_wire as wire
from tests.servers.scripted import Chunk, RecordedRequest, Response, ScriptedServer

PAGES = {
    "/pages/ux": (
        "UX Designer Salary 2025",
        "The average UX designer salary is $98,400 a year; senior designers earn $103,000.",
    ),
    "/pages/accountant": (
        "Accountant Salary 2025",
        "Accountants earn $77,250 a year on average in the United States.",
    ),
}


def _page(path: str) -> Response:
    title, text = PAGES[path]
    boilerplate = "<nav>Home · Jobs · Sign in</nav><footer>© Example Careers · Cookies</footer>"
    html = f"<html><head><title>{title}</title></head><body>{boilerplate}<article><h1>{title}</h1>"
    html += (
        "".join(f"<p>{text} {filler}</p>" for filler in ("", "Data from 12,840 reports."))
        + "</article></body></html>"
    )
    return Response.text(html, content_type="text/html; charset=utf-8")


def _search(request: RecordedRequest, base: str) -> Response:
    query = request.path.split("q=", 1)[1].split("&", 1)[0]
    slug = "ux" if "ux" in query.lower() else "accountant"
    title, text = PAGES[f"/pages/{slug}"]
    results = [{"title": title, "url": f"{base}/pages/{slug}", "content": text[:60]}]
    return Response.json({"query": query, "results": results})


def _model(request: RecordedRequest, base: str) -> Response:
    tool_results = sum(1 for m in request.json["messages"] if m["role"] == "tool")
    if tool_results == 0:
        calls = [
            ("web_search", '{"query": "UX designer salary 2025"}'),
            ("web_search", '{"query": "accountant salary"}'),
        ]
        return Response.sse(wire.tool_call_stream(calls, text="Let me look that up."))
    if tool_results == 2:
        calls = [
            ("read_page", json.dumps({"url": f"{base}/pages/ux"})),
            ("read_page", json.dumps({"url": f"{base}/pages/accountant"})),
        ]
        return Response.sse(wire.tool_call_stream(calls))
    answer = (
        "UX designers earn approximately $98,000 to $103,000 a year [3]. "
        "Accountants earn around $77,000 [4]. "
        "So UX design pays roughly 27% to 34% more. "
        "A good bootcamp costs about $13,500."
    )
    return Response.sse([Chunk(part) for part in [wire.text_stream(answer, 6)]])


def test_parallel_searches_and_reads_end_in_a_checked_answer(scripted_server: ScriptedServer) -> None:
    base = scripted_server.url

    def script(request: RecordedRequest) -> Response:
        if request.path.startswith("/v1/chat/completions"):
            return _model(request, base)
        if request.path.startswith("/search"):
            return _search(request, base)
        return _page(request.path)

    scripted_server.script(script)
    result = backstage(
        "ask",
        "Compare UX designer and accountant salaries",
        *server_args(base),
        "--search-backend",
        "searxng",
        "--search-url",
        base,
        "--allow-local-urls",
        "--events",
        "jsonl",
    )
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    assert events[-1]["stop_reason"] == "complete" and events[-1]["cycles"] == 3

    # Both searches ran at once, then both page reads ran at once.
    for cycle in (1, 2):
        started = [e["t"] for e in events if e["type"] == "tool_started" and e["cycle"] == cycle]
        finished = [e["t"] for e in events if e["type"] == "tool_finished" and e["cycle"] == cycle]
        assert len(started) == len(finished) == 2 and max(started) < min(finished)
    finished = [e for e in events if e["type"] == "tool_finished"]
    assert all(e["ok"] for e in finished), [e["status"] for e in finished]
    assert [e["name"] for e in finished].count("read_page") == 2

    # Every source is numbered, and the page text (without its boilerplate) reached the model.
    sources = [s for e in finished for s in e["sources"]]
    assert [s["id"] for s in sources] == [1, 2, 3, 4]
    assert {s["url"] for s in sources[2:]} == {f"{base}/pages/ux", f"{base}/pages/accountant"}
    page_messages = [
        m["content"] for m in scripted_server.requests[-1].json["messages"] if m["role"] == "tool"
    ][2:]
    assert any("$98,400" in m for m in page_messages) and not any("Cookies" in m for m in page_messages)

    checked = [e for e in events if e["type"] == "provenance_checked"][0]
    classes = [s["class"] for s in checked["sentences"]]
    # "Let me look that up." (cycle 1) is the model's own words; then the answer proper.
    assert classes == ["model_knowledge", "supported", "supported", "derived", "unsupported_figure"]
    assert all(c["ok"] for c in checked["citations"])
