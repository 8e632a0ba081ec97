"""The simulator keeps its state across restarts (`--state-file`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parqex_sim import persist

from .helpers import until
from .sim_helpers import (
    GARAGE,
    GUEST,
    OWNER,
    RESOURCES,
    Sim,
    simulator_session,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_restart_keeps_tokens_doors_history_and_webhooks(tmp_path: Path) -> None:
    """A restarted simulator still knows the sign-in, the doors and the webhook."""
    path = tmp_path / "sim.json"
    sim: Sim
    async for sim in simulator_session(state_file=path, travel_time=0.01):
        tokens = await sim.tokens()
        guest = await sim.tokens(GUEST)
        await sim.request(
            "POST", f"/_sim/doors/{GARAGE}/state", json={"state": "OPEN", "user": GUEST}
        )
        await sim.request(
            "POST", "/_sim/webhook", json={"url": "https://ha.example.org/hook"}
        )
        await sim.request("POST", "/_sim/clock", json={"seconds": 60})
        key = sim.state.webhooks.key
    saved = json.loads(path.read_text())
    assert {grant["user"] for grant in saved["grants"]} == {OWNER, GUEST}

    async for sim in simulator_session(state_file=path):
        status, body, _ = await sim.request(
            "GET", f"{RESOURCES}sync", tokens["access_token"]
        )
        assert status == 200
        doors = {d["id"]: d for dev in body["devices"] for d in dev["doors"]}
        assert doors[GARAGE]["state"] == "OPEN"
        history = sim.state.account.history
        assert [(e.door_id, e.user.email if e.user else None) for e in history] == [
            (GARAGE, GUEST)
        ]
        assert (sim.state.webhooks.url, sim.state.webhooks.key) == (
            "https://ha.example.org/hook",
            key,
        )
        assert sim.state.clock.offset.total_seconds() == 60
        # The refresh token still rotates; the guest's grant is there too.
        status, body = await sim.refresh(tokens["refresh_token"])
        assert status == 200, body
        status, _, _ = await sim.request(
            "GET", f"{RESOURCES}sync", guest["access_token"]
        )
        assert status == 200


async def test_saved_while_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is written every few seconds, not only at a clean exit."""
    monkeypatch.setattr(persist, "SAVE_EVERY", 0.05)
    path = tmp_path / "sim.json"
    async for sim in simulator_session(state_file=path):
        await sim.tokens()
        await until(lambda: _grants(path) == 1, "the state file")


async def test_missing_file_starts_fresh(tmp_path: Path) -> None:
    """No file yet: the account file's state, and a file once stopped."""
    path = tmp_path / "new.json"
    async for sim in simulator_session(state_file=path):
        status, body, _ = await sim.request("GET", "/_sim/state")
        assert (status, body["history"]) == (200, 0)
    assert path.exists()


def _grants(path: Path) -> int | None:
    """How many grants the state file holds; None while it is not written."""
    try:
        return len(json.loads(path.read_text())["grants"])
    except (OSError, ValueError):
        return None
