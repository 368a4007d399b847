"""How much time the loop adds on top of the model and the tools, and how fast streams are parsed.

Prints figures as ratios against baselines measured in the same run (no pass/fail):

1. wall time of a three-cycle turn against a real local server with fixed latencies,
   divided by the ideal critical path (the server's own delays plus the slowest tool
   of each cycle). Target ≤ 1.05.
2. the speed-up of parallel over sequential tool execution, as a fraction of the
   ideal speed-up. Target ≥ 0.95.
3. SSE parse + accumulate throughput on a 20 MB recorded stream, in MB/s and
   against plain ``json.loads`` of the same payloads.

Run: ``.venv/bin/python -m benchmarks.loop_overhead``
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.core.conversation import Conversation  # noqa: E402
from desktop_app.core.loop import AgentLoop, LoopConfig  # noqa: E402
from desktop_app.providers.openai_accumulator import ChatStreamState  # noqa: E402
from desktop_app.providers.openai_compat import OpenAICompatProvider  # noqa: E402
from desktop_app.providers.sse import SSEDecoder  # noqa: E402
from desktop_app.tools.base import Tool, ToolResult  # noqa: E402
from desktop_app.tools.registry import ToolRegistry  # noqa: E402
from tests.servers import openai_wire as wire  # noqa: E402
from tests.servers.scripted import Chunk, RecordedRequest, Response, ScriptedServer  # noqa: E402

TTFT = 0.15  # seconds before the first chunk of every response
TOKEN_DELAY = 0.004  # between chunks
ANSWER_TOKENS = 60
TOOL_LATENCIES = (0.1, 0.2, 0.3)
RUNS = 3


class FixedLatencyTool(Tool):
    name = "wait"
    description = "Waits a fixed time."
    parameters = {"type": "object", "properties": {"seconds": {"type": "number"}}, "required": ["seconds"]}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(args["seconds"])
        return ToolResult(f"waited {args['seconds']}")


def _timed(events: list[bytes], token_delay: float) -> list[Chunk]:
    return [Chunk(data, TTFT if i == 0 else token_delay) for i, data in enumerate(events)]


def _split_events(body: bytes) -> list[bytes]:
    return [part + b"\n\n" for part in body.split(b"\n\n") if part]


def _tool_cycle() -> list[bytes]:
    calls = [("wait", json.dumps({"seconds": s})) for s in TOOL_LATENCIES]
    return _split_events(wire.tool_call_stream(calls, split=2))


def _answer() -> list[bytes]:
    return _split_events(wire.text_stream("word " * ANSWER_TOKENS, ANSWER_TOKENS))


def _script(request: RecordedRequest) -> Response:
    tool_results = sum(1 for m in request.json["messages"] if m["role"] == "tool")
    # Tool calls arrive in one burst after the first token, so every call is dispatched at the same
    # moment and the tool phase measures the loop, not the pacing of the stream.
    if tool_results < 2 * len(TOOL_LATENCIES):
        return Response.sse(_timed(_tool_cycle(), 0.0))
    return Response.sse(_timed(_answer(), TOKEN_DELAY))


def _ideal() -> float:
    """The critical path: each response's own delays, plus the slowest tool after each tool cycle."""
    tool_stream = TTFT
    answer_stream = TTFT + TOKEN_DELAY * (len(_answer()) - 1)
    return 2 * (tool_stream + max(TOOL_LATENCIES)) + answer_stream


async def _turn(url: str, concurrency: int) -> tuple[float, float]:
    """Wall time of a turn, and the total time its tool phases took (first tool start to last finish)."""
    provider = OpenAICompatProvider(f"{url}/v1")
    loop = AgentLoop(
        provider, ToolRegistry([FixedLatencyTool()]), LoopConfig(model="m", tool_concurrency=concurrency)
    )
    phases: dict[int, list[float]] = {}

    def emit(event: Any) -> None:
        if event.type in ("tool_started", "tool_finished"):
            phases.setdefault(event.cycle, []).append(event.t)

    start = time.perf_counter()
    finished = await loop.run_turn(Conversation(id="bench"), "go", emit)
    wall = time.perf_counter() - start
    await provider.aclose()
    assert finished.stop_reason == "complete", finished
    return wall, sum(max(ts) - min(ts) for ts in phases.values())


def loop_figures() -> None:
    with ScriptedServer(_script) as server:
        asyncio.run(_turn(server.url, 4))  # warm-up: imports, connection pool, token encodings
        parallel = [asyncio.run(_turn(server.url, 4)) for _ in range(RUNS)]
        sequential = [asyncio.run(_turn(server.url, 1)) for _ in range(RUNS)]
    ideal = _ideal()
    wall = statistics.median(w for w, _ in parallel)
    print(f"three-cycle turn: {wall * 1000:.0f} ms measured, {ideal * 1000:.0f} ms ideal critical path")
    print(f"  overhead ratio (measured / ideal): {wall / ideal:.3f}   (target <= 1.05)")
    par_tools = statistics.median(p for _, p in parallel)
    seq_tools = statistics.median(p for _, p in sequential)
    ideal_speedup = sum(TOOL_LATENCIES) / max(TOOL_LATENCIES)
    speedup = seq_tools / par_tools
    print(f"tool phases: parallel {par_tools * 1000:.0f} ms, sequential {seq_tools * 1000:.0f} ms")
    print(
        f"  parallel speed-up {speedup:.2f}x of ideal {ideal_speedup:.2f}x = {speedup / ideal_speedup:.3f}"
        "   (target >= 0.95)"
    )


def _recorded_stream(target_bytes: int) -> bytes:
    parts = []
    size = 0
    n = 0
    while size < target_bytes:
        body = wire.tool_call_stream(
            [
                ("search", json.dumps({"q": f"query {n} " * 5})),
                ("read", json.dumps({"url": "https://e.org/" + "x" * 40})),
            ],
            text="Some text with ünïcödé and more words " * 3,
            interleave=True,
            split=6,
            done=False,
        )
        parts.append(body)
        size += len(body)
        n += 1
    return b"".join(parts)


def parse_figures() -> None:
    data = _recorded_stream(20 * 1024 * 1024)
    mb = len(data) / (1024 * 1024)
    chunk_size = 64 * 1024
    pieces = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]

    def ours() -> None:
        decoder = SSEDecoder()
        state = ChatStreamState()
        for piece in pieces:
            for event in decoder.feed(piece):
                if event.data != "[DONE]":
                    obj = json.loads(event.data)
                    if obj.get(
                        "choices"
                    ):  # each recorded response restarts its indices; reset per usage chunk
                        state.accumulate(obj)
                    else:
                        state = ChatStreamState()
        decoder.flush()

    payloads = [line[6:] for line in data.split(b"\n\n") if line.startswith(b"data: {")]

    def baseline() -> None:
        for payload in payloads:
            json.loads(payload)

    t_ours = min(_seconds(ours) for _ in range(3))
    t_base = min(_seconds(baseline) for _ in range(3))
    print(f"SSE parse + accumulate: {mb / t_ours:.0f} MB/s on {mb:.0f} MB ({t_ours:.2f} s)")
    print(
        f"  json.loads alone on the same payloads: {mb / t_base:.0f} MB/s; ours costs {t_ours / t_base:.2f}x that"
    )


def _seconds(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    loop_figures()
    parse_figures()
