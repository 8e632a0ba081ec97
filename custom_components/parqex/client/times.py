"""ParqEx's zone-less times, placed in time (no Home Assistant imports).

ParqEx writes `YYYY-MM-DD HH:MM:SS` in the account's time zone. They are turned
into aware UTC datetimes as they are parsed; everything after that compares UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo


def local_to_utc(naive: datetime, zone: tzinfo) -> datetime:
    """Return a ParqEx local time in UTC (a repeated hour: its first pass)."""
    return readings(naive, zone)[0]


# How far behind a change a `sync` may still be (ParqEx's answers lag a little).
SYNC_LAG = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Earlier:
    """What an earlier `sync` reported, and when it was read.

    Times are by door or controller id; they settle which pass of a repeated
    hour a time means.
    """

    times: Mapping[str, datetime | None] = field(default_factory=dict)
    read_at: datetime | None = None

    def place(self, owner_id: str, naive: datetime, zone: tzinfo) -> datetime:
        """Return an owner's reported local time in UTC.

        In the hour clocks go back: what was reported before stays as it was;
        a time that comes after it, or that the earlier answer would already
        have shown (older than it by more than ParqEx's lag), is the second
        pass unless that is still to come. Else the first.
        """
        first, second = readings(naive, zone)
        if second is None:
            return first
        before = self.times.get(owner_id)
        if before in (first, second):
            return before
        if second > datetime.now(UTC):
            return first
        if before is not None and first < before <= second:
            return second
        if self.read_at is not None and first < self.read_at - SYNC_LAG:
            return second
        return first


def readings(naive: datetime, zone: tzinfo) -> tuple[datetime, datetime | None]:
    """Return a ParqEx local time in UTC, and its second reading if it has one.

    On the night clocks go back one local hour happens twice: the second value
    is then the later of the two instants, else None. Which one ParqEx meant is
    for whoever knows more (the door's last toggle, what was read before).
    """
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return first, (second if second > first else None)
