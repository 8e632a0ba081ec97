"""The simulator's aiohttp application: OAuth, resources, control API, faults, gzip."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json

from aiohttp import web

from . import api, control, oauth, webhook_control
from .state import Fault, SimulatorState

# What an HTML form can post (and so a page of any other site, cross-site).
_FORM_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A body cut short, as a broken proxy or a crashing server would send.
MALFORMED_BODY = '{"success": true, "data": {"devices": [{"id": '


def endpoint_name(path: str) -> str:
    """Name a request by its last path segment: token, sync, toggle, ..."""
    segments = [segment for segment in path.split("/") if segment]
    return segments[-1] if segments else ""


def _fault_response(fault: Fault) -> web.Response:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
    if fault.malformed:
        return web.Response(
            status=fault.status or 200,
            text=MALFORMED_BODY,
            content_type="application/json",
            headers=headers,
        )
    body = fault.body
    if body is None:
        body = json.dumps({"errors": [{"message": "Simulated fault"}]})
    return web.Response(
        status=fault.status or 500,
        text=body,
        content_type="application/json",
        headers=headers,
    )


async def _control(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve the control API: JSON only, and only with the run's token.

    A web page on another site can make a browser post a form here, but cannot
    set a JSON content type or the token header. The webhook page is a form: it
    carries the token in its URL and its fields.
    """
    if request.path == webhook_control.PAGE:
        return await handler(request)
    if not control.authorized(request):
        return web.json_response(
            {"message": f"The control API needs the {control.TOKEN_HEADER} header"},
            status=401,
        )
    # What a browser form can send is refused, as is any other body not JSON;
    # a script's call without a body is fine.
    form = request.content_type in _FORM_TYPES
    other_body = bool(request.content_length) and not form
    if request.method in ("POST", "PATCH", "PUT") and (
        form or (other_body and request.content_type != "application/json")
    ):
        return web.json_response({"message": "JSON only"}, status=415)
    return await handler(request)


@web.middleware
async def parqex_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Log requests, apply injected faults and delays, and gzip answers."""
    state: SimulatorState = request.app["state"]
    if request.path.startswith(control.PREFIX):
        return await _control(request, handler)
    entry: dict[str, object] = {
        "method": request.method,
        "endpoint": endpoint_name(request.path),
        "path": request.path,
    }
    state.requests.append(entry)
    fault = state.take_fault(str(entry["endpoint"]))
    if fault is not None and fault.delay:
        await asyncio.sleep(fault.delay)
    if fault is not None and fault.reset and request.transport is not None:
        entry["status"] = "reset"
        request.transport.abort()
        raise web.HTTPInternalServerError  # never sent: the connection is gone
    try:
        if fault is not None and (fault.status is not None or fault.malformed):
            response: web.StreamResponse = _fault_response(fault)
        else:
            response = await handler(request)
    except web.HTTPException as exc:
        entry["status"] = exc.status
        raise
    entry["status"] = response.status
    if (
        state.dialect.gzip
        and isinstance(response, web.Response)
        and "gzip" in request.headers.get("Accept-Encoding", "")
    ):
        response.enable_compression(web.ContentCoding.gzip)
    return response


def create_app(state: SimulatorState) -> web.Application:
    """Build the simulator for one account and dialect."""
    app = web.Application(middlewares=[parqex_middleware])
    app["state"] = state
    app.router.add_get(oauth.AUTHORIZE_PATH, oauth.authorize_page)
    app.router.add_post(oauth.AUTHORIZE_PATH, oauth.authorize_decision)
    app.router.add_route("*", oauth.TOKEN_PATH, oauth.token)
    api.add_routes(app, state)
    control.add_routes(app)
    webhook_control.add_routes(app)

    async def _close(app: web.Application) -> None:
        await state.close()

    # Older aiohttp types its signals more narrowly than newer releases do.
    app.on_cleanup.append(_close)  # type: ignore[arg-type,unused-ignore]
    return app
