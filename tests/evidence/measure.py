"""What the benchmark measures: requests, state writes, CPU, memory, delays."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
import statistics
import time
import tracemalloc
from typing import Any
from unittest.mock import Mock

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.storage import Store


@dataclass
class Cost:
    """One refresh of every access point, as one poller does it."""

    requests_quiet: int | None = None
    requests_moving: int | None = None
    cpu_ms: float | None = None
    peak_kib: float | None = None
    writes_quiet: int | None = None


class Writes(list[str]):
    """Entity ids of state writes, in order; `unchanged` those that changed nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.unchanged: list[str] = []


@contextmanager
def counting_writes(hass: HomeAssistant, entity_ids: Iterable[str]) -> Iterator[Writes]:
    """Collect the state writes (changed or merely reported) of some entities."""
    watched = set(entity_ids)
    written = Writes()

    @callback
    def _written(event: Event[Any]) -> None:
        written.append(event.data["entity_id"])
        if event.event_type == EVENT_STATE_REPORTED:
            written.unchanged.append(event.data["entity_id"])

    @callback
    def _watched(event_data: Any) -> bool:
        return event_data["entity_id"] in watched

    unlisten = [
        hass.bus.async_listen(kind, _written, _watched)
        for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
    ]
    try:
        yield written
    finally:
        for stop in unlisten:
            stop()


def forget_storage_writes() -> None:
    """Forget what the test harness's storage mock remembers of each write.

    It keeps every call's arguments, the store and the data written, for the
    life of the test: a process that sets the entry up or saves again and again
    grows by every copy, where Home Assistant writes them to disk and lets them
    go. Measured without forgetting, the process grew by four objects per access
    point at each set-up, and figures taken later ran in a bigger process.
    """
    for name in ("_async_write_data", "_async_load"):
        mocked = getattr(getattr(Store, name), "mock", None)
        if isinstance(mocked, Mock):
            mocked.reset_mock()


async def cpu_ms(refresh: Callable[[], Awaitable[None]], times: int = 5) -> float:
    """Median CPU time of this process over some refreshes, in milliseconds.

    The simulator runs in its own process, so this is Home Assistant's share:
    the requests, parsing, and updating the entities.
    """
    spent = []
    for _ in range(times):
        started = time.process_time()
        await refresh()
        spent.append(time.process_time() - started)
    return statistics.median(spent) * 1000


async def peak_kib(refresh: Callable[[], Awaitable[None]]) -> float:
    """Memory allocated at the peak of one refresh, above what was held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        await refresh()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - before) / 1024


@dataclass
class Delays:
    """Seconds from a change to Home Assistant showing it, over several changes."""

    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def p95(self) -> float | None:
        if not self.seconds:
            return None
        if len(self.seconds) == 1:
            return self.seconds[0]
        return statistics.quantiles(self.seconds, n=20, method="inclusive")[-1]


async def until_state(
    hass: HomeAssistant, entity_id: str, wanted: str, within: float
) -> float:
    """Wait for an entity to show a state; return the monotonic time it did."""
    state = hass.states.get(entity_id)
    if state is not None and state.state == wanted:
        return time.monotonic()
    shown: asyncio.Future[float] = hass.loop.create_future()

    @callback
    def _changed(event: Event[Any]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state == wanted and not shown.done():
            shown.set_result(time.monotonic())

    @callback
    def _this(event_data: Any) -> bool:
        return event_data["entity_id"] == entity_id

    unlisten = hass.bus.async_listen(EVENT_STATE_CHANGED, _changed, _this)
    try:
        return await asyncio.wait_for(shown, within)
    finally:
        unlisten()
