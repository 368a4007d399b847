"""Cutting streamed Markdown into blocks: the same blocks whatever the chunking, and O(new text)."""

from __future__ import annotations

import random
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.ui.chat.blocks import Block, BlockSplitter

TEXT = """# Title

Para one line
continues here.

- item a
- item b

  continuation of b

```python
def f():

    return 1
```
After code.

| a | b |
|---|---|
| 1 | 2 |

~~~
tilde fence with ``` inside
~~~

Final words"""


def _split(chunks: list[str]) -> list[Block]:
    splitter = BlockSplitter()
    out: list[Block] = []
    for chunk in chunks:
        splitter.feed(chunk)
        frozen, _tail = splitter.take()
        out += frozen
    return out + splitter.finish()


def test_blocks_of_a_whole_answer() -> None:
    assert _split([TEXT]) == [
        Block("markdown", "# Title"),
        Block("markdown", "Para one line\ncontinues here."),
        Block("markdown", "- item a\n- item b\n\n  continuation of b"),
        Block("code", "def f():\n\n    return 1\n", "python"),
        Block("markdown", "After code."),
        Block("markdown", "| a | b |\n|---|---|\n| 1 | 2 |"),
        Block("code", "tilde fence with ``` inside\n", ""),
        Block("markdown", "Final words"),
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(TEXT)), max_size=40))
def test_any_chunking_gives_the_same_blocks(cuts: list[int]) -> None:
    bounds = [0, *sorted(set(cuts)), len(TEXT)]
    chunks = [TEXT[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    assert _split(chunks) == _split([TEXT])


def test_tail_is_the_growing_block() -> None:
    splitter = BlockSplitter()
    splitter.feed("First.\n\nSecond par")
    frozen, tail = splitter.take()
    assert frozen == [] and tail == Block("markdown", "First.\n\nSecond par")  # blank line not yet decided
    splitter.feed("agraph\n\n```js\nlet x")
    frozen, tail = splitter.take()
    assert frozen == [Block("markdown", "First."), Block("markdown", "Second paragraph")]
    assert tail == Block("code", "let x", "js")
    splitter.feed(" = 1;\n")
    assert splitter.take() == ([], Block("code", "let x = 1;\n", "js"))
    assert splitter.finish() == [Block("code", "let x = 1;\n", "js")]  # an unclosed fence stays code


def test_feeding_cost_does_not_grow_with_the_answer() -> None:
    paragraph = "A sentence with **bold** and `code` in it. " * 6 + "\n\n"
    splitter = BlockSplitter()

    def feed(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            for piece in [paragraph[i : i + 4] for i in range(0, len(paragraph), 4)]:
                splitter.feed(piece)
                splitter.take()
        return time.perf_counter() - started

    feed(50)
    early = min(feed(100) for _ in range(3))
    feed(2000)
    late = min(feed(100) for _ in range(3))
    assert late < early * 2.5


def test_random_markdown_round_trips_its_text() -> None:
    rng = random.Random(7)
    parts = ["Words here.", "- a\n- b", "```\nx\n```", "| h |\n|---|\n| v |", "## Head"]
    text = "\n\n".join(rng.choice(parts) for _ in range(60))
    chunks, i = [], 0
    while i < len(text):
        n = rng.randint(1, 9)
        chunks.append(text[i : i + n])
        i += n
    blocks = _split(chunks)
    assert len(blocks) == 60
    assert all(b.text.strip("\n") in parts or f"```\n{b.text}```" in parts for b in blocks)
