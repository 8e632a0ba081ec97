"""The control API (under /_sim/): play the rest of the world, and break things.

Change a door as if someone used a remote, add or remove controllers and doors,
revoke or expire tokens, inject faults, move the clock, and read what was asked.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from .account import Account, Controller, Door
from .state import Fault, SimulatorState

PREFIX = "/_sim"
# The header that carries the per-run token of the control API.
TOKEN_HEADER = "X-ParqEx-Sim-Token"
_DOOR_FIELDS = {
    "name",
    "active",
    "bluetooth_sensor",
    "bluetooth_sensor_battery_level",
    "door_auto_close_enabled",
    "door_auto_close_delay",
    "close_needs_sensor",
    "close_unsupported",
    "users",
}
_CONTROLLER_FIELDS = {
    "active",
    "registered",
    "software_version",
    "time_before_door_open_alert",
    "bluetooth_onboard",
}


def authorized(request: web.Request, given: str | None = None) -> bool:
    """Whether a control request carries this run's token (header, or `given`)."""
    token = simulator_state(request).control_token
    offered = given if given is not None else request.headers.get(TOKEN_HEADER, "")
    return hmac.compare_digest(offered.encode(), token.encode())


def simulator_state(request: web.Request) -> SimulatorState:
    """Return the state of the simulator serving the request."""
    state: SimulatorState = request.app["state"]
    return state


async def json_body(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object, or answer 400."""
    try:
        body = await request.json()
    except ValueError as err:
        raise web.HTTPBadRequest(text="JSON body expected") from err
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    return body


def _door(state: SimulatorState, door_id: str) -> Door:
    found = state.account.door(door_id)
    if found is None:
        raise web.HTTPNotFound(text=f"no door {door_id}")
    return found[1]


def _change(target: Door | Controller, body: dict[str, Any], allowed: set[str]) -> None:
    if unknown := set(body) - allowed:
        raise web.HTTPBadRequest(text=f"cannot change {sorted(unknown)}")
    for key, value in body.items():
        setattr(target, key, value)


def _controller(state: SimulatorState, controller_id: str) -> Controller:
    controller = next(
        (c for c in state.account.controllers if c.id == controller_id), None
    )
    if controller is None:
        raise web.HTTPNotFound(text=f"no controller {controller_id}")
    return controller


async def get_state(request: web.Request) -> web.Response:
    """Return the account, the dialect and the pending faults."""
    state = simulator_state(request)
    return web.json_response(
        {
            **state.account.snapshot(),
            "dialect": state.dialect.describe(),
            "faults": [vars(fault) for fault in state.faults],
        }
    )


async def set_door_state(request: web.Request) -> web.Response:
    """Someone used a remote, a key or the ParqEx app: the door moves now."""
    state = simulator_state(request)
    door = _door(state, request.match_info["door_id"])
    body = await json_body(request)
    door_state = str(body.get("state", "")).upper()
    if door_state not in ("OPEN", "CLOSED"):
        raise web.HTTPBadRequest(text="state must be OPEN or CLOSED")
    email = body.get("user")
    user = state.account.user_by_email(str(email)) if email else None
    if email and user is None:
        raise web.HTTPBadRequest(text=f"no user {email}")
    state.account.record(
        door,
        door_state,
        str(body.get("channel", "Remote")),
        user,
        state.clock.now(),
        was_success=bool(body.get("success", True)),
    )
    return web.json_response({"id": door.id, "state": door.state})


async def update_door(request: web.Request) -> web.Response:
    """Rename a door, pair a sensor, change its battery, ..."""
    state = simulator_state(request)
    door = _door(state, request.match_info["door_id"])
    _change(door, await json_body(request), _DOOR_FIELDS)
    return web.json_response({"id": door.id})


async def delete_door(request: web.Request) -> web.Response:
    """Remove a door from its controller."""
    state = simulator_state(request)
    door = _door(state, request.match_info["door_id"])
    for controller in state.account.controllers:
        if door in controller.doors:
            controller.doors.remove(door)
    return web.json_response({"deleted": door.id})


async def add_controller(request: web.Request) -> web.Response:
    """Add a controller (same JSON as in the account file)."""
    state = simulator_state(request)
    body = await json_body(request)
    try:
        controller = Account.controller_from_json(body, state.clock.now())
    except TypeError as err:
        raise web.HTTPBadRequest(text=str(err)) from err
    state.account.controllers.append(controller)
    return web.json_response({"id": controller.id}, status=201)


async def update_controller(request: web.Request) -> web.Response:
    """Take a controller offline, update its software, ..."""
    state = simulator_state(request)
    controller = _controller(state, request.match_info["id"])
    _change(controller, await json_body(request), _CONTROLLER_FIELDS)
    return web.json_response({"id": controller.id})


async def delete_controller(request: web.Request) -> web.Response:
    """Remove a controller and its doors."""
    state = simulator_state(request)
    before = len(state.account.controllers)
    state.account.controllers = [
        c for c in state.account.controllers if c.id != request.match_info["id"]
    ]
    if len(state.account.controllers) == before:
        raise web.HTTPNotFound(text="no such controller")
    return web.json_response({"deleted": request.match_info["id"]})


async def add_door(request: web.Request) -> web.Response:
    """Add a door to a controller (same JSON as in the account file)."""
    state = simulator_state(request)
    controller = _controller(state, request.match_info["id"])
    body = await json_body(request)
    try:
        door = Door(**{"last_toggled": state.clock.now(), **body})
    except TypeError as err:
        raise web.HTTPBadRequest(text=str(err)) from err
    controller.doors.append(door)
    return web.json_response({"id": door.id}, status=201)


async def revoke(request: web.Request) -> web.Response:
    """Revoke the tokens of one user (`{"user": e-mail}`) or of everyone."""
    state = simulator_state(request)
    body = await json_body(request) if request.can_read_body else {}
    user = None
    if email := body.get("user"):
        user = state.account.user_by_email(str(email))
        if user is None:
            raise web.HTTPBadRequest(text=f"no user {email}")
    return web.json_response({"revoked": state.tokens.revoke(user)})


async def expire(request: web.Request) -> web.Response:
    """End every access token now, as time does; refresh tokens still work."""
    state = simulator_state(request)
    return web.json_response({"expired": state.tokens.expire(state.clock.now())})


async def add_fault(request: web.Request) -> web.Response:
    """Answer the next `count` requests to `endpoint` (or "*") with a fault."""
    state = simulator_state(request)
    body = await json_body(request)
    try:
        fault = Fault.from_json(body)
    except (KeyError, TypeError, ValueError) as err:
        raise web.HTTPBadRequest(text=f"bad fault: {err}") from err
    state.faults.append(fault)
    return web.json_response(vars(fault), status=201)


async def clear_faults(request: web.Request) -> web.Response:
    """Forget every pending fault."""
    simulator_state(request).faults.clear()
    return web.json_response({"faults": []})


async def advance_clock(request: web.Request) -> web.Response:
    """Move the simulator's clock forward (expires codes and tokens)."""
    state = simulator_state(request)
    body = await json_body(request)
    state.clock.advance(float(body.get("seconds", 0)))
    return web.json_response({"now": state.clock.now().isoformat()})


async def get_requests(request: web.Request) -> web.Response:
    """Return what clients asked, oldest first."""
    return web.json_response(simulator_state(request).requests)


async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    simulator_state(request).requests.clear()
    return web.json_response([])


def add_routes(app: web.Application) -> None:
    """Serve the control API under its own prefix."""
    router = app.router
    router.add_get(f"{PREFIX}/state", get_state)
    router.add_post(f"{PREFIX}/doors/{{door_id}}/state", set_door_state)
    router.add_patch(f"{PREFIX}/doors/{{door_id}}", update_door)
    router.add_delete(f"{PREFIX}/doors/{{door_id}}", delete_door)
    router.add_post(f"{PREFIX}/controllers", add_controller)
    router.add_patch(f"{PREFIX}/controllers/{{id}}", update_controller)
    router.add_delete(f"{PREFIX}/controllers/{{id}}", delete_controller)
    router.add_post(f"{PREFIX}/controllers/{{id}}/doors", add_door)
    router.add_post(f"{PREFIX}/revoke", revoke)
    router.add_post(f"{PREFIX}/expire", expire)
    router.add_post(f"{PREFIX}/faults", add_fault)
    router.add_delete(f"{PREFIX}/faults", clear_faults)
    router.add_post(f"{PREFIX}/clock", advance_clock)
    router.add_get(f"{PREFIX}/requests", get_requests)
    router.add_delete(f"{PREFIX}/requests", clear_requests)
