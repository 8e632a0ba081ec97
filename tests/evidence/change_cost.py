"""What a poll and a push cost against their floors, at one account size.

Side by side in one run, each figure the median of a few rounds with its range
(the rounds interleaved: every figure once a round, in turn):
the floors (decoding the same `sync` answer with `json` and with orjson;
fetching and decoding it; fetching and decoding every controller's history, as
the 5-minute sweep reads it; a delivery to a webhook that does nothing), a
quiet poll while every controller's last contact moves (as real controllers
check in), a poll in which the sweep is due for every controller, one push,
the state writes of each (changed and unchanged apart), and the history
requests of a restart.

Each size is measured so in several fresh processes (`Processes`): a process
keeps its own level for all its rounds, and the ratios of two processes differed
by up to 30 % where those of one process's rounds moved by a few (issue 25's
notes). A ratio is the median of the processes' own ratios, with their range.

Before each timed round and each timed set-up, the test harness's storage mock
forgets the writes it remembers (`forget_storage_writes`): otherwise the process
grows at every set-up, as Home Assistant's does not, and later figures run in a
bigger one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
import gc
import json
import statistics
import time
import tracemalloc
from typing import Any
import uuid

import aiohttp
from aiohttp import web

from custom_components.parqex.const import CONF_WEBHOOK_KEY, DOMAIN
from custom_components.parqex.runtime import ParqExRuntime
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from .accounts import door_id
from .measure import Writes, counting_writes, forget_storage_writes
from .simulator import SimulatorProcess

DELIVERY_KEY = "bench-delivery-key-5f0c9a1e"
NO_OP_WEBHOOK = "bench-no-op-webhook"
STARTUP_ROUNDS = 5
# A sweep reads every controller once in 5 minutes: one poll in ten at 30 s.
POLLS_PER_SWEEP = 10


@dataclass(frozen=True)
class Figure:
    """A median and its range: of rounds (CPU ms), or of processes."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, seconds: list[float]) -> Figure:
        """CPU ms of this process over its rounds."""
        return cls.across([s * 1000 for s in seconds])

    @classmethod
    def across(cls, values: list[float]) -> Figure:
        return cls(statistics.median(values), min(values), max(values))

    @classmethod
    def pooled(cls, figures: list[Figure]) -> Figure:
        """The median of the processes' medians, and the range of all rounds."""
        return cls(
            statistics.median(f.median for f in figures),
            min(f.low for f in figures),
            max(f.high for f in figures),
        )

    def __str__(self) -> str:
        return f"{_g(self.median)} ({_g(self.low)} to {_g(self.high)})"


def _g(value: float) -> str:
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


@dataclass(frozen=True)
class Startup:
    """Setting the entry up again: CPU, the collector's share, memory held."""

    ms: Figure
    # The garbage collector's passes within it, and the full ones per round.
    collecting_ms: Figure
    full_collections: int
    # The set-up's own work: each round less its own collections.
    own_ms: Figure
    held_kib: float
    # Entities set up enabled (the entry's room for them decides at large sizes).
    enabled_entities: int

    @classmethod
    def pooled(cls, startups: list[Startup]) -> Startup:
        """Several processes' set-ups: medians of theirs, ranges of all rounds."""
        return cls(
            Figure.pooled([s.ms for s in startups]),
            Figure.pooled([s.collecting_ms for s in startups]),
            int(statistics.median(s.full_collections for s in startups)),
            Figure.pooled([s.own_ms for s in startups]),
            statistics.median(s.held_kib for s in startups),
            max(s.enabled_entities for s in startups),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Startup:
        return cls(
            **{
                name: Figure(**value) if isinstance(value, dict) else value
                for name, value in data.items()
            }
        )


@dataclass
class ChangeCost:
    """One account size, one event-loop mode."""

    json_ms: Figure
    orjson_ms: Figure
    fetch_ms: Figure
    quiet_ms: Figure
    sweep_floor_ms: Figure
    sweep_ms: Figure
    sweep_requests: int
    no_op_push_ms: Figure
    push_ms: Figure
    quiet_changed: int
    quiet_unchanged: int
    push_changed: int
    push_unchanged: int
    restart_history_requests: int
    # Measured with the event loop out of debug mode only.
    startup: Startup | None = None
    # Where some kinds started disabled (past the entry's room): the same set-up
    # with every kind enabled, the room lifted, to compare sizes like for like.
    startup_every_kind: Startup | None = None

    @property
    def quiet_ratio(self) -> float:
        """A quiet poll against fetching and decoding its answer."""
        return self.quiet_ms.median / self.fetch_ms.median

    @property
    def cycle_ratio(self) -> float:
        """Ten polls, one with the sweep, against fetching and decoding the same."""
        ours = (POLLS_PER_SWEEP - 1) * self.quiet_ms.median + self.sweep_ms.median
        floor = POLLS_PER_SWEEP * self.fetch_ms.median + self.sweep_floor_ms.median
        return ours / floor

    @property
    def push_ratio(self) -> float:
        """One delivery against one to a webhook that does nothing."""
        return self.push_ms.median / self.no_op_push_ms.median

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeCost:
        read: dict[str, Any] = {}
        for name, value in data.items():
            if not isinstance(value, dict):
                read[name] = value
            elif name.startswith("startup"):
                read[name] = Startup.from_dict(value)
            else:
                read[name] = Figure(**value)
        return cls(**read)


# Controllers, and whether the event loop ran in debug mode.
type Sized = tuple[int, bool]


def dump(costs: dict[Sized, ChangeCost]) -> str:
    """One process's costs, for the process that pools them."""
    return json.dumps(
        [
            {"controllers": controllers, "debug": debug, "cost": asdict(cost)}
            for (controllers, debug), cost in costs.items()
        ]
    )


def load(text: str) -> dict[Sized, ChangeCost]:
    return {
        (item["controllers"], item["debug"]): ChangeCost.from_dict(item["cost"])
        for item in json.loads(text)
    }


@dataclass(frozen=True)
class Processes:
    """One size and loop mode, measured in several fresh processes."""

    costs: tuple[ChangeCost, ...]

    def figure(self, name: str) -> Figure:
        return Figure.pooled([getattr(cost, name) for cost in self.costs])

    def ratio(self, name: str) -> Figure:
        """The median of the processes' own ratios, and their range."""
        return Figure.across([getattr(cost, name) for cost in self.costs])

    def most(self, name: str) -> int:
        """A count: the most any process saw (a write is a write in any)."""
        return max(getattr(cost, name) for cost in self.costs)

    def startup(self, name: str = "startup") -> Startup | None:
        startups = [getattr(cost, name) for cost in self.costs]
        if any(startup is None for startup in startups):
            return None
        return Startup.pooled(startups)


def pooled(runs: list[dict[Sized, ChangeCost]]) -> dict[Sized, Processes]:
    """Each size and loop mode that every process measured, pooled."""
    return {
        key: Processes(tuple(run[key] for run in runs))
        for key in runs[0]
        if all(key in run for run in runs)
    }


async def _rounds(
    rounds: int,
    *measured: tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]],
) -> list[Figure]:
    """Each (work, before) once a round, in turn: figures side by side in time.

    Interleaved, a figure and its floor see the same moments of the machine (and
    of the process's collector), so their ratio does not follow what drifted
    between one's rounds and the other's.
    """
    spent: list[list[float]] = [[] for _ in measured]
    for _ in range(rounds):
        forget_storage_writes()
        for (work, before), times in zip(measured, spent, strict=True):
            await before()
            started = time.process_time()
            await work()
            times.append(time.process_time() - started)
    return [Figure.of(times) for times in spent]


async def measure(
    hass: HomeAssistant,
    client: Any,
    sim: SimulatorProcess,
    entry: ConfigEntry,
    rounds: int,
) -> ChangeCost:
    """Measure one signed-in account on the simulator (push is set up here)."""
    runtime: ParqExRuntime = entry.runtime_data
    if not entry.options.get(CONF_WEBHOOK_KEY):
        flow = await hass.config_entries.options.async_init(entry.entry_id)
        await hass.config_entries.options.async_configure(
            flow["flow_id"], {CONF_WEBHOOK_KEY: DELIVERY_KEY}
        )
        await hass.async_block_till_done(wait_background_tasks=True)
    runtime = entry.runtime_data
    token = entry.data["token"]["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    endpoint = f"{sim.base}/oauth/v1/endpoints"

    async def _check_in() -> None:
        # A minute passes at the simulator: every controller online checks in.
        await sim.control("POST", "/clock", {"seconds": 60})

    async def _nothing() -> None:
        return

    async with sim.session.get(f"{endpoint}/sync", headers=headers) as response:
        raw = await _answered(response)

    async def _json() -> None:
        json.loads(raw)

    async def _orjson() -> None:
        json_loads(raw)

    async def _fetch() -> None:
        async with sim.session.get(f"{endpoint}/sync", headers=headers) as answer:
            json_loads(await _answered(answer))

    today = dt_util.now().date().isoformat()

    async def _fetch_histories() -> None:
        for controller_id in runtime.states.controllers:
            async with sim.session.get(
                f"{endpoint}/toggle-history",
                params={
                    "history_type": "device",
                    "device_id": controller_id,
                    "start_date": today,
                    "end_date": today,
                },
                headers=headers,
            ) as answer:
                json_loads(await _answered(answer))

    async def _poll() -> None:
        await runtime.coordinator.async_refresh()
        await hass.async_block_till_done()

    async def _sweep_due() -> None:
        await _check_in()
        # Every controller last read over 5 minutes ago (the sweep's own rule).
        history = entry.runtime_data.history
        long_ago = dt_util.utcnow() - timedelta(minutes=6)
        history._swept = dict.fromkeys(runtime.states.controllers, long_ago)

    ours = [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    ]
    await _check_in()
    await _poll()
    with counting_writes(hass, ours) as quiet:
        await _check_in()
        await _poll()
    await _sweep_due()
    await sim.requests()
    await _poll()
    sweep_requests = len(await sim.requests())
    json_ms, orjson_ms, fetch_ms, quiet_ms, sweep_floor_ms, sweep_ms = await _rounds(
        rounds,
        (_json, _nothing),
        (_orjson, _nothing),
        (_fetch, _check_in),
        (_poll, _check_in),
        (_fetch_histories, _nothing),
        (_poll, _sweep_due),
    )

    no_op_push_ms, push_ms, pushed = await _pushes(hass, client, entry, rounds)

    await sim.requests()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    restart = [r for r in await sim.requests() if r["endpoint"] == "toggle-history"]
    startup = None if hass.loop.get_debug() else await measure_startup(hass, entry)
    return ChangeCost(
        json_ms=json_ms,
        orjson_ms=orjson_ms,
        fetch_ms=fetch_ms,
        quiet_ms=quiet_ms,
        sweep_floor_ms=sweep_floor_ms,
        sweep_ms=sweep_ms,
        sweep_requests=sweep_requests,
        no_op_push_ms=no_op_push_ms,
        push_ms=push_ms,
        quiet_changed=len(quiet) - len(quiet.unchanged),
        quiet_unchanged=len(quiet.unchanged),
        push_changed=len(pushed) - len(pushed.unchanged),
        push_unchanged=len(pushed.unchanged),
        restart_history_requests=len(restart),
        startup=startup,
    )


async def _answered(response: aiohttp.ClientResponse) -> bytes:
    """A floor's answer: only ParqEx's data counts (an error page is no floor)."""
    raw = await response.read()
    assert response.status == 200, f"a floor's request answered {response.status}"
    return raw


async def measure_startup(hass: HomeAssistant, entry: ConfigEntry) -> Startup:
    """CPU of setting the entry up again (unloaded first), and what it holds.

    The collector's passes are timed apart: a full one walks every object of the
    process, and CPython starts one whenever the objects that survived grew by a
    quarter, so a set-up that grows a small process several times over pays
    for some. Held: memory allocated by the set-up and still in use after it
    (tracemalloc, in a round of its own: tracing slows everything it traces).
    """
    spent, collecting, full = [], [], []
    passes = _Collections()
    for _ in range(STARTUP_ROUNDS):
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        forget_storage_writes()
        gc.collect()
        with passes.counting():
            started = time.process_time()
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            spent.append(time.process_time() - started)
        collecting.append(passes.seconds)
        full.append(passes.full)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    forget_storage_writes()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        # What Home Assistant would have written to disk and let go.
        forget_storage_writes()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return Startup(
        Figure.of(spent),
        Figure.of(collecting),
        int(statistics.median(full)),
        Figure.of([s - c for s, c in zip(spent, collecting, strict=True)]),
        held / 1024,
        sum(
            entity.disabled_by is None
            for entity in er.async_entries_for_config_entry(
                er.async_get(hass), entry.entry_id
            )
        ),
    )


# The generation a full collection reports (2 in CPython).
_OLDEST = len(gc.get_threshold()) - 1


class _Collections:
    """CPU the garbage collector spends while counting, and its full passes."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._started = 0.0

    def _pass(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
            return
        self.seconds += time.process_time() - self._started
        if info["generation"] == _OLDEST:
            self.full += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.seconds, self.full = 0.0, 0
        gc.callbacks.append(self._pass)
        try:
            yield
        finally:
            gc.callbacks.remove(self._pass)


async def _pushes(
    hass: HomeAssistant, client: Any, entry: ConfigEntry, rounds: int
) -> tuple[Figure, Figure, Writes]:
    """Deliveries through Home Assistant's HTTP server, to ours and to a no-op."""

    async def _no_op(hass: HomeAssistant, webhook_id: str, request: web.Request) -> Any:
        await request.read()
        return web.Response(status=200)

    webhook.async_register(
        hass, DOMAIN, "No-op", NO_OP_WEBHOOK, _no_op, allowed_methods=["POST"]
    )
    ours = [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    ]
    http = await client()
    door = door_id(0, 0)
    no_op: list[float] = []
    spent: list[float] = []
    pushed = Writes()
    try:
        for number in range(rounds):
            forget_storage_writes()
            body = {
                # New to ParqEx's webhook each time: a seen id is not applied.
                "id": uuid.uuid4().hex.upper(),
                "eventType": "door_state_change",
                "doorID": door,
                "doorState": ("OPEN", "CLOSED")[number % 2],
                "channel": "ParqEx Web",
                "eventOccurredUTC": dt_util.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "userThatToggled": {"firstName": "Bench", "lastName": "Mark"},
            }
            for hook, times in (
                (NO_OP_WEBHOOK, no_op),
                (entry.data["webhook_id"], spent),
            ):
                with counting_writes(hass, ours) as writes:
                    started = time.process_time()
                    answer = await http.post(
                        f"/api/webhook/{hook}",
                        json=body,
                        headers={"X-ParqEx-Api-Key": DELIVERY_KEY},
                    )
                    assert answer.status == 200
                    await hass.async_block_till_done()
                    times.append(time.process_time() - started)
                if number == 0 and hook != NO_OP_WEBHOOK:
                    pushed = writes
            # ParqEx's times have whole seconds: one change per second.
            await asyncio.sleep(1.05)
    finally:
        webhook.async_unregister(hass, NO_OP_WEBHOOK)
    return Figure.of(no_op), Figure.of(spent), pushed
