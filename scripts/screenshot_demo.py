"""The demo the screenshots play: tools with real-looking sources and a provider that answers like a model.

The main turn searches and reads a page in parallel, calls the calculator, then writes a
long Markdown answer that cites its sources, with approximate, derived and one invented
figure and a citation of a source it was never given, so every provenance class shows.
A second conversation ("compare the two reports") reads two long pages under a small
context window, so the loop has to trim and says so.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from desktop_app.core.sources import SourceRecord
from desktop_app.core.stream import StreamEnd, TextChunk, ToolCallBegin, ToolCallComplete
from desktop_app.tools.base import Risk, Tool, ToolResult

GLASSDOOR = SourceRecord(
    tool="web_search",
    title="UX Designer Salary in the United States (2025)",
    url="https://www.glassdoor.com/Salaries/ux-designer-salary-SRCH_KO0,11.htm",
    excerpt="UX Designer salaries 2025: the average base pay is $98,400 a year in the United States; "
    "senior UX designers earn $103,000 on average, based on 12,840 salaries reported.",
)
LEVELS = SourceRecord(
    tool="web_search",
    title="Product Designer Compensation – Levels.fyi",
    url="https://www.levels.fyi/t/product-designer",
    excerpt="Product design pay across all levels: the median total compensation is $77,250. "
    "Designers from bootcamps start about 12% lower than those with a degree.",
)
GUIDE = SourceRecord(
    tool="read_page",
    title="UX Designer Salary Guide 2025",
    url="https://example.org/ux-salaries",
    excerpt="UX Designer Salary Guide 2025. Entry-level UX designers earn $61,000 (+4.3% since 2023), "
    "mid-level designers $92,000 (+3.1%) and senior designers $128,000 (+2.4%). Remote roles now "
    "pay about the same as on-site ones.",
)

ANSWER = """## UX designer salaries in 2025

UX designers in the US earn approximately **$98,000** a year on average [1], and senior designers \
around $103,000 [1]. Product designers overall earn around $77,000 [2], so UX roles pay roughly 27% to 34% more.

| Level | Typical salary | Change since 2023 |
|-------|----------------|-------------------|
| Entry | $61,000 | +4.3 % |
| Mid | $92,000 | +3.1 % |
| Senior | $128,000 | +2.4 % |

A few things stand out:

- Remote roles pay about the same as on-site ones now [3].
- Bootcamp graduates start about 12% lower, but the gap closes within a few years [2].
- Signing bonuses typically add another $12,500 on top [1].
- Relocation packages are common at larger companies [7].

To compare offers yourself:

```python
def yearly_growth(before: float, after: float, years: int) -> float:
    \"\"\"Average yearly growth, as a percentage.\"\"\"
    return ((after / before) ** (1 / years) - 1) * 100

print(round(yearly_growth(88_000, 92_000, 2), 1))  # 2.2
```

The senior premium over entry level is $67,000, about 2.1 times the entry salary [3]. \
In short: a solid, slowly rising salary, with most of the growth coming from moving up a level.
"""

REPORT_ANSWER = """Both reports agree that pay rose: the 2025 report puts the median at $94,500 [1], \
the 2024 report at $91,200 [2]. That is a rise of about 3.6% in a year."""


class DemoSearch(Tool):
    name = "web_search"
    description = "Search the web."
    parameters = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(1.4)
        text = f"1. {GLASSDOOR.title}\n{GLASSDOOR.excerpt}\n\n2. {LEVELS.title}\n{LEVELS.excerpt}"
        return ToolResult(text, sources=(GLASSDOOR, LEVELS))

    def status(self, args: dict[str, Any]) -> str:
        return f"Searching the web for '{args['query']}'…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return "Searched the web · 2 results"


class DemoReadPage(Tool):
    name = "read_page"
    description = "Read a web page."
    parameters = {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        url = str(args["url"])
        if "report" in url:  # the long pages of the trimming demo
            await asyncio.sleep(0.3)
            year = "2025" if "2025" in url else "2024"
            median = "$94,500" if year == "2025" else "$91,200"
            excerpt = f"UX Pay Report {year}. The median UX salary is {median}."
            filler = " Respondents described their teams, tools and hiring plans in detail." * 150
            source = SourceRecord(
                tool=self.name, title=f"UX Pay Report {year}", url=f"https://{url}", excerpt=excerpt
            )
            return ToolResult(excerpt + filler, sources=(source,))
        await asyncio.sleep(2.2)
        return ToolResult(f"{GUIDE.title}\n{GUIDE.url}\n\n{GUIDE.excerpt}", sources=(GUIDE,))

    def status(self, args: dict[str, Any]) -> str:
        return f"Reading {args['url']}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return "Read the page · 2,300 words"


class DemoSaveNote(Tool):
    name = "save_note"
    description = "Save a note to a file."
    parameters = {"type": "object", "properties": {"text": {"type": "string"}}}
    risk = Risk.WRITES

    async def run(self, args: dict[str, Any]) -> ToolResult:
        return ToolResult("saved")

    def status(self, args: dict[str, Any]) -> str:
        return f"Saving a note: “{args.get('text', '')}”"


class DemoProvider:
    """Plays the demo turns: parallel tools, a calculator call, then the answer at reading speed."""

    name = "demo"

    def __init__(self, tokens_per_second: float = 120.0) -> None:
        self.rate = tokens_per_second
        self.requests = 0

    async def stream(self, request: Any) -> AsyncIterator[Any]:
        self.requests += 1
        users = [m for m in request.messages if getattr(m, "role", "") == "user"]
        last_user = request.messages[-1]
        if getattr(last_user, "role", "") == "user" and "note" in last_user.text:
            yield ToolCallBegin("n1", "save_note")
            yield ToolCallComplete("n1", "save_note", '{"text": "Compare UX offers by level"}')
            yield StreamEnd("tool_calls", 310, 24)
            return
        question = users[-1].text if users else ""
        cycle = sum(1 for m in request.messages if getattr(m, "role", "") == "assistant")
        if "reports" in question:
            async for delta in self._reports(cycle):
                yield delta
            return
        if cycle == 0:
            for token in re.findall(r"\s*\S+", "I'll look up current figures."):
                await asyncio.sleep(0.04)
                yield TextChunk(token)
            await asyncio.sleep(0.3)
            yield ToolCallBegin("s1", "web_search")
            yield ToolCallComplete("s1", "web_search", '{"query": "UX designer salary 2025"}')
            await asyncio.sleep(0.15)
            yield ToolCallBegin("r1", "read_page")
            yield ToolCallComplete("r1", "read_page", '{"url": "example.org/ux-salaries"}')
            yield StreamEnd("tool_calls", 412, 58)
        elif cycle == 1:
            await asyncio.sleep(0.5)
            yield ToolCallBegin("c1", "calculator")
            yield ToolCallComplete("c1", "calculator", '{"expression": "128000 - 61000"}')
            yield StreamEnd("tool_calls", 980, 21)
        else:
            await asyncio.sleep(0.6)
            async for delta in self._speak(ANSWER):
                yield delta
            yield StreamEnd("stop", 1210, 420)

    async def _reports(self, cycle: int) -> AsyncIterator[Any]:
        if cycle < 2:
            year = "2025" if cycle == 0 else "2024"
            yield ToolCallBegin(f"p{cycle}", "read_page")
            yield ToolCallComplete(f"p{cycle}", "read_page", f'{{"url": "example.org/ux-report-{year}"}}')
            yield StreamEnd("tool_calls", 900, 30)
            return
        async for delta in self._speak(REPORT_ANSWER):
            yield delta
        yield StreamEnd("stop", 2900, 60)

    async def _speak(self, text: str) -> AsyncIterator[Any]:
        for token in re.findall(r"\s*\S+|\s+", text):
            await asyncio.sleep(1 / self.rate)
            yield TextChunk(token)

    async def aclose(self) -> None:
        pass
