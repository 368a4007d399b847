"""Real local servers and wire-format builders for provider and CLI tests."""
