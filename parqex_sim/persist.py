"""Keep a simulator's state in a file across restarts (`--state-file`).

Tokens, doors, history, the webhook registration and the clock survive, so a
restarted `scripts/develop` needs no new sign-in and keeps delivering pushes.
Users and apps always come from the account file.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime, timedelta
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from .account import Controller, Door, HistoryEvent
from .state import SimulatorState

SAVE_EVERY = 5.0


def _time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot save {type(value).__name__}")


def dump(state: SimulatorState) -> dict[str, Any]:
    """Return what a restart must keep, as JSON-able data."""
    webhooks = state.webhooks
    return {
        "clock_offset": state.clock.offset.total_seconds(),
        "controllers": [asdict(controller) for controller in state.account.controllers],
        "history": [
            {
                "door_id": event.door_id,
                "door_state": event.door_state,
                "channel": event.channel,
                "user": event.user.email if event.user else None,
                "was_success": event.was_success,
                "at": event.at,
            }
            for event in state.account.history
        ],
        "grants": state.tokens.dump(),
        "webhook": {
            "url": webhooks.url,
            "key": webhooks.key,
            "header": webhooks.header,
        },
    }


def restore(state: SimulatorState, raw: dict[str, Any]) -> None:
    """Put back what `dump` kept."""
    account = state.account
    state.clock.offset = timedelta(seconds=float(raw.get("clock_offset", 0)))
    account.controllers = [
        Controller(
            **{
                **controller,
                "last_contact": datetime.fromisoformat(controller["last_contact"]),
                "doors": [
                    Door(
                        **{
                            **door,
                            "last_toggled": datetime.fromisoformat(
                                door["last_toggled"]
                            ),
                        }
                    )
                    for door in controller["doors"]
                ],
            }
        )
        for controller in raw.get("controllers", [])
    ]
    account.history = [
        HistoryEvent(
            event["door_id"],
            event["door_state"],
            event["channel"],
            account.user_by_email(event["user"]) if event["user"] else None,
            event["was_success"],
            datetime.fromisoformat(event["at"]),
        )
        for event in raw.get("history", [])
    ]
    state.tokens.restore(raw.get("grants", []), account.user_by_email)
    webhook = raw.get("webhook") or {}
    if webhook.get("url") and webhook.get("key"):
        state.webhooks.configure(webhook["url"], webhook.get("header"), webhook["key"])


def save(state: SimulatorState, path: Path) -> None:
    """Write the state file in one step (a crash leaves the old one)."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(dump(state), default=_time), encoding="utf-8")
    temporary.replace(path)


def keep_state(app: web.Application, state: SimulatorState, path: Path) -> None:
    """Load the file now if there is one; save it every few seconds and at exit."""
    if path.exists():
        restore(state, json.loads(path.read_text(encoding="utf-8")))

    async def _saving(app: web.Application) -> AsyncIterator[None]:
        async def _every() -> None:
            while True:
                await asyncio.sleep(SAVE_EVERY)
                save(state, path)

        task = asyncio.get_running_loop().create_task(_every())
        yield
        task.cancel()
        save(state, path)

    app.cleanup_ctx.append(_saving)
