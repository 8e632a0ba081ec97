"""The simulator in its own process: a measurement counts Home Assistant only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
import sys
from typing import Any

import aiohttp

from ..develop_helpers import ROOT, free_port
from ..sim_helpers import REDIRECT_URI, SIM_HEADERS, SIM_TOKEN, sim_control


class SimulatorProcess:
    """`python -m parqex_sim` on a free loopback port, and its control API."""

    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base = base
        self.session = session

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API (`/_sim/...`) and return its JSON."""
        return await sim_control(self.session, self.base, method, path, body)

    async def requests(self) -> list[dict[str, Any]]:
        """What clients asked since the log was last cleared, and clear it."""
        asked: list[dict[str, Any]] = await self.control("GET", "/requests")
        await self.control("DELETE", "/requests")
        return asked

    async def remote(self, door: str, door_state: str) -> None:
        """Someone uses a remote: the door changes now."""
        await self.control("POST", f"/doors/{door}/state", {"state": door_state})


@asynccontextmanager
async def simulator_process(
    account: Path, *, travel_time: float = 3.0, token_lifetime: float | None = None
) -> AsyncGenerator[SimulatorProcess]:
    """Start the simulator for an account; stop it afterwards.

    `token_lifetime`: seconds an access token lives (the simulator's hour if None).
    """
    port = free_port()
    lifetime: list[str] = (
        [] if token_lifetime is None else ["--token-lifetime", f"{token_lifetime}"]
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "parqex_sim",
        "--port",
        str(port),
        "--account",
        str(account),
        "--redirect-uri",
        REDIRECT_URI,
        "--travel-time",
        str(travel_time),
        "--control-token",
        SIM_TOKEN,
        *lifetime,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(
                        f"{base}/_sim/state", headers=SIM_HEADERS
                    ) as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the simulator did not start")
            yield SimulatorProcess(base, session)
    finally:
        process.terminate()
        await process.wait()
