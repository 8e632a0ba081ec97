"""Webhook settings under /_sim/webhook: what ParqEx support does by e-mail.

JSON for scripts and tests, and a small page for a developer: paste the URL
Home Assistant shows, get the API key ParqEx would send back.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiohttp import web

from .control import PREFIX, authorized, json_body, simulator_state
from .webhooks import WebhookFault, WebhookSettingsError

PAGE = f"{PREFIX}/webhook/page"
_PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ParqEx webhooks</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}
input{{width:100%;padding:.4em}}code{{word-break:break-all}}</style></head>
<body><h1>ParqEx webhooks (simulator)</h1>
<p>What ParqEx support does when you e-mail it the URL that Home Assistant shows
under <b>Settings &gt; Devices &amp; services &gt; ParqEx &gt; Configure</b>.</p>
{status}
<form method="post" action="{action}">
<input type="hidden" name="token" value="{token}">
<p><label>Deliver to this URL<br><input name="url" value="{url}"></label></p>
<p><label>Header that carries the API key<br>
<input name="header" value="{header}"></label></p>
<p><button type="submit">Deliver webhooks here</button></p>
</form></body></html>
"""


def _page(request: web.Request, status: str, url: str, header: str) -> web.Response:
    token = simulator_state(request).control_token
    return web.Response(
        text=_PAGE_TEMPLATE.format(
            status=status,
            action=PAGE,
            url=escape(url),
            header=escape(header),
            token=escape(token),
        ),
        content_type="text/html",
    )


async def get_webhook(request: web.Request) -> web.Response:
    """Return the registration, pending faults and what was delivered."""
    webhooks = simulator_state(request).webhooks
    await webhooks.wait()
    return web.json_response(webhooks.describe())


async def set_webhook(request: web.Request) -> web.Response:
    """Register `{"url", "header"?, "key"?}`; the answer carries the API key."""
    webhooks = simulator_state(request).webhooks
    body = await json_body(request)
    try:
        webhooks.configure(
            str(body.get("url", "")),
            None if body.get("header") is None else str(body["header"]),
            None if body.get("key") is None else str(body["key"]),
        )
    except WebhookSettingsError as err:
        raise web.HTTPBadRequest(text=str(err)) from err
    return web.json_response(webhooks.describe(), status=201)


async def delete_webhook(request: web.Request) -> web.Response:
    """Stop delivering."""
    webhooks = simulator_state(request).webhooks
    webhooks.disable()
    return web.json_response(webhooks.describe())


async def add_webhook_fault(request: web.Request) -> web.Response:
    """Do something wrong with the next deliveries (`{"kind", "count", "delay"}`)."""
    webhooks = simulator_state(request).webhooks
    try:
        fault = WebhookFault.from_json(await json_body(request))
    except (TypeError, ValueError) as err:
        raise web.HTTPBadRequest(text=f"bad fault: {err}") from err
    webhooks.faults.append(fault)
    return web.json_response(vars(fault), status=201)


async def clear_webhook_faults(request: web.Request) -> web.Response:
    """Forget pending delivery faults."""
    simulator_state(request).webhooks.faults.clear()
    return web.json_response({"faults": []})


async def send_event(request: web.Request) -> web.Response:
    """Deliver any JSON object as it is (management and Enforcer events)."""
    webhooks = simulator_state(request).webhooks
    if webhooks.url is None:
        raise web.HTTPConflict(text="no webhook URL registered")
    body: dict[str, Any] = await json_body(request)
    webhooks.send(body)
    return web.json_response({"queued": True}, status=202)


async def webhook_page(request: web.Request) -> web.Response:
    """Show the form, or register what it sent and show the API key."""
    webhooks = simulator_state(request).webhooks
    if request.method == "GET":
        if not authorized(request, request.query.get("token", "")):
            raise web.HTTPUnauthorized(text="Open the address scripts/develop printed.")
        status = ""
        if webhooks.url:
            status = f"<p>Delivering to <code>{escape(webhooks.url)}</code>.</p>"
        return _page(request, status, webhooks.url or "", webhooks.header)
    form = await request.post()
    if not authorized(request, str(form.get("token", ""))):
        raise web.HTTPUnauthorized(text="Open the address scripts/develop printed.")
    url, header = str(form.get("url", "")), str(form.get("header", ""))
    try:
        webhooks.configure(url, header, None)
    except WebhookSettingsError as err:
        return _page(request, f"<p><b>{escape(str(err))}</b></p>", url, header)
    return _page(
        request,
        "<p>ParqEx will deliver to this URL. Paste this API key in Home Assistant"
        f" (Configure &gt; API key for deliveries):</p><p><code id='key'>"
        f"{escape(webhooks.key or '')}</code></p>",
        webhooks.url or "",
        webhooks.header,
    )


def add_routes(app: web.Application) -> None:
    """Serve the webhook settings next to the rest of the control API."""
    router = app.router
    router.add_get(f"{PREFIX}/webhook", get_webhook)
    router.add_post(f"{PREFIX}/webhook", set_webhook)
    router.add_delete(f"{PREFIX}/webhook", delete_webhook)
    router.add_post(f"{PREFIX}/webhook/faults", add_webhook_fault)
    router.add_delete(f"{PREFIX}/webhook/faults", clear_webhook_faults)
    router.add_post(f"{PREFIX}/webhook/events", send_event)
    router.add_route("GET", PAGE, webhook_page)
    router.add_route("POST", PAGE, webhook_page)
