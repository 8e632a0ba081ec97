"""Accounts of any size for the simulator: N controllers of M access points."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from parqex_sim.account import DEFAULT_ACCOUNT

OWNER = "owner@parqex.example"
GUEST = "guest@parqex.example"
KINDS = ("gate", "garage door", "door", "elevator")


def door_id(controller: int, door: int) -> str:
    """A ParqEx-like 32-hex-digit id that says where the door is."""
    return f"d{controller:015x}{door:016x}"


def controller_id(controller: int) -> str:
    """A ParqEx-like 32-hex-digit controller id."""
    return f"c{controller:031x}"


def door_json(controller: int, door: int) -> dict[str, Any]:
    """One access point: every other one has a door sensor and a guest."""
    return {
        "id": door_id(controller, door),
        "name": f"Door {controller + 1}.{door + 1}",
        "kind": KINDS[door % len(KINDS)],
        "entity_number": door + 1,
        "state": "CLOSED",
        "bluetooth_sensor": door % 2 == 0,
        "bluetooth_sensor_mac_address": f"a4c138{controller:03x}{door:03x}",
        "bluetooth_sensor_battery_level": 50 + door,
        "users": {GUEST: f"Guest door {door + 1}"} if door % 2 == 0 else {},
    }


def controller_json(controller: int, doors: int) -> dict[str, Any]:
    """One controller of the owner, with its doors."""
    return {
        "id": controller_id(controller),
        "owner": OWNER,
        "blackbox_code": f"20000c2a{controller:08x}",
        "software_version": "3.2.1",
        "doors": [door_json(controller, door) for door in range(doors)],
    }


def write_account(path: Path, controllers: int, doors: int = 10) -> Path:
    """Write an account with the seeded users and app, and generated controllers."""
    seeded = json.loads(DEFAULT_ACCOUNT.read_text(encoding="utf-8"))
    account = {
        "clients": seeded["clients"],
        "users": seeded["users"],
        "controllers": [controller_json(c, doors) for c in range(controllers)],
    }
    path.write_text(json.dumps(account, indent=1), encoding="utf-8")
    return path
