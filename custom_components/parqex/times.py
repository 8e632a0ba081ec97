"""ParqEx's zone-less times, placed in time (no Home Assistant imports).

ParqEx writes `YYYY-MM-DD HH:MM:SS` in the account's time zone. They are turned
into aware UTC datetimes as they are parsed; everything after that compares UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from itertools import pairwise


def local_to_utc(
    naive: datetime, zone: tzinfo, not_before: datetime | None = None
) -> datetime:
    """Return a ParqEx local time in UTC.

    When clocks go back, one local hour happens twice. Which one is meant is
    inferred from order: the first, unless that would be before `not_before`
    (the time of what ParqEx reported before it) and the second is not.
    """
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if not_before is None or first >= not_before:
        return first
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return second if second >= not_before else first


def _repeated(naive: datetime, zone: tzinfo) -> bool:
    """Whether the local time happens twice (the hour clocks go back)."""
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return first != naive.replace(tzinfo=zone, fold=1).astimezone(UTC)


def in_order_to_utc(naive: list[datetime], zone: tzinfo) -> list[datetime]:
    """Place a list of local times ParqEx gave in order (either direction) in UTC.

    Each repeated hour is resolved against its neighbour in time, so an event at
    01:10 that follows one at 01:50 on the night clocks go back is the later one.
    The direction is the one most neighbours outside a repeated hour agree on;
    without any, newest first (as ParqEx's history has been seen to answer).
    """
    plain = [value for value in naive if not _repeated(value, zone)]
    steps = list(pairwise(plain))
    newest_first = sum(a > b for a, b in steps) >= sum(a < b for a, b in steps)
    ordered = list(reversed(naive)) if newest_first else naive
    placed: list[datetime] = []
    previous: datetime | None = None
    for value in ordered:
        previous = local_to_utc(value, zone, previous)
        placed.append(previous)
    return list(reversed(placed)) if newest_first else placed
