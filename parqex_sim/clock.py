"""The simulator's clock, which tests can move forward (to expire tokens and codes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time plus an offset set through the control API."""

    def __init__(self) -> None:
        """Start at the real time."""
        self.offset = timedelta()

    def now(self) -> datetime:
        """Return the simulated time (aware, UTC)."""
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        """Move the simulated time forward."""
        self.offset += timedelta(seconds=seconds)
