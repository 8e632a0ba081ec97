"""`scripts/bench`: the integration and a naive poller, side by side, on the simulator.

Everything runs in one Home Assistant (the test harness's, a real HomeAssistant
core) against the simulator in its own process over loopback HTTP, except the
start-up time, which is a real `scripts/develop` process started twice, and the
cost of change, which this process and fresh ones (`change_cost_process.py`)
each measure in full, to be pooled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
import os
from pathlib import Path
import random
import subprocess
import sys
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex import entity_budget
from custom_components.parqex.client.models import DoorState
from custom_components.parqex.const import CONF_WEBHOOK_KEY, DOMAIN
from custom_components.parqex.coordinator import ParqExCoordinator
from custom_components.parqex.entity_budget import ROOM
from custom_components.parqex.runtime import ParqExRuntime
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_platform, entity_registry as er

from ..develop_helpers import Develop, add_parqex, onboard, states, until
from ..flow_helpers import sign_in_with_simulator
from .accounts import door_id, write_account
from .change_cost import (
    STARTUP_ROUNDS,
    ChangeCost,
    Processes,
    Sized,
    Startup,
    load,
    measure,
    measure_startup,
    pooled,
)
from .measure import (
    Cost,
    Delays,
    counting_writes,
    cpu_ms,
    peak_kib,
    until_state,
)
from .naive import NaivePoller, naive_entity_id
from .report import machine, table
from .simulator import SimulatorProcess, simulator_process

DOORS = 10
TRAVEL_TIME = 3.0
# Longer than the simulated time a run's cost measurements span (see costs).
TOKEN_LIFETIME = 7 * 24 * 3600.0


@dataclass(frozen=True)
class BenchPlan:
    """How big and how long: the full run, or the quick one that keeps it working."""

    quick: bool
    controllers: tuple[int, ...]
    naive_up_to: int
    changes: int
    toggles: int
    startup_controllers: int
    # None: the integration's own 30 s. Quick mode polls both faster to finish soon.
    poll: timedelta | None
    # Of each cost-of-change figure, in each process.
    rounds: int
    # Processes that measure the cost of change, each in full: a process keeps
    # its own level, so single runs of 41 rounds differed by up to 25 % on one
    # day; two runs pooling three processes each differed by 12 % at most
    # (issue 25's notes).
    processes: int

    @classmethod
    def of(cls, quick: bool) -> BenchPlan:
        if quick:
            return cls(True, (1,), 1, 3, 1, 10, timedelta(seconds=2), 11, 2)
        return cls(False, (1, 10, 100, 500), 10, 20, 3, 10, None, 21, 3)

    @property
    def interval(self) -> timedelta:
        return self.poll or timedelta(seconds=30)


@dataclass
class BenchResult:
    """Every figure of one run."""

    plan: BenchPlan
    costs: dict[tuple[int, str], Cost] = field(default_factory=dict)
    remote: dict[str, Delays] = field(default_factory=dict)
    turn_on: dict[str, Delays] = field(default_factory=dict)
    # By controllers and whether the event loop ran in debug mode.
    change: dict[Sized, Processes] = field(default_factory=dict)
    startup_seconds: float | None = None

    def missing(self) -> list[str]:
        """Figures the plan asked for that were not produced."""
        missing = [
            f"{what} of {poller} at {controllers} controllers"
            for (controllers, poller), cost in self.costs.items()
            for what, value in vars(cost).items()
            if value is None
        ]
        for controllers in self.plan.controllers:
            pollers = ["integration"]
            if controllers <= self.plan.naive_up_to:
                pollers.append("naive")
            missing += [
                f"costs of {poller} at {controllers} controllers"
                for poller in pollers
                if (controllers, poller) not in self.costs
            ]
        for name, delays in (
            ("remote", self.remote),
            ("turn_on", self.turn_on),
        ):
            for how in ("polled", "pushed", "naive"):
                if how not in delays or delays[how].median is None:
                    missing.append(f"{name} delay {how}")
        if self.startup_seconds is None:
            missing.append("start-up time")
        missing += [
            f"cost of change at {controllers} controllers, debug {debug},"
            f" in {self.plan.processes} processes"
            for controllers in self.plan.controllers
            for debug in (True, False)
            if len(self.change.get((controllers, debug), Processes(())).costs)
            != self.plan.processes
        ]
        missing += [
            f"start-up cost at {controllers} controllers"
            for (controllers, debug), measured in self.change.items()
            if not debug and measured.startup() is None
        ]
        return missing

    def markdown(self) -> str:
        """The report: machine, cost table, delay table."""
        plan = self.plan
        mode = (
            f"quick mode: {plan.controllers[0]} controller, both poll every"
            f" {plan.interval.total_seconds():.0f} s"
            if plan.quick
            else "full run: the integration's own 30 s polling"
        )
        costs = table(
            [
                "Controllers x access points",
                "Poller",
                "Requests, quiet poll",
                "Requests, one door moving",
                "CPU ms per refresh",
                "Peak KiB per refresh",
                "State writes, quiet poll",
            ],
            [
                (
                    f"{controllers} x {DOORS}",
                    poller,
                    cost.requests_quiet,
                    cost.requests_moving,
                    cost.cpu_ms,
                    cost.peak_kib,
                    cost.writes_quiet,
                )
                for (controllers, poller), cost in sorted(self.costs.items())
            ],
        )
        change = table(
            [
                "Access points",
                "Debug loop",
                "Decode, `json`",
                "Decode, orjson",
                "Fetch + decode `sync`",
                "Quiet poll",
                "Quiet poll / fetch + decode",
                "Sweep floor (fetch + decode each controller's history)",
                "Poll with the sweep",
                "Requests of that poll",
                "Ten polls with one sweep / their floor",
                "Push floor (no-op webhook)",
                "One push",
                "Push / floor",
            ],
            [
                (
                    controllers * DOORS,
                    "on" if debug else "off",
                    str(measured.figure("json_ms")),
                    str(measured.figure("orjson_ms")),
                    str(measured.figure("fetch_ms")),
                    str(measured.figure("quiet_ms")),
                    str(measured.ratio("quiet_ratio")),
                    str(measured.figure("sweep_floor_ms")),
                    str(measured.figure("sweep_ms")),
                    measured.most("sweep_requests"),
                    str(measured.ratio("cycle_ratio")),
                    str(measured.figure("no_op_push_ms")),
                    str(measured.figure("push_ms")),
                    str(measured.ratio("push_ratio")),
                )
                for (controllers, debug), measured in sorted(self.change.items())
            ],
        )
        writes = table(
            [
                "Access points",
                "Quiet poll writes: changed / unchanged",
                "Push writes: changed / unchanged",
                "History requests at a restart",
                "Requests per hour per controller",
                "Start-up ms (set up again)",
                "Of which the garbage collector (full passes)",
                "Enabled entities per access point",
                "Start-up ms per access point",
                "Per access point, the collector aside",
                "KiB held per access point",
            ],
            [
                row
                for (controllers, debug), measured in sorted(self.change.items())
                if not debug and measured.startup() is not None
                for row in _startup_rows(controllers, measured)
            ],
        )
        delays = table(
            [
                "Seconds until Home Assistant shows it",
                "Integration, polled",
                "Integration, pushed",
                "Naive",
            ],
            [
                (
                    f"{label} ({stat})",
                    *(
                        getattr(kind.get(how, Delays()), stat)
                        for how in ("polled", "pushed", "naive")
                    ),
                )
                for label, kind, count in (
                    ("Remote change", self.remote, plan.changes),
                    ("`switch.turn_on` to OPEN", self.turn_on, plan.toggles),
                )
                for stat in ("median", "p95")
                if not (stat == "p95" and count < 5)
            ],
        )
        return "\n".join(
            [
                "# Benchmark: the integration against a naive poller",
                "",
                machine(),
                f"Run: {mode}. Produced by `scripts/bench"
                f"{' --quick' if plan.quick else ''}`.",
                "",
                "## Cost of polling",
                "",
                "One refresh of every access point. The naive poller is what peer door"
                " integrations do: one coordinator per access point polling `sync` and"
                " that access point's history, writing its switch after every poll."
                " CPU and memory are Home Assistant's (the simulator runs in its own"
                " process); peak memory is what one refresh allocates at its peak,"
                " measured with tracemalloc.",
                "",
                costs,
                "",
                "## Cost of change",
                "",
                "What a poll and a push cost against their floors, side by side:"
                " CPU ms of Home Assistant's process, measured in full by each of"
                f" {plan.processes} fresh processes in {plan.rounds} rounds (each"
                " round measures every figure once, in turn, so that a figure and"
                " its floor see the same moments of the machine). A figure is the"
                " median of the processes' medians, with the range of all their"
                " rounds in brackets; a ratio is the median of the processes' own"
                " ratios, with their range (a process keeps its own level"
                " throughout, so processes differ more than rounds do). The event"
                " loop runs in debug"
                " mode (as the test plugin runs it, which inflates Python code) and"
                " not (as Home Assistant runs). Decode: the same `sync` answer, with"
                " the standard `json` and with Home Assistant's orjson. Fetch +"
                " decode: a bare aiohttp GET of `sync` decoded with orjson, the"
                " floor of a poll. Quiet poll: one refresh in which nothing moved but"
                " every controller checked in (its last contact moved), as real"
                " controllers do once a minute. Sweep: every controller's history is"
                " read once in 5 minutes; its floor fetches and decodes each of"
                " those answers, and the poll with the sweep is one in which every"
                " controller is due. Ten polls with one sweep is what 5 minutes"
                " cost at 30 s polling, against ten fetches of `sync` and the"
                " sweep's floor. Push: one door change delivered through Home"
                " Assistant's HTTP server, against the same delivery to a webhook"
                " that only reads it.",
                "",
                change,
                "",
                "State writes of one quiet poll and one push (changed and unchanged"
                " apart; the last-contact sensors are disabled by default and not"
                " counted; the most any process saw), history requests when the"
                " entry is reloaded with nothing"
                " new since, requests per hour per controller at 30 s polling, and"
                " start-up: the CPU of setting the entry up again after unloading it"
                f" (in each process the median of {STARTUP_ROUNDS}, then the median"
                " of the processes', event loop out of debug mode, until"
                " every entity shows and the history catch-up is done), the CPU"
                " of the garbage collector's passes within it (a full pass walks"
                " every object of the process; CPython starts one whenever the"
                " objects that survived grew by a quarter, so a set-up that grows a"
                " small test process several times over pays for some, where a"
                " Home Assistant with more in it pays for fewer), the set-up's own work"
                " per access point (each round less its own passes; with the entities"
                " enabled per access point beside it: past 10,000 in all, kinds start"
                " disabled, see the README's Large accounts), and the memory"
                " that set-up holds afterwards (tracemalloc, a round of its own)."
                " Where kinds started disabled, a second row sets the same account"
                " up with every kind enabled (the room lifted for that measurement"
                " alone), so that sizes compare doing the same work per access"
                " point.",
                "",
                writes,
                "",
                "## Delays",
                "",
                f"With 1 controller of {DOORS} access points, and a door travel time of"
                f" {TRAVEL_TIME:.0f} s. Remote change: someone uses a remote; median"
                f" and 95th percentile over {plan.changes} changes made at random"
                " moments of the polling cycle. `switch.turn_on` to OPEN: until"
                " Home Assistant has ParqEx's word that the door is open (the switch"
                f" itself shows on at once); over {plan.toggles} access point(s). The"
                " naive poller has no push; it asks for a refresh after its command,"
                " which still shows the door closed.",
                "",
                delays,
                "",
                "## Start-up",
                "",
                f"`scripts/develop` restarted with the integration set up and"
                f" {plan.startup_controllers * DOORS} access points: "
                + (
                    f"{self.startup_seconds:.1f} s from starting it until every switch"
                    " shows its state (Home Assistant, the frontend and the simulator)."
                    if self.startup_seconds is not None
                    else "not measured."
                ),
                "",
            ]
        )


def _startup_rows(controllers: int, measured: Processes) -> list[tuple[object, ...]]:
    """The start-up row of a size, and the like-for-like one where it was needed."""
    doors = controllers * DOORS

    def figures(startup: Startup) -> tuple[object, ...]:
        return (
            str(startup.ms),
            f"{startup.collecting_ms} ({startup.full_collections})",
            startup.enabled_entities / doors,
            startup.ms.median / doors,
            startup.own_ms.median / doors,
            startup.held_kib / doors,
        )

    startup = measured.startup()
    assert startup is not None
    rows: list[tuple[object, ...]] = [
        (
            doors,
            f"{measured.most('quiet_changed')} / {measured.most('quiet_unchanged')}",
            f"{measured.most('push_changed')} / {measured.most('push_unchanged')}",
            measured.most("restart_history_requests"),
            # `sync` every 30 s for the account, each controller's history
            # every 5 minutes.
            f"{120 / controllers + 12:.3g}",
            *figures(startup),
        )
    ]
    if (every_kind := measured.startup("startup_every_kind")) is not None:
        rows.append(
            (
                f"{doors}, every kind enabled (room lifted)",
                *("",) * 4,
                *figures(every_kind),
            )
        )
    return rows


class Bench:
    """Runs a plan in one Home Assistant."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: ClientSessionGenerator,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        plan: BenchPlan,
    ) -> None:
        self.hass = hass
        self.client = client
        self.monkeypatch = monkeypatch
        self.tmp_path = tmp_path
        self.plan = plan
        self.result = BenchResult(plan)
        self.rng = random.Random(11)
        if plan.poll is not None:
            monkeypatch.setattr(
                "custom_components.parqex.coordinator.POLL_INTERVAL", plan.poll
            )

    async def run(self) -> BenchResult:
        # First, while this process is as fresh as the others.
        runs = [await self.change_costs()]
        runs += await self.hass.async_add_executor_job(self._change_costs_elsewhere)
        self.result.change = pooled(runs)
        for controllers in self.plan.controllers:
            await self.costs(controllers)
        await self.delays()
        self.result.startup_seconds = await self.hass.async_add_executor_job(
            self.startup
        )
        return self.result

    async def _sign_in(self, sim: SimulatorProcess) -> ConfigEntry:
        self.monkeypatch.setenv("PARQEX_DEVELOPMENT_BASE_URL", sim.base)
        entry = await sign_in_with_simulator(self.hass, self.client, sim.base)
        await self.hass.async_block_till_done(wait_background_tasks=True)
        return entry

    async def _settled(self, work: Callable[[], Awaitable[None]]) -> None:
        await work()
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def _cost(
        self,
        sim: SimulatorProcess,
        refresh: Callable[[], Awaitable[None]],
        entity_ids: list[str],
    ) -> Cost:
        async def settled() -> None:
            await self._settled(refresh)

        cost = Cost()
        await settled()
        await sim.requests()
        with counting_writes(self.hass, entity_ids) as written:
            await settled()
        cost.requests_quiet = len(await sim.requests())
        cost.writes_quiet = len(written)
        cost.cpu_ms = await cpu_ms(settled)
        cost.peak_kib = await peak_kib(settled)
        moving = door_id(0, 0)
        await sim.remote(moving, "OPEN")
        await sim.requests()
        await settled()
        cost.requests_moving = len(await sim.requests())
        await sim.remote(moving, "CLOSED")
        await settled()
        return cost

    async def change_costs(self) -> dict[Sized, ChangeCost]:
        """The cost of change at every size and loop mode, in this process."""
        measured: dict[Sized, ChangeCost] = {}
        for controllers in self.plan.controllers:
            account = write_account(
                self.tmp_path / f"account-{controllers}.json", controllers
            )
            # The cost of change moves the simulator's clock a minute for each
            # poll it measures: over an hour in all, which would expire a token
            # that lives an hour of real time (and the floors hold the token they
            # start with).
            async with simulator_process(account, token_lifetime=TOKEN_LIFETIME) as sim:
                entry = await self._sign_in(sim)
                debug = self.hass.loop.get_debug()
                try:
                    for mode in (True, False):
                        self.hass.loop.set_debug(mode)
                        measured[(controllers, mode)] = await measure(
                            self.hass, self.client, sim, entry, self.plan.rounds
                        )
                finally:
                    self.hass.loop.set_debug(debug)
                # Entities the account wants enabled, room or not.
                wanted = sum(count(entry.runtime_data.states) for _, count in ROOM)
                await self.hass.config_entries.async_remove(entry.entry_id)
                change = measured[(controllers, False)]
                startup = change.startup
                if startup is not None and startup.enabled_entities < wanted:
                    change.startup_every_kind = await self._startup_every_kind(sim)
        return measured

    def _change_costs_elsewhere(self) -> list[dict[Sized, ChangeCost]]:
        """The same measured by fresh processes, one after another (not at once)."""
        child = Path(__file__).with_name("change_cost_process.py")
        root = Path(__file__).parents[2]
        # Not this test's: its worker, its coverage, its simulator.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PYTEST_", "COV_CORE_", "PARQEX_DEVELOPMENT"))
        }
        runs = []
        for number in range(1, self.plan.processes):
            out = self.tmp_path / f"change-cost-{number}.json"
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    str(child.relative_to(root)),
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--no-cov",
                    "--timeout",
                    "3600",
                    "--bench",
                    "quick" if self.plan.quick else "full",
                    "--bench-change-out",
                    str(out),
                ],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
            runs.append(load(out.read_text(encoding="utf-8")))
        return runs

    async def costs(self, controllers: int) -> None:
        """Requests, writes, CPU and memory of one refresh, for both pollers."""
        account = write_account(
            self.tmp_path / f"account-{controllers}.json", controllers
        )
        async with simulator_process(account) as sim:
            entry = await self._sign_in(sim)
            coordinator: ParqExCoordinator = entry.runtime_data.coordinator
            ours = [
                e.entity_id
                for e in er.async_entries_for_config_entry(
                    er.async_get(self.hass), entry.entry_id
                )
            ]
            self.result.costs[(controllers, "integration")] = await self._cost(
                sim, coordinator.async_refresh, ours
            )
            token = entry.data["token"]["access_token"]
            # Alone, so that its polls do not count for the naive poller's.
            await self.hass.config_entries.async_unload(entry.entry_id)
            if controllers <= self.plan.naive_up_to:
                doors = [
                    door_id(c, d) for c in range(controllers) for d in range(DOORS)
                ]
                naive = NaivePoller(self.hass, sim.base, token, doors)
                naive.start()
                try:
                    self.result.costs[(controllers, "naive")] = await self._cost(
                        sim, naive.async_refresh, [naive_entity_id(d) for d in doors]
                    )
                finally:
                    naive.stop()
            await self.hass.config_entries.async_remove(entry.entry_id)

    async def _startup_every_kind(self, sim: SimulatorProcess) -> Startup:
        """Start-up with every kind enabled: the entry's room lifted for it alone."""
        debug = self.hass.loop.get_debug()
        with pytest.MonkeyPatch.context() as lifted:
            lifted.setattr(entity_budget, "ENABLED_LIMIT", sys.maxsize)
            lifted.setattr(
                entity_platform,
                "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY",
                sys.maxsize,
                raising=False,
            )
            # Home Assistant would give the entities of the removed entry back as
            # they were (disabled): a first sign-in has none to give back.
            deleted = er.async_get(self.hass).deleted_entities
            for key in [key for key in deleted if key[1] == DOMAIN]:
                del deleted[key]
            entry = await self._sign_in(sim)
            self.hass.loop.set_debug(False)
            try:
                return await measure_startup(self.hass, entry)
            finally:
                self.hass.loop.set_debug(debug)
                await self.hass.config_entries.async_remove(entry.entry_id)

    async def delays(self) -> None:
        """Remote changes and commands, polled, pushed and naive, side by side."""
        plan, hass = self.plan, self.hass
        account = write_account(self.tmp_path / "account-delays.json", 1)
        async with simulator_process(account, travel_time=TRAVEL_TIME) as sim:
            entry = await self._sign_in(sim)
            runtime: ParqExRuntime = entry.runtime_data
            doors = [door_id(0, d) for d in range(DOORS)]
            naive = NaivePoller(
                hass,
                sim.base,
                entry.data["token"]["access_token"],
                doors,
                plan.interval,
            )
            naive.start()
            await naive.async_refresh()
            switches = {
                d: er.async_get(hass).async_get_entity_id(
                    "switch", DOMAIN, f"{entry.unique_id}_{d}"
                )
                for d in doors
            }
            turn_on = self.result.turn_on
            remote = self.result.remote
            try:
                turn_on["polled"] = await self._turn_on(runtime, switches, doors[0:])
                turn_on["naive"] = await self._naive_turn_on(
                    naive, doors[plan.toggles :]
                )
                remote["polled"], remote["naive"] = await self._remote(
                    sim, switches[doors[-1]], doors[-1], naive
                )
                await self._push(sim, entry)
                turn_on["pushed"] = await self._turn_on(
                    runtime, switches, doors[2 * plan.toggles :]
                )
                remote["pushed"], _ = await self._remote(
                    sim, switches[doors[-1]], doors[-1], None
                )
            finally:
                naive.stop()
            await hass.config_entries.async_remove(entry.entry_id)

    async def _turn_on(
        self,
        runtime: ParqExRuntime,
        switches: dict[str, str | None],
        doors: list[str],
    ) -> Delays:
        delays = Delays()
        for door in doors[: self.plan.toggles]:
            reported: asyncio.Future[float] = self.hass.loop.create_future()

            @callback
            def _reported(door: str = door, done: Any = reported) -> None:
                access_point = runtime.states.access_points[door]
                if access_point.state is DoorState.OPEN and not done.done():
                    done.set_result(time.monotonic())

            runtime.states.async_subscribe(door, _reported)
            started = time.monotonic()
            await self.hass.services.async_call(
                "switch", "turn_on", {"entity_id": switches[door]}, blocking=True
            )
            try:
                delays.seconds.append(await asyncio.wait_for(reported, 120) - started)
            finally:
                runtime.states.async_unsubscribe(door, _reported)
        return delays

    async def _naive_turn_on(self, naive: NaivePoller, doors: list[str]) -> Delays:
        delays = Delays()
        for door in doors[: self.plan.toggles]:
            started = time.monotonic()
            await naive.doors[door].async_toggle("OPEN")
            shown = await until_state(self.hass, naive_entity_id(door), "on", 120)
            delays.seconds.append(shown - started)
        return delays

    async def _remote(
        self,
        sim: SimulatorProcess,
        switch: str | None,
        door: str,
        naive: NaivePoller | None,
    ) -> tuple[Delays, Delays]:
        assert switch is not None
        ours, theirs = Delays(), Delays()
        interval = self.plan.interval.total_seconds()
        timeout = 3 * interval + 30
        for _ in range(self.plan.changes):
            # At a random moment of the polling cycle (pushed: just a moment later).
            await asyncio.sleep(self.rng.uniform(0, interval if naive else 1.0))
            shown = self.hass.states.get(switch)
            assert shown is not None
            wanted = "off" if shown.state == "on" else "on"
            started = time.monotonic()
            await sim.remote(door, "OPEN" if wanted == "on" else "CLOSED")
            waits = [until_state(self.hass, switch, wanted, timeout)]
            if naive is not None:
                waits.append(
                    until_state(self.hass, naive_entity_id(door), wanted, timeout)
                )
            seen = await asyncio.gather(*waits)
            ours.seconds.append(seen[0] - started)
            if naive is not None:
                theirs.seconds.append(seen[1] - started)
        return ours, theirs

    async def _push(self, sim: SimulatorProcess, entry: ConfigEntry) -> None:
        """Set up push as a user does: the URL to the simulator, the key back."""
        client = await self.client()
        url = str(client.make_url(f"/api/webhook/{entry.data['webhook_id']}"))
        registered = await sim.control("POST", "/webhook", {"url": url})
        flow = await self.hass.config_entries.options.async_init(entry.entry_id)
        await self.hass.config_entries.options.async_configure(
            flow["flow_id"], {CONF_WEBHOOK_KEY: registered["key"]}
        )

    def startup(self) -> float:
        """Seconds from starting `scripts/develop` to every switch showing its state."""
        controllers = self.plan.startup_controllers
        account = write_account(self.tmp_path / "account-startup.json", controllers)
        develop = Develop(self.tmp_path / "startup", "--account", str(account))
        (self.tmp_path / "startup").mkdir()
        count = controllers * DOORS

        def shown(token: str) -> bool:
            switches = [
                s
                for entity_id, s in states(develop.ha_url, token).items()
                if entity_id.startswith("switch.")
            ]
            return len(switches) == count and all(
                s["state"] in ("on", "off") for s in switches
            )

        try:
            develop.start()
            token = onboard(develop.ha_url)
            add_parqex(develop.ha_url, develop.sim_url, token)
            until(lambda: shown(token), "the switches", timeout=300)
            # Stopping is not measured; a slow stop (a busy machine) is allowed.
            develop.stop(timeout=600)
            started = time.monotonic()
            develop.start()
            until(lambda: shown(token), "the switches after a restart", 300, 0.1)
            seconds = time.monotonic() - started
            develop.stop(timeout=600)
        except BaseException:
            develop.close()
            raise
        return seconds
