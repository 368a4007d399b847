"""The answers an approval card can give; the bridge turns each into a policy decision.

Kept apart from the bridge so widgets can name them without importing the loop.
"""

from __future__ import annotations

ALLOW_ONCE, ALLOW_CHAT, DENY = "once", "chat", "deny"
