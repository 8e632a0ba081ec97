"""ParqEx's resource endpoints: user info and settings, sync, toggle, toggle history."""

from __future__ import annotations

from datetime import date
import json
import time
from typing import Any

from aiohttp import web

from .account import User
from .dialect import TOGGLE_PREFIXES
from .state import SimulatorState

RESOURCE_PREFIX = "/oauth/v1/endpoints/"


def _envelope(data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "timestamp": time.time(), **extra}
    if data is not None:
        body["data"] = data
    return body


def _errors(status: int, message: str) -> web.Response:
    return web.json_response({"errors": [{"message": message}]}, status=status)


def _toggle_answer(status: int, message: str) -> web.Response:
    # ParqEx's toggle says success: true even when it refuses; the status decides.
    return web.json_response(_envelope(message=message), status=status)


def _user(request: web.Request) -> User:
    state: SimulatorState = request.app["state"]
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.startswith("Bearer ") else ""
    user = state.tokens.user_for(token, state.clock.now()) if token else None
    if user is None:
        raise web.HTTPUnauthorized(
            text=json.dumps({"errors": [{"message": "Unauthorized"}]}),
            content_type="application/json",
        )
    return user


async def user_info(request: web.Request) -> web.Response:
    """GET: who is signed in; POST: their settings."""
    if request.method not in ("GET", "POST"):
        return web.Response(status=405, text="Method Not Allowed")
    user = _user(request)
    data = user.info() if request.method == "GET" else user.settings()
    return web.json_response(_envelope(data))


async def sync(request: web.Request) -> web.Response:
    """Return the user's controllers and doors."""
    state: SimulatorState = request.app["state"]
    if request.method.lower() != state.dialect.sync_method:
        return web.Response(status=405, text="Method Not Allowed")
    user = _user(request)
    state.account.check_in(state.clock.now())
    return web.json_response(_envelope(**state.account.sync(user)))


async def toggle(request: web.Request) -> web.Response:
    """Ask a controller to open or close a door; it moves after its travel time."""
    state: SimulatorState = request.app["state"]
    user = _user(request)
    try:
        body = await request.json()
        door_id = str(body["door_id"])
        wanted = str(body["door_state"]).upper()
    except (ValueError, KeyError, TypeError):
        return _toggle_answer(400, "Malformed request")
    if wanted not in ("OPEN", "CLOSED"):
        return _toggle_answer(400, "door_state must be OPEN or CLOSED")
    found = state.account.door(door_id)
    if found is None or not state.account.may_use(user, door_id):
        return _toggle_answer(404, "Controller not found")
    controller, door = found
    if not controller.active or not door.active:
        return _toggle_answer(404, "Controller not found")
    if wanted == "CLOSED" and door.close_unsupported:
        return _toggle_answer(501, "Not supported by this hardware")
    if wanted == "CLOSED" and door.close_needs_sensor and not door.bluetooth_sensor:
        return _toggle_answer(428, "A door sensor must be paired first")
    state.move(door, wanted, user)
    return web.json_response(_envelope())


async def toggle_history(request: web.Request) -> web.Response:
    """History of a door, a controller or the user's own toggles, by dates."""
    state: SimulatorState = request.app["state"]
    user = _user(request)
    query = request.query
    try:
        start = date.fromisoformat(query["start_date"])
        end = date.fromisoformat(query["end_date"])
    except (KeyError, ValueError):
        return _errors(400, "start_date and end_date (YYYY-MM-DD) are required")
    usable = {
        door.id: controller.id
        for controller, door, _, _ in state.account.doors_of(user)
    }
    kind = query.get("history_type")
    if kind == "door":
        door_id = query.get("door_id", "")
        if door_id not in usable:
            return _errors(404, "Door not found")
        door_ids = {door_id}
    elif kind == "device":
        device_id = query.get("device_id", "")
        door_ids = {d for d, c in usable.items() if c == device_id}
        if not door_ids:
            return _errors(404, "Device not found")
    elif kind == "user":
        door_ids = set(usable)
    else:
        return _errors(400, "history_type must be door, device or user")
    events = state.account.toggle_events(user, door_ids, start, end)
    if kind == "user":
        events = [e for e in events if e["user"]["id"] == user.id]
    return web.json_response(_envelope({"toggle_events": events}))


def add_routes(app: web.Application, state: SimulatorState) -> None:
    """Serve the endpoints where this dialect has them; elsewhere is a routing 404."""
    app.router.add_route("*", f"{RESOURCE_PREFIX}user-info", user_info)
    app.router.add_route("*", f"{RESOURCE_PREFIX}sync", sync)
    app.router.add_get(f"{RESOURCE_PREFIX}toggle-history", toggle_history)
    # The history example of the documentation has a trailing slash.
    app.router.add_get(f"{RESOURCE_PREFIX}toggle-history/", toggle_history)
    prefix = TOGGLE_PREFIXES[state.dialect.toggle_path]
    app.router.add_post(f"{prefix}toggle", toggle)
