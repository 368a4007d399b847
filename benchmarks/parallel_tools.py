"""Do independent tool calls of one model turn really run side by side?

One model turn asks for 1, 2, 4 and 8 independent tool calls of mixed latency; the
real loop (AgentLoop, with a scripted provider in place of a server) runs them. For
each count it prints the wall time of the tool phase (first call ready → last call
finished) divided by the slowest single call: 1.00 is perfect overlap, the target is
at most 1.05. Two kinds of call:

- ``sleep``: a tool that only waits (pure loop and dispatch overhead);
- ``read_page``: the real tool reading pages from a local server that answers after a
  delay, so HTTP, extraction in worker threads and source records are included.

The loop's concurrency cap is set to 8 here; the last column shows 8 calls under the
a cap of 4, where queueing is expected. Figures only; run from the repository
root with ``.venv/bin/python -m benchmarks.parallel_tools``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
from typing import Any

from desktop_app.core import events as ev
from desktop_app.core.conversation import Conversation
from desktop_app.core.loop import AgentLoop, LoopConfig
from desktop_app.tools.base import Tool, ToolResult
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.web.read_page import ReadPage
from tests.scripted_provider import ScriptedProvider, text_reply, tool_reply
from tests.servers.scripted import Chunk, RecordedRequest, Response, ScriptedServer

COUNTS = (1, 2, 4, 8)
LATENCIES = (0.30, 0.12, 0.45, 0.20, 0.38, 0.08, 0.26, 0.50)  # seconds, mixed on purpose
RUNS = 5
PAGE = (
    "<html><head><title>Bootcamp {n}</title></head><body><nav>Home · Jobs</nav><article>"
    + "".join(
        f"<p>Paragraph {i}: bootcamp {{n}} costs {4_900 + 100 * i} euros for {8 + i} weeks.</p>"
        for i in range(40)
    )
    + "</article><footer>Imprint</footer></body></html>"
)


class Sleep(Tool):
    name = "sleep"
    description = "Wait for the given number of seconds."
    parameters: dict[str, Any] = {"type": "object", "properties": {"seconds": {"type": "number"}}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(float(args["seconds"]))
        return ToolResult("done")


def _calls(kind: str, n: int, base_url: str) -> list[tuple[str, str, str]]:
    calls = []
    for i, latency in enumerate(LATENCIES[:n]):
        if kind == "sleep":
            calls.append((f"c{i}", "sleep", json.dumps({"seconds": latency})))
        else:
            calls.append((f"c{i}", "read_page", json.dumps({"url": f"{base_url}/page/{i}?delay={latency}"})))
    return calls


def _measure(kind: str, n: int, cap: int, base_url: str) -> float:
    """One turn; returns the tool phase wall time over the slowest call's duration."""
    tools = ToolRegistry([Sleep()] if kind == "sleep" else [ReadPage(allow_local_urls=True)])
    provider = ScriptedProvider([tool_reply(*_calls(kind, n, base_url)), text_reply("done")])
    loop = AgentLoop(provider, tools, LoopConfig(model="gpt-4o", tool_concurrency=cap))
    events: list[ev.Event] = []
    asyncio.run(loop.run_turn(Conversation("bench"), "go", events.append))
    ready = [e.t for e in events if isinstance(e, ev.ToolCallReady)]
    finished = [e for e in events if isinstance(e, ev.ToolFinished)]
    assert len(finished) == n and all(e.ok for e in finished), [e.status for e in finished]
    wall = max(e.t for e in finished) - min(ready)
    return wall / max(e.duration for e in finished)


def _answer(request: RecordedRequest) -> Response:
    delay = float(request.path.split("delay=", 1)[1])
    number = request.path.split("/page/", 1)[1].split("?", 1)[0]
    body = PAGE.replace("{n}", number).encode()
    return Response(200, [("Content-Type", "text/html; charset=utf-8")], [Chunk(body, delay=delay)])


def main() -> None:
    print(f"tool phase wall time / slowest call (median of {RUNS} turns; target <= 1.05)")
    print(f"{'calls':>5}  {'sleep':>7}  {'read_page':>9}")
    with ScriptedServer(_answer) as server:
        _measure("read_page", 2, 8, server.url)  # warm-up: imports, tokenizer, trafilatura
        for n in COUNTS:
            row = [
                statistics.median(_measure(kind, n, 8, server.url) for _ in range(RUNS))
                for kind in ("sleep", "read_page")
            ]
            print(f"{n:>5}  {row[0]:>7.3f}  {row[1]:>9.3f}")
        capped = [
            statistics.median(_measure(kind, 8, 4, server.url) for _ in range(RUNS))
            for kind in ("sleep", "read_page")
        ]
        print(f"{'8@cap4':>5}  {capped[0]:>7.3f}  {capped[1]:>9.3f}   (a cap of 4: half the calls queue, as expected)")


if __name__ == "__main__":
    main()
