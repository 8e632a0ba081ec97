"""Run the ParqEx simulator: `python -m parqex_sim --help`."""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path
import secrets

from aiohttp import web

from .account import DEFAULT_ACCOUNT
from .app import create_app
from .dialect import Dialect
from .persist import keep_state
from .state import SimulatorState


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m parqex_sim",
        description="A ParqEx cloud (OAuth pages, REST API) for development and tests.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on: loopback only, unless --allow-remote",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen on an address other machines can reach (anyone there can"
        " sign in with the printed passwords)",
    )
    parser.add_argument(
        "--control-token",
        default=os.environ.get("PARQEX_SIM_CONTROL_TOKEN") or secrets.token_urlsafe(18),
        help="token the control API (/_sim/) asks for in its X-ParqEx-Sim-Token"
        " header (default: $PARQEX_SIM_CONTROL_TOKEN, else a new one each run)",
    )
    parser.add_argument(
        "--account",
        type=Path,
        default=DEFAULT_ACCOUNT,
        help="account JSON file (default: the seeded account)",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        help="register another redirect URI for every app (repeatable)",
    )
    parser.add_argument("--token-method", choices=["post", "get"], default="post")
    parser.add_argument(
        "--toggle-path", choices=["endpoints", "endpoint", "api"], default="endpoints"
    )
    parser.add_argument("--sync-method", choices=["get", "post"], default="get")
    parser.add_argument("--gzip", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--token-lifetime", type=float, default=3600, help="access token seconds"
    )
    parser.add_argument(
        "--code-lifetime", type=float, default=60, help="authorization code seconds"
    )
    parser.add_argument(
        "--travel-time", type=float, default=3, help="seconds a door takes to move"
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        help="keep tokens, doors, history and webhooks in this file across restarts",
    )
    args = parser.parse_args(argv)
    if not args.allow_remote and not _loopback(args.host):
        parser.error(f"--host {args.host} is not a loopback address (--allow-remote)")
    return args


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_state(args: argparse.Namespace) -> SimulatorState:
    """Create the simulator's state from the command line."""
    state = SimulatorState.create(
        account_file=args.account,
        dialect=Dialect(
            token_method=args.token_method,
            toggle_path=args.toggle_path,
            sync_method=args.sync_method,
            gzip=args.gzip,
        ),
        token_lifetime=args.token_lifetime,
        code_lifetime=args.code_lifetime,
        travel_time=args.travel_time,
    )
    state.control_token = args.control_token
    for client in state.account.clients:
        client.redirect_uris.extend(args.redirect_uri)
    return state


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    args = parse_args(argv)
    state = build_state(args)
    base = f"http://{args.host}:{args.port}"
    print(f"ParqEx simulator on {base} ({state.dialect.describe()})", flush=True)
    for client in state.account.clients:
        print(f"  client id {client.client_id}  secret {client.client_secret}")
    for user in state.account.users:
        print(f"  sign in as {user.email} / {user.password}")
    print(
        f"  control API: {base}/_sim/state with header X-ParqEx-Sim-Token:"
        f" {state.control_token}",
        flush=True,
    )
    print(
        f"  webhook page: {base}/_sim/webhook/page?token={state.control_token}",
        flush=True,
    )
    app = create_app(state)
    if args.state_file is not None:
        keep_state(app, state, args.state_file)
        print(f"  state kept in {args.state_file}", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
