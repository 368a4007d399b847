"""MCP servers written with the ``mcp`` SDK, started by the tests over stdio and HTTP."""
