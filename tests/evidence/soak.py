"""`scripts/soak`: Home Assistant against the simulator through a day of faults.

Home Assistant (the test harness's HomeAssistant core, started afresh at each
restart on the same storage) runs the integration against the simulator over
loopback HTTP. Both share a sped-up clock: time only passes when the soak moves
it, so a simulated day takes minutes. After each episode of trouble closes, and
after one more poll, the invariants are checked (see `Soak.check`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import functools
import gc
import json
import logging
import os
import random
import time
import tracemalloc
from typing import Any
from unittest.mock import NonCallableMock
import weakref

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.parqex.access_log import EVENT_ACCESS
from custom_components.parqex.const import (
    CONF_WEBHOOK_KEY,
    DOMAIN,
    HISTORY_SWEEP_INTERVAL,
    MISSING_REMOVAL_DELAY,
    PUSH_MISSED_FOR_REPAIR,
)
from custom_components.parqex.coordinator import ParqExCoordinator
from custom_components.parqex.entity import ParqExEntity
from custom_components.parqex.ids import owner_id
from homeassistant import loader
from homeassistant.components import webhook
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from parqex_sim.state import SimulatorState
from parqex_sim.webhooks import FAULT_KINDS

from ..sim_helpers import CLIENT_ID, CLIENT_SECRET, GUEST, OWNER, OWNER_ID, sim_control
from .measure import forget_storage_writes
from .schedule import MALFORMED_SYNC, OUTAGE_KINDS, Episode, Schedule

COORDINATOR_LOGGER = "custom_components.parqex.coordinator"
DOWN = "Error fetching parqex data"
UP = "Fetching parqex data recovered"
# Warnings the schedule may cause on purpose; anything else is a finding.
EXPECTED_WARNINGS = (
    "has not reported it within",  # a command during an outage
    "PARQEX_DEVELOPMENT_BASE_URL is in use",  # the simulator, on purpose
    "did not carry the saved API key",  # a delivery with a wrong key, on purpose
    "ParqEx asked to slow down",  # a 429, on purpose (said once per episode)
)
# How often a remote change's deliveries go wrong (one of the simulator's faults).
DELIVERY_FAULT_SHARE = 0.3
# Changes made while deliveries are dropped: more than the repair needs.
DROPPED_CHANGES = PUSH_MISSED_FOR_REPAIR + 1
# Events neither pushed nor seen as a move (failed attempts) are found within
# this (5 minutes, more after an outage or a restart: the longest is reported).
FOUND_WITHIN = HISTORY_SWEEP_INTERVAL + timedelta(minutes=11)
# Delivery answers that show the key was right (the body may still be refused).
AUTHENTICATED = {200, 400, 413}
CHANNELS = ("Remote", "Keypad", "ParqEx App", "Bluetooth")
# How far above the first half's largest memory sample the second half's may go.
GROWTH_ALLOWED = 1.25
# The simulator's `sync` fault for each kind of trouble that is one, from its detail.
SYNC_FAULTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "5xx burst": lambda d: {"status": d["status"], "count": d["polls"]},
    "timeout": lambda d: {"delay": 60},
    "connection reset": lambda d: {"reset": True, "count": 2 * d["polls"]},
    "429 with Retry-After": lambda d: {
        "status": 429,
        "retry_after": str(d["retry_after"]),
    },
    "429 without Retry-After": lambda d: {"status": 429},
    "truncated body": lambda d: {"malformed": True},
    "malformed body": lambda d: {"status": 200, "body": MALFORMED_SYNC},
}


def _second(event: str) -> tuple[str, str]:
    """Sort key of an event as kept here: its time (the last field), then all."""
    return (event.rpartition("|")[2], event)


def memory_growth(samples: list[float]) -> str | None:
    """Why memory grew, or None: the second half of the samples must stay within
    a quarter above the first half's largest (samples vary by some KiB with what
    is pending at the moment: a poll's history, a command's wait).
    """
    half = len(samples) // 2
    if not half:
        return "too few memory samples"
    first, second = max(samples[:half]), max(samples[half:])
    if second <= first * GROWTH_ALLOWED:
        return None
    return (
        f"memory grew: {first:.0f} KiB at most in the first half of the run,"
        f" {second:.0f} KiB in the second"
    )


@dataclass
class SoakResult:
    """What one run injected, and what held."""

    dialect: str
    seed: int
    hours: float
    real_seconds: float = 0.0
    injected: Counter[str] = field(default_factory=Counter)
    polls: int = 0
    remote_changes: int = 0
    commands: int = 0
    commands_refused: int = 0
    restarts: int = 0
    token_refreshes: int = 0
    checks: int = 0
    # Polls added before a check because a door moved by itself during the last.
    repolls: int = 0
    events_expected: int = 0
    events_fired: int = 0
    # Push: deliveries sent, with a fault; repairs raised and cleared.
    deliveries: int = 0
    delivery_faults: Counter[str] = field(default_factory=Counter)
    push_repairs: int = 0
    # "Last operated by" changes, none of them back in time.
    last_operated_changes: int = 0
    # Failed attempts logged, and the longest they took to be found (seconds).
    failed_logged: int = 0
    failed_found_within: float = 0.0
    outages: int = 0
    logged_down: int = 0
    logged_up: int = 0
    reauths: int = 0
    # (simulated hour, KiB held by objects allocated in custom_components/parqex)
    memory: list[tuple[float, float]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


class Soak:
    """One run of a schedule against one simulator (one dialect)."""

    def __init__(
        self,
        schedule: Schedule,
        dialect: str,
        sim: SimulatorState,
        base: str,
        freezer: FrozenDateTimeFactory,
        caplog: pytest.LogCaptureFixture,
        config_dir: str,
        storage: dict[str, Any],
        forget_logs: Callable[[], None],
    ) -> None:
        self.schedule = schedule
        self.forget_logs = forget_logs
        self.storage = storage
        self.sim = sim
        self.base = base
        self.freezer = freezer
        self.caplog = caplog
        self.config_dir = config_dir
        self.rng = random.Random(schedule.seed + 1)
        self.result = SoakResult(dialect, schedule.seed, schedule.seconds / 3600)
        self.started = dt_util.utcnow()
        self.hass: HomeAssistant | None = None
        # Every instance the run started, held weakly: a stopped one must go.
        self.instances: weakref.WeakSet[HomeAssistant] = weakref.WeakSet()
        self.entry_id = ""
        # When Home Assistant first showed each access point: its history counts
        # from then on (the first reading of an access point is quiet).
        self.known_since: dict[str, datetime] = {}
        # Doors and controllers the simulator no longer has, since when.
        self.gone_since: dict[str, datetime] = {}
        self.fired: dict[str, list[str]] = {}
        # Newest time each "last operated by" sensor showed (it never goes back).
        self.last_operated: dict[str, str] = {}
        self.went_back: list[str] = []
        self.port = unused_port()
        self.webhook_key = ""
        self._added = 0
        self._refresh_token = ""
        self._next_sample = 0.0
        self._entry: dict[str, Any] = {}
        self.session: aiohttp.ClientSession | None = None

    # -- the clock ----------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return (dt_util.utcnow() - self.started).total_seconds()

    async def settle(self) -> None:
        """Let everything due run; while Home Assistant waits on a timer (a
        request that hangs until its timeout), let simulated time flow.
        """
        hass = self.running
        loop = asyncio.get_running_loop()
        for _ in range(600):
            done = asyncio.ensure_future(
                hass.async_block_till_done(wait_background_tasks=True)
            )
            # Real time: the loop's own clock is frozen with the rest.
            pause = loop.run_in_executor(None, time.sleep, 0.05)
            await asyncio.wait({done, pause}, return_when=asyncio.FIRST_COMPLETED)
            if done.done():
                done.result()
                return
            await pause
            done.cancel()
            self.freezer.tick(1)
            async_fire_time_changed(hass)
        raise AssertionError("Home Assistant never settled")

    async def advance(self, seconds: float) -> None:
        """Let simulated time pass, in steps no longer than a poll."""
        while seconds > 0:
            step = min(seconds, 30.0)
            seconds -= step
            self.freezer.tick(step)
            async_fire_time_changed(self.running)
            await self.settle()

    async def polls(self, count: int) -> None:
        """Wait for the integration's next `count` polls, at its own interval."""
        for _ in range(count):
            interval = self.coordinator.update_interval
            assert interval is not None
            await self.advance(interval.total_seconds() + 1)

    async def poll_still(self) -> None:
        """One more poll, again while the simulator moved a door by itself
        meanwhile (a door ending its travel, or closing on its own): the view is
        checked against a world that stood still since Home Assistant's last poll.
        How much simulated time a settle lets flow depends on the machine's load.
        """
        for attempt in range(5):
            moves = len(self.sim.account.history)
            await self.polls(1)
            if len(self.sim.account.history) == moves:
                self.result.repolls += attempt
                return
        raise AssertionError("the simulator's doors never stood still for a poll")

    # -- Home Assistant -----------------------------------------------------------

    @property
    def running(self) -> HomeAssistant:
        assert self.hass is not None
        return self.hass

    @property
    def entry(self) -> ConfigEntry:
        entry = self.running.config_entries.async_get_entry(self.entry_id)
        assert entry is not None
        return entry

    @property
    def coordinator(self) -> ParqExCoordinator:
        coordinator: ParqExCoordinator = self.entry.runtime_data.coordinator
        return coordinator

    async def start(self, first: bool) -> None:
        """Start Home Assistant with the integration (signed in the first time)."""
        hass = self.running
        # As the test plugin's enable_custom_integrations does.
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        if first:
            assert await async_setup_component(hass, "application_credentials", {})
            await async_import_client_credential(
                hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
            )
            self._entry = self.signed_in_entry()
        # The test harness keeps no core.config_entries: the entry goes over as
        # Home Assistant writes it at its final write (the rest is in storage).
        entry = MockConfigEntry(**self._entry)
        entry.add_to_hass(hass)
        self.entry_id = entry.entry_id
        hass.bus.async_listen(EVENT_ACCESS, self._logged)
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._last_operated)
        assert await async_setup_component(hass, DOMAIN, {})
        await self.settle()
        self._refresh_token = self.entry.data["token"]["refresh_token"]
        now = dt_util.utcnow()
        for door_id in self.entry.runtime_data.states.access_points:
            self.known_since.setdefault(door_id, now)

    def signed_in_entry(self) -> dict[str, Any]:
        """The config entry of the owner, as the sign-in leaves it."""
        owner = self.sim.account.user_by_email(OWNER)
        assert owner is not None
        grant = self.sim.tokens.issue(CLIENT_ID, owner, self.sim.clock.now())
        lifetime = self.sim.tokens.access_lifetime.total_seconds()
        return {
            "domain": DOMAIN,
            "title": "Olivia Owner",
            "unique_id": OWNER_ID,
            "version": 1,
            "minor_version": 2,
            "data": {
                "auth_implementation": DOMAIN,
                "token": {
                    "access_token": grant.access_token,
                    "refresh_token": grant.refresh_token,
                    "token_type": "Bearer",
                    "expires_in": lifetime,
                    "expires_at": time.time() + lifetime,
                },
                "webhook_id": "soak",
            },
            "options": {CONF_WEBHOOK_KEY: self.webhook_key},
        }

    def keep_entry(self) -> None:
        """Remember the entry as Home Assistant's final write stores it."""
        entry = self.entry
        self._entry = {
            **self._entry,
            "entry_id": entry.entry_id,
            "title": entry.title,
            "version": entry.version,
            "minor_version": entry.minor_version,
            "data": dict(entry.data),
            "options": dict(entry.options),
        }

    @callback
    def _logged(self, event: Event[Any]) -> None:
        """Collect every access event the access log fires (what the logbook has)."""
        entity = er.async_get(self.running).async_get(event.data["entity_id"] or "")
        if entity is None:
            return
        a = event.data
        # Kept as new text: the event's own strings are the integration's memory.
        logged = "|".join(
            str(a[key]) for key in ("door_state", "channel", "success", "toggled_at")
        )
        self.fired.setdefault(owner_id(entity.unique_id), []).append(logged)
        if a["success"] is False:
            found = dt_util.utcnow() - datetime.fromisoformat(a["toggled_at"])
            self.result.failed_logged += 1
            self.result.failed_found_within = max(
                self.result.failed_found_within, found.total_seconds()
            )

    @callback
    def _last_operated(self, event: Event[Any]) -> None:
        """ "Last operated by" never goes back in ParqEx's time (restarts too)."""
        entity_id: str = event.data["entity_id"]
        new = event.data["new_state"]
        if not entity_id.endswith("_last_operated_by") or new is None:
            return
        at = new.attributes.get("toggled_at")
        if not isinstance(at, str):
            return
        shown = self.last_operated.get(entity_id)
        if shown is not None and at < shown:
            self.went_back.append(f"{entity_id}: {at} after {shown}")
        if shown is None or at > shown:
            self.result.last_operated_changes += 1
            self.last_operated[entity_id] = at

    def _receiver(self) -> web.Application:
        """Where ParqEx delivers: the running Home Assistant's webhook handling.

        One server for the whole run, as the URL ParqEx has outlives restarts;
        while Home Assistant is down, deliveries fail. Home Assistant's own
        HTTP server is not started in the harness (and started, it kept every
        stopped instance alive).
        """

        async def _deliver(request: web.Request) -> web.StreamResponse:
            if self.hass is None or self.hass.state is not CoreState.running:
                return web.Response(status=503)
            return await webhook.async_handle_webhook(
                self.hass, request.match_info["webhook_id"], request
            )

        app = web.Application()
        app.router.add_post("/api/webhook/{webhook_id}", _deliver)
        return app

    # -- the world ----------------------------------------------------------------

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        assert self.session is not None
        return await sim_control(self.session, self.base, method, path, body)

    def usable_doors(self) -> list[tuple[str, str]]:
        """(door id, state) of doors Home Assistant shows that can be operated."""
        owner = self.sim.account.user_by_email(OWNER)
        assert owner is not None
        return [
            (door.id, door.state)
            for controller, door, _, _ in self.sim.account.doors_of(owner)
            if controller.active and door.active and door.id in self.known_since
        ]

    async def remote_change(self, *, may_fail: bool = True) -> bool:
        """Someone uses a remote (now and then one that fails), or Home Assistant.

        ParqEx pushes each change, now and then with one of its faults. True
        when something was done; with `may_fail` false it is a remote that
        works, and so do its deliveries (unless a fault is in place).
        """
        doors = self.usable_doors()
        if not doors:
            return False
        door_id, door_state = self.rng.choice(doors)
        wanted = "CLOSED" if door_state == "OPEN" else "OPEN"
        if may_fail and self.rng.random() < DELIVERY_FAULT_SHARE:
            kind = self.rng.choice(FAULT_KINDS)
            self.result.delivery_faults[kind] += 1
            await self.control(
                "POST",
                "/webhook/faults",
                {
                    "kind": kind,
                    "count": self.rng.randint(1, 2),
                    "delay": self.rng.uniform(1, 45),
                },
            )
        if may_fail and self.rng.random() < 0.15:
            await self.command(door_id, wanted)
            return True
        await self.control(
            "POST",
            f"/doors/{door_id}/state",
            {
                "state": wanted,
                "user": self.rng.choice([OWNER, GUEST]),
                "channel": self.rng.choice(CHANNELS),
                "success": not may_fail or self.rng.random() > 0.1,
            },
        )
        self.result.remote_changes += 1
        # ParqEx's times have whole seconds: one change per second at most.
        await self.advance(1)
        return True

    async def command(self, door_id: str, wanted: str) -> None:
        """Turn the switch on or off, as an automation does; it may be refused."""
        entity_id = er.async_get(self.running).async_get_entity_id(
            "switch", DOMAIN, f"{self.entry.unique_id}_{door_id}"
        )
        self.result.commands += 1
        try:
            await self.running.services.async_call(
                "switch",
                "turn_on" if wanted == "OPEN" else "turn_off",
                {"entity_id": entity_id},
                blocking=True,
            )
        except HomeAssistantError:
            self.result.commands_refused += 1
        await self.advance(1)

    # -- episodes -----------------------------------------------------------------

    def unavailable_switches(self) -> set[str]:
        """The entity ids of the switches shown unavailable now."""
        return {
            state.entity_id
            for state in self.running.states.async_all("switch")
            if state.state == STATE_UNAVAILABLE
        }

    async def episode(self, episode: Episode) -> bool:
        """Cause one kind of trouble, let it pass; True: restart Home Assistant."""
        kind, detail = episode.kind, episode.detail
        self.result.injected[kind] += 1
        if OUTAGE_KINDS[kind]:
            self.result.outages += 1
        if kind in SYNC_FAULTS:
            unavailable = self.unavailable_switches()
            await self.control(
                "POST", "/faults", {"endpoint": "sync", **SYNC_FAULTS[kind](detail)}
            )
            await self.polls(1)
            if not OUTAGE_KINDS[kind]:
                # ParqEx answered "slow down": what it showed stays available.
                assert self.unavailable_switches() == unavailable, kind
            if self.rng.random() < 0.7:
                await self.remote_change()
            await self.polls(max(0, detail.get("polls", 1) - 1))
            # The window closes (a reset may have gone unused: aiohttp sends a GET
            # again once when a kept-alive connection drops).
            await self.control("DELETE", "/faults")
        elif kind == "expired access token":
            await self.control("POST", "/expire")
        elif kind == "refused refresh":
            await self.control("POST", "/expire")
            await self.control("POST", "/faults", {"endpoint": "token", "status": 503})
            await self.polls(1)
        elif kind == "restart after token refresh":
            await self.refresh_token_soon()
            return True
        elif kind == "controller offline":
            await self.controller_offline(int(detail["polls"]))
        elif kind == "deliveries dropped":
            await self.deliveries_dropped()
        else:
            await self.change_doors(kind)
        return False

    async def refresh_token_soon(self) -> None:
        """Let the access token come within its refresh margin, and one poll run."""
        before = self.entry.data["token"]["refresh_token"]
        expires_at = float(self.entry.data["token"]["expires_at"])
        await self.advance(max(0.0, expires_at - time.time() - 15))
        await self.polls(1)
        after = self.entry.data["token"]["refresh_token"]
        if after == before:
            self.result.findings.append("no token refresh before the restart")

    async def deliveries_dropped(self) -> None:
        """ParqEx stops delivering for some changes: the repair says so; the
        next delivery that arrives clears it.
        """
        # Faults still waiting for a delivery go first: only drops now.
        await self.control("DELETE", "/webhook/faults")
        await self.control("POST", "/webhook/faults", {"kind": "drop", "count": 1000})
        changed = 0
        for _ in range(DROPPED_CHANGES):
            if await self.remote_change(may_fail=False):
                changed += 1
            # Polling finds it; 60 s later it counts as missed.
            await self.polls(3)
        await self.control("DELETE", "/webhook/faults")
        issues = ir.async_get(self.running)
        if changed >= PUSH_MISSED_FOR_REPAIR:
            assert issues.async_get_issue(
                DOMAIN, f"deliveries_missing_{self.entry_id}"
            ), "deliveries stopped, but no repair says so"
            self.result.push_repairs += 1
        if await self.remote_change(may_fail=False):
            # Delivered as soon as the door has moved (a command's door travels).
            for _ in range(30):
                if not issues.async_get_issue(
                    DOMAIN, f"deliveries_missing_{self.entry_id}"
                ):
                    break
                await self.advance(1)
            else:
                raise AssertionError("deliveries arrive again, but the repair stays")

    async def controller_offline(self, polls: int) -> None:
        owner = self.sim.account.user_by_email(OWNER)
        assert owner is not None
        active = sorted(
            {c.id for c, _, _, _ in self.sim.account.doors_of(owner) if c.active}
        )
        if not active:
            return
        controller = self.rng.choice(active)
        await self.control("PATCH", f"/controllers/{controller}", {"active": False})
        await self.polls(polls)
        await self.control("PATCH", f"/controllers/{controller}", {"active": True})

    async def change_doors(self, kind: str) -> None:
        owner = self.sim.account.user_by_email(OWNER)
        assert owner is not None
        controllers = [
            c for c in self.sim.account.controllers if c.owner == owner.email
        ]
        if kind == "door added":
            controller = self.rng.choice(controllers)
            self._added += 1
            await self.control(
                "POST",
                f"/controllers/{controller.id}/doors",
                {
                    "id": f"{self._added:032x}",
                    "name": f"Added door {self._added}",
                    "entity_number": len(controller.doors) + 1,
                    "state": "CLOSED",
                },
            )
        elif kind == "door renamed":
            doors = [d for c in controllers for d in c.doors]
            door = self.rng.choice(doors)
            await self.control(
                "PATCH",
                f"/doors/{door.id}",
                {
                    "name": f"{door.name.split(' (')[0]}"
                    f" ({self.rng.randint(1, 999)})"
                },
            )
        else:
            doors = [d for c in controllers if len(c.doors) > 1 for d in c.doors]
            if doors:
                # History of a door ParqEx no longer has cannot be read: let the
                # integration read what happened before it goes (every 5 minutes
                # for what no move or push showed).
                await self.advance(HISTORY_SWEEP_INTERVAL.total_seconds() + 31)
                await self.control("DELETE", f"/doors/{self.rng.choice(doors).id}")

    # -- invariants ---------------------------------------------------------------

    def check(self, episode: Episode | None) -> None:
        """Home Assistant shows what the simulator holds; events, logs, tokens hold."""
        self.result.checks += 1
        try:
            self.check_view()
            self.check_events()
            self.check_push()
            self.check_logs(episode)
            self.check_tokens()
        except AssertionError as err:
            what = episode.kind if episode else "a start"
            raise AssertionError(
                f"after {what}, {self.elapsed / 3600:.2f} h into the run: {err}"
            ) from err

    def check_view(self) -> None:
        hass = self.running
        owner = self.sim.account.user_by_email(OWNER)
        assert owner is not None
        doors = {
            door.id: (controller, door, name)
            for controller, door, name, _ in self.sim.account.doors_of(owner)
        }
        now = dt_util.utcnow()
        for door_id in doors:
            self.known_since.setdefault(door_id, now)
        entities = er.async_entries_for_config_entry(er.async_get(hass), self.entry_id)
        switches = {
            owner_id(e.unique_id): e.entity_id for e in entities if e.domain == "switch"
        }
        assert set(doors) <= set(switches), "a door of the simulator has no switch"
        self.check_leaving(
            {d: switches[d] for d in set(switches) - set(doors)}, "switch", now
        )
        for door_id, (controller, door, name) in doors.items():
            state = hass.states.get(switches[door_id])
            assert state is not None
            wanted = (
                ("on" if door.state == "OPEN" else "off")
                if controller.active and door.active
                else STATE_UNAVAILABLE
            )
            assert state.state == wanted, f"{name}: {state.state}, not {wanted}"
            assert state.attributes["friendly_name"].endswith(name)
        batteries = {
            owner_id(e.unique_id): e.entity_id
            for e in entities
            if e.unique_id.endswith("_sensor_battery")
        }
        for door_id, entity_id in batteries.items():
            if door_id not in doors:
                continue  # leaving: checked above
            controller, door, _ = doors[door_id]
            state = hass.states.get(entity_id)
            assert state is not None
            if controller.active and door.active:
                assert state.state == str(door.bluetooth_sensor_battery_level)
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), self.entry_id)
        shown = {
            ident: device.sw_version
            for device in devices
            for domain, ident in device.identifiers
            if domain == DOMAIN
        }
        wanted = {
            controller.id: controller.software_version
            for controller, _, _ in doors.values()
        }
        assert {c: shown[c] for c in wanted if c in shown} == wanted
        # Each access point's device is named as in ParqEx (renames follow).
        names = {
            ident: device.name
            for device in devices
            for domain, ident in device.identifiers
            if domain == DOMAIN
        }
        for door_id, (_, _, name) in doors.items():
            if name and door_id in names:
                assert names[door_id] == name, f"{names[door_id]}, not {name}"
        self.check_leaving(
            {c: None for c in set(shown) - set(wanted) - set(doors)}, "device", now
        )

    def check_leaving(
        self, leaving: dict[str, str | None], what: str, now: datetime
    ) -> None:
        """What ParqEx no longer lists stays a while, unavailable, then goes.

        Removed only after missing from every successful sync for 10 minutes;
        outages among the faults can make that longer, never much longer.
        """
        for owner, entity_id in leaving.items():
            since = self.gone_since.setdefault(owner, now)
            assert now - since < MISSING_REMOVAL_DELAY + timedelta(
                minutes=30
            ), f"a {what} of something gone for {now - since} is still there"
            if entity_id is not None:
                state = self.running.states.get(entity_id)
                assert state is not None
                assert state.state == STATE_UNAVAILABLE, f"{entity_id} is available"

    def check_events(self) -> None:
        """Every event of the simulator's history logged once, no other.

        Pushed or read, each is logged once. A failed attempt moves nothing and
        is never pushed, and a change whose delivery was lost while a later one
        arrived moved nothing polling could see: such events are found when
        their controller's history is read, every 5 minutes (later after an
        outage or a restart); one not found yet may wait that long. One of an
        access point ParqEx removed may never be (its history cannot be read).
        """
        now = dt_util.utcnow()
        listed = {d.id for c in self.sim.account.controllers for d in c.doors}
        expected: dict[str, list[str]] = {}
        for event in self.sim.account.history:
            since = self.known_since.get(event.door_id)
            if since is None or event.at < since:
                continue
            text = "|".join(
                (
                    event.door_state.lower(),
                    event.channel,
                    str(event.was_success),
                    event.at.replace(microsecond=0).isoformat(),
                )
            )
            if text not in self.fired.get(event.door_id, []) and (
                now - event.at < FOUND_WITHIN or event.door_id not in listed
            ):
                continue
            expected.setdefault(event.door_id, []).append(text)
        # ParqEx's times have whole seconds: within one, no order can be told.
        expected = {
            door: sorted(events, key=_second)
            for door, events in expected.items()
            if events
        }
        fired = {
            door: sorted(events, key=_second)
            for door, events in self.fired.items()
            if events
        }
        differ = {
            door: {
                "logged, not in ParqEx": sorted(
                    set(fired.get(door, [])) - set(expected.get(door, []))
                ),
                "in ParqEx, not logged": sorted(
                    set(expected.get(door, [])) - set(fired.get(door, []))
                ),
                "logged more than once": len(fired.get(door, []))
                - len(set(fired.get(door, []))),
            }
            for door in set(fired) | set(expected)
            if fired.get(door) != expected.get(door)
        }
        assert not differ, f"fired, and in ParqEx's history: {differ}"
        self.result.events_expected = sum(len(e) for e in expected.values())
        self.result.events_fired = sum(len(e) for e in fired.values())

    def check_push(self) -> None:
        """The push repair only after changes were left undelivered; "last
        operated by" never went back in time.
        """
        assert not self.went_back, f"last operated by went back: {self.went_back}"
        issue = ir.async_get(self.running).async_get_issue(
            DOMAIN, f"deliveries_missing_{self.entry_id}"
        )
        if issue is None:
            return
        answered = [
            datetime.fromisoformat(d["occurred"].replace("Z", "+00:00"))
            for d in self.sim.webhooks.deliveries
            if d["status"] in AUTHENTICATED and d["occurred"]
        ]
        # A late delivery of an older change counts too: leave it its minute.
        since = max(answered, default=self.started) - timedelta(minutes=2)
        undelivered = [
            event
            for event in self.sim.account.history
            if event.was_success and event.at > since
        ]
        assert len(undelivered) >= PUSH_MISSED_FOR_REPAIR, (
            f"the push repair is up after {len(undelivered)} changes"
            " since the last delivery"
        )

    def check_logs(self, episode: Episode | None) -> None:
        """One line down and one up per outage; no traceback, no unexpected error."""
        records = list(self.caplog.records)
        # Log records keep their arguments (an exception, its frames, the
        # coordinator that raised it) alive: the run looks at each once.
        self.caplog.clear()
        self.forget_logs()
        down = [r for r in records if r.getMessage().startswith(DOWN)]
        up = [r for r in records if r.getMessage().startswith(UP)]
        self.result.logged_down += len(down)
        self.result.logged_up += len(up)
        outage = episode is not None and OUTAGE_KINDS[episode.kind]
        what = episode.kind if episode else "start"
        assert (len(down), len(up)) == (
            (1, 1) if outage else (0, 0)
        ), f"{what}: logged {len(down)} down, {len(up)} up"
        if episode is not None and episode.kind == "controller offline":
            lines = [r.getMessage() for r in records if "controller" in r.getMessage()]
            assert len([line for line in lines if "offline" in line]) == 1, lines
            assert len([line for line in lines if "online again" in line]) == 1, lines
        for record in records:
            assert record.exc_info is None, f"traceback: {record.getMessage()}"
            message = record.getMessage()
            if record.levelno >= logging.ERROR:
                assert message.startswith(DOWN), f"error logged: {message}"
            elif (
                record.levelno >= logging.WARNING
                and record.name.startswith("custom_components.parqex")
                and not any(expected in message for expected in EXPECTED_WARNINGS)
            ):
                self.result.findings.append(f"{what}: warning: {message}")

    def check_tokens(self) -> None:
        """Loaded, never asking to sign in again, with a refresh token that works."""
        hass = self.running
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        self.result.reauths = len(
            [f for f in flows if f["context"].get("source") == "reauth"]
        )
        assert self.result.reauths == 0, "Home Assistant asks to sign in again"
        assert self.entry.state is ConfigEntryState.LOADED
        refresh_token = self.entry.data["token"]["refresh_token"]
        if refresh_token != self._refresh_token:
            self.result.token_refreshes += 1
            self._refresh_token = refresh_token
        assert self.sim.tokens.dump(), "the simulator holds no grant"
        assert refresh_token in {g["refresh_token"] for g in self.sim.tokens.dump()}

    def check_objects(self) -> None:
        """Nothing of the integration outlives its use (a reload, a removal).

        Live coordinators and entities are those of the running instance, and
        as many entities as it shows; no Home Assistant the run stopped is alive
        (the integration in it would be too).
        """
        gc.collect()
        stopped = [hass for hass in self.instances if hass is not self.running]
        assert not stopped, f"{len(stopped)} stopped Home Assistant instance(s) alive"
        alive = [
            o
            for o in gc.get_objects()
            if isinstance(o, ParqExEntity | ParqExCoordinator)
        ]
        coordinators = [o for o in alive if isinstance(o, ParqExCoordinator)]
        entities = {
            o.entity_id
            for o in alive
            if isinstance(o, ParqExEntity) and o.hass is self.running
        }
        running = [o for o in coordinators if o.hass is self.running]
        assert running == [self.coordinator], f"{len(running)} coordinators alive"
        # Home Assistant's own placeholders for registry entries without an
        # entity (one ParqEx leaves out, kept for a while) are not ours.
        shown = {
            state.entity_id
            for state in self.running.states.async_all()
            if (entry := er.async_get(self.running).async_get(state.entity_id))
            and entry.config_entry_id == self.entry_id
            and not state.attributes.get("restored")
        }
        assert entities == shown, f"entities alive: {len(entities)}, shown {len(shown)}"

    def sample_memory(self) -> None:
        """What objects allocated in the integration's code hold now.

        The test harness keeps stores in memory, not in files: copies of the
        integration's stores are made here first, so they do not count.
        """
        for key, stored in list(self.storage.items()):
            if key.startswith(f"{DOMAIN}."):
                self.storage[key] = json.loads(json.dumps(stored))
        forget_storage_writes()
        # Others remember the Home Assistant instances it stopped (one a restart),
        # and so do Home Assistant's singletons (helpers.singleton: a cache of one
        # per process, the last instance that asked). One walk finds both.
        for held in gc.get_objects():
            if isinstance(held, NonCallableMock):
                if any(
                    isinstance(arg, HomeAssistant) and arg is not self.running
                    for call in held.mock_calls
                    for arg in call.args
                ):
                    held.reset_mock()
            elif (
                isinstance(held, functools._lru_cache_wrapper)
                and held.__module__.startswith("homeassistant.")
                and held.cache_parameters()["maxsize"] == 1
            ):
                held.cache_clear()
        # check_objects collects the garbage first.
        self.check_objects()
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, "*custom_components/parqex/*")]
        )
        held = sum(stat.size for stat in snapshot.statistics("filename"))
        self.result.memory.append((self.elapsed / 3600, held / 1024))

    def check_memory(self) -> None:
        """Memory did not grow across the run."""
        grown = memory_growth([kib for _, kib in self.result.memory])
        assert grown is None, grown

    # -- the run ------------------------------------------------------------------

    async def run(self) -> SoakResult:
        """Run the whole schedule, restarting Home Assistant where it says."""
        started = os.times().elapsed
        queue: list[tuple[float, Callable[[], Any] | Episode]] = sorted(
            [(e.at, e) for e in self.schedule.episodes]
            + [(t, self.remote_change) for t in self.schedule.remote_changes],
            key=lambda item: item[0],
        )
        # The test plugin (2026.2 and newer) freezes what exists when a test module
        # starts, and gc.get_objects() leaves frozen objects out: among them its
        # translations mock, which records every Home Assistant instance it served.
        # Unfrozen, sample_memory finds those records and forgets them.
        gc.unfreeze()
        tracemalloc.start()
        self.session = aiohttp.ClientSession()
        try:
            # Push on throughout: ParqEx delivers to the URL of the entry's webhook.
            receiver = web.AppRunner(self._receiver(), handle_signals=False)
            await receiver.setup()
            await web.TCPSite(receiver, "127.0.0.1", self.port).start()
            registered = await self.control(
                "POST",
                "/webhook",
                {"url": f"http://127.0.0.1:{self.port}/api/webhook/soak"},
            )
            self.webhook_key = registered["key"]
            run = 0
            while True:
                run += 1
                async with async_test_home_assistant(
                    config_dir=self.config_dir
                ) as hass:
                    self.hass = hass
                    self.instances.add(hass)
                    await self.start(first=run == 1)
                    await self.poll_still()
                    # After the schedule, Home Assistant starts once more.
                    finishing = not queue and run > 1
                    self.check(None)
                    if not finishing:
                        queue, restart = await self._run_queue(queue)
                        if not restart:
                            await self.polls(1)
                            await self.poll_still()
                            self.check(None)
                            self.sample_memory()
                    await hass.config_entries.async_unload(self.entry_id)
                    self.keep_entry()
                    await hass.async_stop(force=True)
                if finishing:
                    break
                self.result.restarts += 1
                # Down for a second: a restored event is not mistaken for a firing.
                self.freezer.tick(1)
        finally:
            await receiver.cleanup()
            await self.session.close()
            tracemalloc.stop()
            self.hass = None
        self.check_memory()
        self.result.real_seconds = os.times().elapsed - started
        self.result.polls = len(
            [r for r in self.sim.requests if r["endpoint"] == "sync"]
        )
        self.result.deliveries = len(self.sim.webhooks.deliveries)
        return self.result

    async def _run_queue(
        self, queue: list[tuple[float, Callable[[], Any] | Episode]]
    ) -> tuple[list[tuple[float, Callable[[], Any] | Episode]], bool]:
        while queue:
            at, item = queue.pop(0)
            if at > self.elapsed:
                await self.advance(at - self.elapsed)
            if self.elapsed >= self._next_sample:
                self.sample_memory()
                self._next_sample += min(3600.0, self.schedule.seconds / 6)
            if isinstance(item, Episode):
                restart = await self.episode(item)
                if restart:
                    return queue, True
                # Closed: Home Assistant shows it all within one poll.
                await self.poll_still()
                self.check(item)
            else:
                await item()
        await self.advance(max(0.0, self.schedule.seconds - self.elapsed))
        return queue, False
