"""Everything one running simulator holds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
import secrets
from typing import Any

from .account import Account, Door, User
from .clock import Clock
from .dialect import Dialect
from .tokens import Tokens
from .webhooks import Webhooks


@dataclass
class Fault:
    """An answer to give instead of the normal one, for the next `count` requests."""

    endpoint: str
    count: int = 1
    status: int | None = None
    body: str | None = None
    delay: float = 0.0
    retry_after: str | None = None
    malformed: bool = False
    # Close the connection without an answer, as a crashing proxy does.
    reset: bool = False

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Fault:
        """Build a fault from the control API's JSON."""
        retry_after = raw.get("retry_after")
        return cls(
            endpoint=str(raw["endpoint"]),
            count=int(raw.get("count", 1)),
            status=None if raw.get("status") is None else int(raw["status"]),
            body=None if raw.get("body") is None else str(raw["body"]),
            delay=float(raw.get("delay", 0.0)),
            retry_after=None if retry_after is None else str(retry_after),
            malformed=bool(raw.get("malformed", False)),
            reset=bool(raw.get("reset", False)),
        )


@dataclass
class SimulatorState:
    """The account, its tokens, the dialect, and what tests injected."""

    account: Account
    dialect: Dialect
    tokens: Tokens
    clock: Clock
    webhooks: Webhooks
    # Seconds a door takes to move after an accepted toggle.
    travel_time: float = 3.0
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # The control API (under /_sim/) answers only requests that carry it.
    control_token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @classmethod
    def create(
        cls,
        *,
        account_file: Path,
        dialect: Dialect,
        token_lifetime: float = 3600,
        code_lifetime: float = 60,
        travel_time: float = 3.0,
    ) -> SimulatorState:
        """Load the account and start with no tokens."""
        clock = Clock()
        account = Account.load(account_file, clock.now())
        webhooks = Webhooks(account)
        account.listeners.append(webhooks.event_recorded)
        return cls(
            account=account,
            dialect=dialect,
            tokens=Tokens(token_lifetime, code_lifetime),
            clock=clock,
            webhooks=webhooks,
            travel_time=travel_time,
        )

    def take_fault(self, endpoint: str) -> Fault | None:
        """Return the fault that applies to this request, using one of its count."""
        for fault in self.faults:
            if fault.endpoint in (endpoint, "*"):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def move(self, door: Door, door_state: str, user: User) -> None:
        """Move a door after its travel time (then auto-close it), like a controller.

        The toggle is recorded when the door has moved: history, `last_toggled`
        and the pushed event share that instant, as parqex-api.md says they do.
        """

        async def _travel() -> None:
            await asyncio.sleep(self.travel_time)
            self.account.record(door, door_state, "ParqEx API", user, self.clock.now())
            if door_state == "OPEN" and door.door_auto_close_enabled:
                await asyncio.sleep(door.door_auto_close_delay)
                self.account.record(
                    door, "CLOSED", "Auto Close", None, self.clock.now()
                )

        task = asyncio.get_running_loop().create_task(_travel())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Stop doors still moving and deliveries under way (shutting down)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.webhooks.close()
