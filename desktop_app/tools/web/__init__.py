"""Tools that reach the web: ``web_search`` (pluggable search services) and ``read_page``.

``read_page`` fetches addresses the model chose, so it refuses local and private
network addresses unless the user allows them (see :mod:`.url_safety`).
"""

from __future__ import annotations

from .backends import (
    BACKEND_NAMES,
    BraveBackend,
    DuckDuckGoBackend,
    SearchBackend,
    SearchHit,
    SearxngBackend,
    TavilyBackend,
    make_backend,
)
from .read_page import ReadPage
from .search import WebSearch
from .url_safety import LOCAL_ADDRESS_MESSAGE, LocalAddressRefused, check_url, is_public_address

__all__ = [
    "BACKEND_NAMES",
    "LOCAL_ADDRESS_MESSAGE",
    "BraveBackend",
    "DuckDuckGoBackend",
    "LocalAddressRefused",
    "ReadPage",
    "SearchBackend",
    "SearchHit",
    "SearxngBackend",
    "TavilyBackend",
    "WebSearch",
    "check_url",
    "is_public_address",
    "make_backend",
]
