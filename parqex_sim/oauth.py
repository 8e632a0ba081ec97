"""ParqEx's OAuth: the authorize (sign-in and consent) page and the token endpoint."""

from __future__ import annotations

from collections.abc import Mapping
import html
from typing import Any, NoReturn
from urllib.parse import urlencode

from aiohttp import web

from .state import SimulatorState

AUTHORIZE_PATH = "/oauth/v2/endpoints/authorization/"
TOKEN_PATH = "/oauth/v2/endpoints/token/"
SCOPES = frozenset({"opendoor", "closedoor"})
_AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state")
_SCOPE_WORDS = (("opendoor", "open"), ("closedoor", "close"))

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ParqEx - Sign in</title>
<style>
body {{ font-family: sans-serif; max-width: 28rem; margin: 3rem auto; }}
label {{ display: block; margin: .6rem 0; }} input {{ width: 100%; }}
.error {{ color: #b00020; }}
button {{ margin: .8rem .4rem 0 0; padding: .4rem 1.2rem; }}
</style></head>
<body>
<h1>ParqEx simulator</h1>
<p>The app <strong>{client_id}</strong> asks for permission to
<strong>{scopes}</strong> your access points.</p>
{error}
<form method="post" action="{action}">
{hidden}
<label>E-mail <input name="username" type="email" autocomplete="username"
  value="{username}"></label>
<label>Password <input name="password" type="password"
  autocomplete="current-password"></label>
<button type="submit" name="decision" value="ALLOW">ALLOW</button>
<button type="submit" name="decision" value="DENY">DENY</button>
</form>
</body></html>
"""


def _error_page(message: str) -> web.Response:
    # Bad client or redirect URI: never redirect (RFC 6749 4.1.2.1).
    return web.Response(
        status=400,
        content_type="text/html",
        text=f"<!doctype html><title>ParqEx</title><h1>Error</h1>"
        f"<p>{html.escape(message)}</p>",
    )


def _redirect(redirect_uri: str, params: Mapping[str, str]) -> NoReturn:
    separator = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(f"{redirect_uri}{separator}{urlencode(params)}")


def _check_request(state: SimulatorState, params: Mapping[str, str]) -> str | None:
    """Return what is wrong with an authorize request, if anything."""
    client = state.account.client(params.get("client_id", ""))
    if client is None:
        return "Unknown client_id."
    if params.get("redirect_uri") not in client.redirect_uris:
        return "redirect_uri is not the one registered for this app."
    if params.get("response_type") != "code":
        return "response_type must be code."
    scopes = {s.strip().lower() for s in params.get("scope", "").split(",") if s}
    if not scopes or not scopes <= SCOPES:
        return "scope must be a comma-separated list of OPENDOOR and CLOSEDOOR."
    return None


def _consent(scope: str) -> str:
    """Say in words what the scopes allow: "open and close", "open" or "close"."""
    asked = {s.strip().lower() for s in scope.split(",")}
    words = [word for name, word in _SCOPE_WORDS if name in asked]
    return " and ".join(words)


def _page(params: Mapping[str, str], *, username: str = "", error: str = "") -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name in _AUTHORIZE_PARAMS
        for value in [params.get(name, "")]
    )
    return _PAGE.format(
        client_id=html.escape(params.get("client_id", "")),
        scopes=_consent(params.get("scope", "")),
        error=f'<p class="error">{html.escape(error)}</p>' if error else "",
        action=AUTHORIZE_PATH,
        hidden=hidden,
        username=html.escape(username),
    )


async def authorize_page(request: web.Request) -> web.Response:
    """Show the sign-in and consent form."""
    state: SimulatorState = request.app["state"]
    params = dict(request.query)
    if problem := _check_request(state, params):
        return _error_page(problem)
    return web.Response(content_type="text/html", text=_page(params))


async def authorize_decision(request: web.Request) -> web.Response:
    """Handle ALLOW or DENY: redirect with a code, or with access_denied."""
    state: SimulatorState = request.app["state"]
    form = await request.post()
    params = {name: str(form.get(name, "")) for name in _AUTHORIZE_PARAMS}
    if problem := _check_request(state, params):
        return _error_page(problem)
    redirect_uri = params["redirect_uri"]
    reply_state = {"state": params["state"]} if params["state"] else {}
    if form.get("decision") != "ALLOW":
        return _redirect(redirect_uri, {"error": "access_denied", **reply_state})
    username = str(form.get("username", ""))
    user = state.account.user_by_email(username)
    if user is None or user.password != form.get("password"):
        return web.Response(
            status=200,
            content_type="text/html",
            text=_page(params, username=username, error="Wrong e-mail or password."),
        )
    code = state.tokens.issue_code(
        params["client_id"], redirect_uri, user, state.clock.now()
    )
    return _redirect(redirect_uri, {"code": code, **reply_state})


def _token_error(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


async def token(request: web.Request) -> web.Response:
    """Issue tokens for the authorization-code and refresh-token grants."""
    state: SimulatorState = request.app["state"]
    if request.method.lower() != state.dialect.token_method:
        return web.Response(status=405, text="Method Not Allowed")
    params: Mapping[str, Any] = (
        await request.post() if request.method == "POST" else request.query
    )
    client = state.account.client(str(params.get("client_id", "")))
    if client is None or client.client_secret != params.get("client_secret"):
        return _token_error(401, "invalid_client")
    now = state.clock.now()
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        redirect_uri = params.get("redirect_uri")
        user = state.tokens.redeem_code(
            str(params.get("code", "")),
            client.client_id,
            None if redirect_uri is None else str(redirect_uri),
            now,
        )
        if user is None:
            return _token_error(400, "invalid_grant")
        grant = state.tokens.issue(client.client_id, user, now)
    elif grant_type == "refresh_token":
        refreshed = state.tokens.refresh(
            str(params.get("refresh_token", "")), client.client_id, now
        )
        if refreshed is None:
            return _token_error(400, "invalid_grant")
        grant = refreshed
    else:
        return _token_error(400, "unsupported_grant_type")
    return web.json_response(
        {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "token_type": "Bearer",
            "expires_in": int(state.tokens.access_lifetime.total_seconds()),
        }
    )
