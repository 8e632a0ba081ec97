"""The dialects of ParqEx's API: one choice per contradiction in its documentation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

TokenMethod = Literal["post", "get"]
TogglePath = Literal["endpoints", "endpoint", "api"]
SyncMethod = Literal["get", "post"]

# Where each toggle path form lives (the other endpoints stay at `endpoints`).
TOGGLE_PREFIXES: dict[str, str] = {
    "endpoints": "/oauth/v1/endpoints/",
    "endpoint": "/oauth/v1/endpoint/",
    "api": "/api/oauth/v1/endpoints/",
}


@dataclass(frozen=True, slots=True)
class Dialect:
    """How this simulated ParqEx reads its own documentation.

    token_method: "post" takes the RFC's POST form only; "get" only the documented
        GET with a query string.
    toggle_path: "endpoints" (the consistent form), "endpoint" (only the singular
        /oauth/v1/endpoint/toggle of the heading) or "api" (only
        /api/oauth/v1/endpoints/toggle of the example).
    sync_method: "get" as documented, or "post" only, as the predecessor's example.
    gzip: compress answers for clients that accept gzip.
    """

    token_method: TokenMethod = "post"
    toggle_path: TogglePath = "endpoints"
    sync_method: SyncMethod = "get"
    gzip: bool = True

    def describe(self) -> dict[str, object]:
        """Return the dialect as JSON-able data."""
        return asdict(self)
